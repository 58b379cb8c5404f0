"""Calc's Arrow-kernel path (``flowsql.exec.arrow_expression``) gives DuckDB's answers, and hands
DuckDB what it cannot do exactly."""

import datetime
import decimal

import pyarrow as pa
import pytest
from flowsql.common.types import BIGINT, BOOLEAN, DATE, DECIMAL, DOUBLE, INT, STRING, VARCHAR
from flowsql.common.types import INTERVAL_DAY_TIME as DAY_TIME
from flowsql.exec.expression import BatchEvaluator
from flowsql.planner.expressions import Call, InputRef, Literal

D = decimal.Decimal
TABLE = pa.table({
    "i": pa.array([1, None, 3, 2**31 - 1], pa.int32()),
    "s": pa.array(["BUILDING", None, "green tea", "PROMO x"]),
    "d": pa.array([datetime.date(1995, 3, 14), datetime.date(1995, 3, 15), None, datetime.date(1996, 1, 1)]),
    "p": pa.array([D("10.50"), D("-3.25"), None, D("99999999999.99")], pa.decimal128(15, 2)),
    "r": pa.array([D("0.05"), D("0.10"), D("0.00"), None], pa.decimal128(15, 2)),
    "f": pa.array([1.5, float("nan"), None, -0.0]),
})
i, s, d, p, r, f = (InputRef(t, k) for k, t in enumerate([INT(), STRING(), DATE(), DECIMAL(15, 2), DECIMAL(15, 2),
                                                           DOUBLE()]))
date_literal = Call(DATE(), "CAST", (Literal(STRING(), "1995-03-15"),))


def _both(projections, condition=None):
    """(result with the Arrow program, result with DuckDB alone, whether Arrow was used)."""
    schema = pa.schema([pa.field(f"c{k}", e.type.to_arrow()) for k, e in enumerate(projections)])
    arrow = BatchEvaluator(projections, condition, schema)
    result = arrow.evaluate(TABLE)
    duck = BatchEvaluator(projections, condition, schema)
    duck.arrow_schema, duck.arrow_program = TABLE.rename_columns([f"_{k}" for k in range(6)]).schema, None
    return result, duck.evaluate(TABLE), arrow.arrow_program is not None


CASES = {
    "comparisons with NULLs": ([Call(BOOLEAN(), "<", (d, date_literal)), Call(BOOLEAN(), "=", (s, Literal(STRING(), "BUILDING")))], None),
    "three-valued AND/OR/NOT": ([Call(BOOLEAN(), "OR", (Call(BOOLEAN(), ">", (i, Literal(INT(), 2))), Call(BOOLEAN(), "IS NULL", (s,)))),
                                 Call(BOOLEAN(), "NOT", (Call(BOOLEAN(), "AND", (Call(BOOLEAN(), ">", (i, Literal(INT(), 0))), Call(BOOLEAN(), "<", (p, r)))),))], None),
    "IN and BETWEEN": ([Call(BOOLEAN(), "IN", (i, Literal(INT(), 1), Literal(INT(), 3))),
                        Call(BOOLEAN(), "NOT BETWEEN", (p, Literal(DECIMAL(3, 2), D("0.00")), Literal(DECIMAL(4, 2), D("11.00"))))], None),
    "LIKE": ([Call(BOOLEAN(), "LIKE", (s, Literal(STRING(), "%green%"))), Call(BOOLEAN(), "NOT LIKE", (s, Literal(STRING(), "PROMO%")))], None),
    "decimal revenue": ([Call(DECIMAL(31, 4), "*", (p, Call(DECIMAL(16, 2), "-", (Literal(INT(), 1), r))))], None),
    "CASE": ([Call(DECIMAL(31, 4), "CASE", (Call(BOOLEAN(), "LIKE", (s, Literal(STRING(), "PROMO%"))),
                                           Call(DECIMAL(31, 4), "*", (p, r)), Literal(DECIMAL(31, 4), D("0")))),
              Call(INT(), "CASE", (Call(BOOLEAN(), "=", (s, Literal(STRING(), "x"))), Literal(INT(), 1), Literal(INT(), 0)))], None),
    "filter and projection": ([i, s], Call(BOOLEAN(), "<", (d, Call(DATE(), "+", (date_literal, Literal(
        DAY_TIME(), datetime.timedelta(days=1))))))),
}


@pytest.mark.parametrize("name", CASES)
def test_arrow_kernels_give_duckdbs_answer(name):
    projections, condition = CASES[name]
    arrow, duck, used = _both(projections, condition)
    assert used, f"{name}: expected the Arrow path"
    assert arrow.equals(duck), f"{name}:\n{arrow.to_pylist()}\n!=\n{duck.to_pylist()}"


@pytest.mark.parametrize("projection", [
    Call(BOOLEAN(), "=", (f, Literal(DOUBLE(), float("nan")))),  # NaN orders differently in IEEE
    Call(VARCHAR(3), "CAST", (s,)),  # a VARCHAR(n) cast truncates
    Call(DECIMAL(15, 1), "*", (p, r)),  # the product's scale would round
    Call(BIGINT(), "CAST", (Call(DOUBLE(), "+", (f, f)),)),
])
def test_what_arrow_cannot_do_exactly_goes_to_duckdb(projection):
    arrow, duck, used = _both([projection])
    assert not used
    assert arrow.equals(duck)


def test_an_overflow_falls_back_to_duckdb_for_that_batch():
    projection = Call(INT(), "+", (i, Literal(INT(), 1)))
    schema = pa.schema([pa.field("c0", pa.int32())])
    evaluator = BatchEvaluator([projection], None, schema)
    assert evaluator.evaluate(TABLE.slice(0, 3)).column(0).to_pylist() == [2, None, 4]
    assert evaluator.arrow_program is not None
    with pytest.raises(Exception, match="(?i)overflow"):  # DuckDB's error, not a wrapped-around value
        evaluator.evaluate(TABLE)
