"""Shared helpers of the function modules: argument checks, Flink's nullability rules, literal reads.

Flink's default for a scalar function is *nullable if any argument is nullable*; functions that can
return NULL on non-NULL input (parse failures, out-of-range indexes) force a nullable result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flowsql.common.errors import ValidationError
from flowsql.common.types import DataType
from flowsql.planner.expressions import Literal

Types = Sequence[DataType]
Exprs = Sequence[object]


def any_nullable(types: Types) -> bool:
    return any(t.nullable for t in types)


def nullable_if_args(result: DataType, types: Types) -> DataType:
    return result.with_nullable(any_nullable(types))


def returns(make: Callable[..., DataType], force_nullable: bool = False, not_null: bool = False):
    """An ``infer`` rule giving a fixed type, nullable per Flink's default (or forced either way)."""

    def infer(types: Types, exprs: Exprs) -> DataType:
        if not_null:
            return make(nullable=False)
        return make(nullable=force_nullable or any_nullable(types))

    return infer


def literal(exprs: Exprs, index: int) -> tuple[bool, object]:
    """(True, value) when argument ``index`` is a literal, else (False, None)."""
    if index < len(exprs) and isinstance(exprs[index], Literal):
        return True, exprs[index].value
    return False, None


def literal_string(fn: str, exprs: Exprs, index: int, what: str) -> str:
    """The value of an argument that must be a non-NULL string literal (a unit, a type name, ...)."""
    is_lit, value = literal(exprs, index)
    if not is_lit or not isinstance(value, str):
        raise ValidationError(
            f"function {fn} expects {what} as a string literal in argument {index + 1}",
            hint=f"write {what} as a constant, e.g. {fn}(...)",
        )
    return value


def literal_int(fn: str, exprs: Exprs, index: int, what: str) -> int | None:
    """The value of an integer literal argument; None when it is not a literal (or NULL)."""
    is_lit, value = literal(exprs, index)
    if is_lit and isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def is_null_type(t: DataType) -> bool:
    return t.name == "NULL"


def is_stringish(t: DataType) -> bool:
    return t.is_string or is_null_type(t)


def is_binaryish(t: DataType) -> bool:
    return t.name in ("BINARY", "VARBINARY") or is_null_type(t)


def is_numericish(t: DataType) -> bool:
    return t.is_numeric or is_null_type(t)


def is_integerish(t: DataType) -> bool:
    return t.is_integer or is_null_type(t)


def type_name(t: DataType) -> str:
    return t.sql(False).replace(" NOT NULL", "")


def expect(fn: str, types: Types, index: int, ok: Callable[[DataType], bool], what: str) -> None:
    """Raise a ValidationError unless argument ``index`` (when present) satisfies ``ok``."""
    if index < len(types) and not ok(types[index]):
        position = f"argument {index + 1}" if len(types) > 1 else "argument"
        raise ValidationError(
            f"function {fn} expects {what} as {position}, found {type_name(types[index])}",
            hint=f"CAST the {position} to the expected type",
        )


def expect_all(fn: str, types: Types, ok: Callable[[DataType], bool], what: str, start: int = 0) -> None:
    for i in range(start, len(types)):
        expect(fn, types, i, ok, what)


def as_varchar(sql: str, t: DataType) -> str:
    """Argument SQL as DuckDB VARCHAR (NULL-typed literals carry no string type in DuckDB)."""
    return sql if t.is_string else f"CAST({sql} AS VARCHAR)"


def as_type(sql: str, source: DataType, target: DataType) -> str:
    if source.without_time_attribute().with_nullable(True) == target.with_nullable(True):
        return sql
    return f"CAST({sql} AS {target.to_duckdb()})"


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
