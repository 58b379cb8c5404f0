"""Conditional functions of Flink SQL (CASE itself is an operator of the expression compiler).

``GREATEST``/``LEAST`` live in ``math`` and ``IS_ALPHA``/``IS_DIGIT``/``IS_DECIMAL`` in ``string``.
"""

from __future__ import annotations

from flowsql.common.errors import ValidationError
from flowsql.common.types import STRING, DataType, common_type
from flowsql.planner.functions._types import expect, type_name
from flowsql.planner.functions.registry import scalar


def _common(fn: str, types) -> DataType:
    common = common_type(list(types))
    if common is None:
        raise ValidationError(f"function {fn} expects arguments of one type, found "
                              + ", ".join(type_name(t) for t in types), hint="CAST the arguments to one type")
    return STRING(True) if common.name == "NULL" else common


def _cast(sql: str, source: DataType, target: DataType) -> str:
    if source.without_time_attribute().with_nullable(True) == target.with_nullable(True):
        return sql
    return f"CAST({sql} AS {target.to_duckdb()})"


def _coalesce_infer(types, exprs) -> DataType:
    common = _common("COALESCE", types)
    return common.with_nullable(all(t.nullable for t in types))


@scalar("COALESCE", infer=_coalesce_infer, min_args=1, category="conditional",
        signature="COALESCE(value1, value2, ...)", description="The first argument that is not NULL.")
def _coalesce(a, t, r, e):
    return f"COALESCE({', '.join(_cast(x, y, r) for x, y in zip(a, t))})"


def _ifnull_infer(types, exprs) -> DataType:
    common = _common("IFNULL", types)
    return common.with_nullable(types[0].nullable and types[1].nullable)


@scalar("IFNULL", infer=_ifnull_infer, min_args=2, max_args=2, category="conditional",
        signature="IFNULL(input, null_replacement)",
        description="input, or null_replacement when input is NULL.")
def _ifnull(a, t, r, e):
    return f"COALESCE({_cast(a[0], t[0], r)}, {_cast(a[1], t[1], r)})"


def _nullif_infer(types, exprs) -> DataType:
    _common("NULLIF", types)
    return (STRING() if types[0].name == "NULL" else types[0].without_time_attribute()).with_nullable(True)


@scalar("NULLIF", infer=_nullif_infer, min_args=2, max_args=2, category="conditional",
        signature="NULLIF(value1, value2)", description="NULL if value1 equals value2, else value1.")
def _nullif(a, t, r, e):
    common = _common("NULLIF", t)
    return f"CASE WHEN {_cast(a[0], t[0], common)} = {_cast(a[1], t[1], common)} THEN NULL ELSE {_cast(a[0], t[0], r)} END"


def _if_infer(types, exprs) -> DataType:
    expect("IF", types, 0, lambda x: x.name in ("BOOLEAN", "NULL"), "a BOOLEAN condition")
    return _common("IF", types[1:])


@scalar("IF", infer=_if_infer, min_args=3, max_args=3, category="conditional",
        signature="IF(condition, true_value, false_value)",
        description="true_value when condition is TRUE, else false_value (also for NULL).")
def _if(a, t, r, e):
    return f"(CASE WHEN {a[0]} THEN {_cast(a[1], t[1], r)} ELSE {_cast(a[2], t[2], r)} END)"


def _typeof_infer(types, exprs) -> DataType:
    expect("TYPEOF", types, 1, lambda x: x.name in ("BOOLEAN", "NULL"), "a BOOLEAN literal")
    return STRING(True)


@scalar("TYPEOF", infer=_typeof_infer, min_args=1, max_args=2, category="conditional",
        signature="TYPEOF(input [, force_serializable])",
        description="The Flink type of the input, as text (e.g. 'INT NOT NULL').")
def _typeof(a, t, r, e):
    text = "NULL" if t[0].name == "NULL" else t[0].sql(False)
    return "'" + text.replace("'", "''") + "'"

