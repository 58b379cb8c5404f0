"""CAST/TRY_CAST with Flink's semantics, and the size and shape of the function catalogue."""

import datetime as dt
import math
from decimal import Decimal

import pyarrow as pa
import pytest
from function_eval import CONNECTION
from flowsql.common.errors import ExecutionError
from flowsql.common.types import (
    BIGINT,
    BOOLEAN,
    CHAR,
    DATE,
    DECIMAL,
    DOUBLE,
    FLOAT,
    INT,
    STRING,
    TIMESTAMP,
    TINYINT,
    VARCHAR,
    DataType,
)
from flowsql.exec.expression import BatchEvaluator
from flowsql.planner.expressions import Call, InputRef
from flowsql.planner.functions import registry


def cast(value: object, source: DataType, target: DataType, try_cast: bool = False) -> object:
    expr = Call(target.with_nullable(True), "TRY_CAST" if try_cast else "CAST", (InputRef(source, 0),))
    table = pa.table({"c": pa.array([value], source.to_arrow())})
    schema = pa.schema([pa.field("v", target.to_arrow())])
    return BatchEvaluator([expr], None, schema, connection=CONNECTION).evaluate(table).column(0)[0].as_py()


CASES = [
    (3.9, DOUBLE(), INT(), 3),
    (-3.9, DOUBLE(), INT(), -3),
    (300, INT(), TINYINT(), 44),
    (99999999999, BIGINT(), INT(), 1215752191),
    (1e20, DOUBLE(), BIGINT(), 9223372036854775807),
    (math.nan, DOUBLE(), INT(), 0),
    (Decimal("-300.9"), DECIMAL(5, 1), TINYINT(), -44),
    (" 12 ", STRING(), INT(), 12),
    ("1.5", STRING(), INT(), 1),
    (" 1.5 ", STRING(), DOUBLE(), 1.5),
    (" 1.25 ", STRING(), DECIMAL(3, 1), Decimal("1.3")),
    (Decimal("-1.25"), DECIMAL(4, 2), DECIMAL(3, 1), Decimal("-1.3")),
    ("YES", STRING(), BOOLEAN(), True),
    ("0", STRING(), BOOLEAN(), False),
    (5, INT(), BOOLEAN(), True),
    (True, BOOLEAN(), INT(), 1),
    (True, BOOLEAN(), STRING(), "TRUE"),
    (1e10, DOUBLE(), STRING(), "1.0E10"),
    (1e-4, DOUBLE(), STRING(), "1.0E-4"),
    (1.5, DOUBLE(), STRING(), "1.5"),
    (100.0, DOUBLE(), STRING(), "100.0"),
    (-2.5e-5, DOUBLE(), STRING(), "-2.5E-5"),
    (1.5, FLOAT(), STRING(), "1.5"),
    (Decimal("1.50"), DECIMAL(3, 2), STRING(), "1.50"),
    (dt.datetime(2020, 1, 2, 3, 4, 5, 123000), TIMESTAMP(3), STRING(), "2020-01-02 03:04:05.123"),
    (dt.datetime(2020, 1, 2, 3, 4, 5), TIMESTAMP(0), STRING(), "2020-01-02 03:04:05"),
    (dt.datetime(2020, 1, 2, 3, 4, 5, 123900), TIMESTAMP(6), TIMESTAMP(3), dt.datetime(2020, 1, 2, 3, 4, 5, 123000)),
    ("2020-01-02 03:04:05.1239", STRING(), TIMESTAMP(3), dt.datetime(2020, 1, 2, 3, 4, 5, 123000)),
    ("2020-01-02", STRING(), TIMESTAMP(3), dt.datetime(2020, 1, 2)),
    (" 2020-01-02 ", STRING(), DATE(), dt.date(2020, 1, 2)),
    ("abcdef", STRING(), VARCHAR(3), "abc"),
    ("ab", STRING(), CHAR(4), "ab  "),
    (None, STRING(), INT(), None),
    (None, STRING(), BOOLEAN(), None),
    (None, DOUBLE(), STRING(), None),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[1]}->{c[2]}")
def test_cast(case):
    value, source, target, expected = case
    assert cast(value, source, target) == expected
    assert cast(value, source, target, try_cast=True) == expected


@pytest.mark.parametrize("case", [("abc", STRING(), INT()), ("maybe", STRING(), BOOLEAN()),
                                  (12345, INT(), DECIMAL(3, 0)), ("x", STRING(), DATE())],
                         ids=lambda c: f"{c[1]}->{c[2]}")
def test_cast_failure_is_an_error_and_try_cast_null(case):
    value, source, target = case
    with pytest.raises(ExecutionError):
        cast(value, source, target)
    assert cast(value, source, target, try_cast=True) is None


def test_at_least_110_functions_are_registered():
    names = {f.name for f in registry.all_functions()}
    assert len(names) >= 110, len(names)


def test_every_function_is_documented():
    for f in registry.all_functions():
        assert f.category and f.description and f.signature, f.name


def test_arity_is_checked():
    from flowsql.common.errors import ValidationError

    with pytest.raises(ValidationError, match="SPLIT_INDEX takes 3"):
        registry.find("SPLIT_INDEX").check_arity(2)
