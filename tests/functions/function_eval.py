"""Helpers to evaluate one function call over a one-row batch, the way the runtime does."""

from __future__ import annotations

import math

import duckdb
import pyarrow as pa
import pytest
from flowsql.common.types import DataType
from flowsql.exec.expression import BatchEvaluator
from flowsql.planner.expressions import Call, Expr, InputRef, Literal
from flowsql.planner.functions import registry

# One connection for all cases: connecting is most of the cost of a one-row evaluation.
CONNECTION = duckdb.connect()


class Col:
    """An argument fed as an input column (rather than a literal) of the given type."""

    def __init__(self, value: object, type: DataType) -> None:
        self.value, self.type = value, type


def lit(value: object, type: DataType) -> Literal:
    return Literal(type.with_nullable(value is None) if type.name != "NULL" else type, value)


def call(op: str, *args: Expr) -> Call:
    fn = registry.find(op)
    assert fn is not None, f"{op} is not registered"
    fn.check_arity(len(args))
    types = [a.type for a in args]
    return Call(fn.infer(types, list(args)), op, tuple(args))


def evaluate(op: str, *args: object) -> tuple[object, DataType]:
    """(value, type) of ``op(args)``; a ``Col`` argument becomes an input column, others literals."""
    columns, exprs = [], []
    for a in args:
        if isinstance(a, Col):
            exprs.append(InputRef(a.type, len(columns)))
            columns.append(pa.array([a.value], a.type.to_arrow()))
        else:
            exprs.append(a)
    if not columns:
        columns.append(pa.array([0], pa.int32()))
    expr = call(op, *exprs)
    table = pa.Table.from_arrays(columns, names=[f"c{i}" for i in range(len(columns))])
    schema = pa.schema([pa.field("v", expr.type.to_arrow())])
    result = BatchEvaluator([expr], None, schema, connection=CONNECTION).evaluate(table)
    return result.column(0)[0].as_py(), expr.type


def assert_case(op: str, args: tuple, expected: object, type_text: str | None) -> None:
    """Evaluate ``op(args)`` and compare the value (floats approximately) and the Flink type."""
    value, t = evaluate(op, *args)
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(value, float) and math.isnan(value), f"{op}: expected NaN, got {value!r}"
    elif isinstance(expected, float):
        assert value == pytest.approx(expected), f"{op}: expected {expected!r}, got {value!r}"
    else:
        assert value == expected, f"{op}: expected {expected!r}, got {value!r}"
    if type_text is not None:
        assert str(t) == type_text, f"{op}: expected type {type_text}, got {t}"


def case_id(case: tuple) -> str:
    return case[0]
