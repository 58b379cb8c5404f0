"""Numeric functions: values, Flink types (DECIMAL rules included) and NULL propagation."""

import math
from decimal import Decimal

import pytest
from function_eval import Col, assert_case, case_id, lit
from flowsql.common.types import BIGINT, DECIMAL, DOUBLE, FLOAT, INT, STRING, TINYINT

D = DOUBLE()


def d(v):
    return Col(v, D)


def i(v):
    return lit(v, INT())


def dec(v, p, s):
    return Col(Decimal(v), DECIMAL(p, s))


CASES = [
    ("ABS", (Col(-5, TINYINT()),), 5, "TINYINT"),
    ("ABS", (dec("-1.50", 5, 2),), Decimal("1.50"), "DECIMAL(5, 2)"),
    ("ABS", (d(-2.5),), 2.5, "DOUBLE"),
    ("MOD", (Col(-7, BIGINT()), i(3)), -1, "INT"),
    ("MOD", (dec("-7", 5, 2), Col(Decimal(3), DECIMAL(4, 1))), Decimal("-1.00"), "DECIMAL(5, 2)"),
    ("MOD", (d(7.5), i(2)), 1.5, "DOUBLE"),
    ("POWER", (i(2), i(10)), 1024.0, "DOUBLE NOT NULL"),
    ("POW", (d(4.0), lit(0.5, D)), 2.0, "DOUBLE"),
    ("SQRT", (d(16.0),), 4.0, "DOUBLE"),
    ("SQRT", (d(-1.0),), math.nan, "DOUBLE"),
    ("EXP", (d(0.0),), 1.0, "DOUBLE"),
    ("LN", (d(math.e),), 1.0, "DOUBLE"),
    ("LN", (d(0.0),), -math.inf, "DOUBLE"),
    ("LOG", (d(math.e),), 1.0, "DOUBLE"),
    ("LOG", (i(2), d(8.0)), 3.0, "DOUBLE"),
    ("LOG2", (d(8.0),), 3.0, "DOUBLE"),
    ("LOG10", (d(1000.0),), 3.0, "DOUBLE"),
    ("CEIL", (dec("-1.234", 10, 3),), Decimal(-1), "DECIMAL(10, 0)"),
    ("CEILING", (d(1.2),), 2.0, "DOUBLE"),
    ("FLOOR", (dec("1.234", 10, 3),), Decimal(1), "DECIMAL(10, 0)"),
    ("FLOOR", (Col(7, INT()),), 7, "INT"),
    ("ROUND", (dec("1.25", 10, 3), i(1)), Decimal("1.3"), "DECIMAL(9, 1)"),
    ("ROUND", (dec("-1.25", 10, 3), i(1)), Decimal("-1.3"), "DECIMAL(9, 1)"),
    ("ROUND", (dec("1.25", 10, 3),), Decimal(1), "DECIMAL(8, 0)"),
    ("ROUND", (dec("15.5", 10, 3), i(-1)), Decimal(20), "DECIMAL(8, 0)"),
    ("ROUND", (dec("1.25", 10, 3), i(5)), Decimal("1.250"), "DECIMAL(10, 3)"),
    ("ROUND", (d(1.005), i(2)), 1.01, "DOUBLE"),
    ("ROUND", (d(2.5),), 3.0, "DOUBLE"),
    ("ROUND", (Col(125, INT()), i(-1)), 130, "INT"),
    ("TRUNCATE", (dec("1.239", 10, 3), i(1)), Decimal("1.2"), "DECIMAL(9, 1)"),
    ("TRUNCATE", (dec("-1.239", 10, 3),), Decimal(-1), "DECIMAL(8, 0)"),
    ("TRUNCATE", (d(1.239), i(2)), 1.23, "DOUBLE"),
    ("TRUNCATE", (Col(129, INT()), i(-1)), 120, "INT"),
    ("SIGN", (dec("-2.5", 3, 1),), Decimal("-1.0"), "DECIMAL(3, 1)"),
    ("SIGN", (Col(-5, INT()),), -1, "INT"),
    ("SIN", (d(0.0),), 0.0, "DOUBLE"),
    ("COS", (d(0.0),), 1.0, "DOUBLE"),
    ("TAN", (d(0.0),), 0.0, "DOUBLE"),
    ("COT", (d(1.0),), 1 / math.tan(1.0), "DOUBLE"),
    ("ASIN", (d(1.0),), math.pi / 2, "DOUBLE"),
    ("ASIN", (d(2.0),), math.nan, "DOUBLE"),
    ("ACOS", (d(1.0),), 0.0, "DOUBLE"),
    ("ATAN", (d(1.0),), math.pi / 4, "DOUBLE"),
    ("ATAN2", (d(1.0), lit(1.0, D)), math.pi / 4, "DOUBLE"),
    ("SINH", (d(0.0),), 0.0, "DOUBLE"),
    ("COSH", (d(0.0),), 1.0, "DOUBLE"),
    ("TANH", (d(0.0),), 0.0, "DOUBLE"),
    ("DEGREES", (d(math.pi),), 180.0, "DOUBLE"),
    ("RADIANS", (d(180.0),), math.pi, "DOUBLE"),
    ("PI", (), math.pi, "DOUBLE NOT NULL"),
    ("E", (), math.e, "DOUBLE NOT NULL"),
    ("GREATEST", (Col(1, INT()), lit(2.5, D)), 2.5, "DOUBLE"),
    ("GREATEST", (Col(None, INT()), lit(2.5, D)), None, "DOUBLE"),
    ("LEAST", (Col(3, INT()), lit(2, BIGINT())), 2, "BIGINT"),
    ("LEAST", (Col("b", STRING()), lit("a", STRING())), "a", "STRING"),
]

NULL_CASES = [(name, (Col(None, D),) + rest) for name, rest in [
    ("ABS", ()), ("SQRT", ()), ("EXP", ()), ("LN", ()), ("LOG", ()), ("LOG2", ()), ("LOG10", ()), ("CEIL", ()),
    ("FLOOR", ()), ("ROUND", ()), ("TRUNCATE", ()), ("SIGN", ()), ("SIN", ()), ("COS", ()), ("TAN", ()),
    ("COT", ()), ("ASIN", ()), ("ACOS", ()), ("ATAN", ()), ("SINH", ()), ("COSH", ()), ("TANH", ()),
    ("DEGREES", ()), ("RADIANS", ()), ("POWER", (i(2),)), ("MOD", (i(2),)), ("ATAN2", (lit(1.0, D),)),
    ("GREATEST", (lit(1.0, D),)), ("LEAST", (lit(1.0, D),)), ("ROUND", (i(1),)),
]] + [("RAND", (Col(None, INT()),)), ("RAND_INTEGER", (Col(None, INT()),)), ("MOD", (i(7), Col(None, INT())))]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_math_function(case):
    assert_case(*case)


@pytest.mark.parametrize("case", NULL_CASES, ids=case_id)
def test_math_null(case):
    op, args = case
    assert_case(op, args, None, None)


def test_random_functions_stay_in_range():
    from function_eval import evaluate

    value, t = evaluate("RAND")
    assert 0 <= value < 1 and str(t) == "DOUBLE NOT NULL"
    value, t = evaluate("RAND_INTEGER", i(10))
    assert 0 <= value < 10 and str(t) == "INT NOT NULL"
    value, _ = evaluate("RAND_INTEGER", i(1), i(10))
    assert 0 <= value < 10


def test_float_keeps_its_type():
    assert_case("ABS", (Col(-1.5, FLOAT()),), 1.5, "FLOAT")
