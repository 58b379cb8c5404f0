"""Flink's result-type rules for operators and aggregates (the parts binding needs)."""

from __future__ import annotations

from flowsql.common.errors import ValidationError
from flowsql.common.types import (
    BIGINT, BOOLEAN, DECIMAL, DOUBLE, STRING, DataType, as_decimal, common_type,
)

_INT_ORDER = ["TINYINT", "SMALLINT", "INT", "BIGINT"]


def arithmetic_type(op: str, left: DataType, right: DataType) -> DataType:
    """Result type of ``left op right`` for + - * / %, following Flink (Calcite) rules."""
    nullable = left.nullable or right.nullable
    lt, rt = left.without_time_attribute(), right.without_time_attribute()
    if lt.name == "NULL" and rt.name == "NULL":
        return DataType("INT", True)
    if lt.name == "NULL":
        lt = rt
    if rt.name == "NULL":
        rt = lt
    # temporal arithmetic
    if op in ("+", "-") and (lt.is_temporal or rt.is_temporal or lt.is_interval or rt.is_interval):
        if lt.is_temporal and rt.is_interval:
            return lt.with_nullable(nullable)
        if op == "+" and lt.is_interval and rt.is_temporal:
            return rt.with_nullable(nullable)
        if lt.is_interval and rt.is_interval:
            return lt.with_nullable(nullable)
        raise ValidationError(f"cannot apply '{op}' to {lt} and {rt}",
                              hint="add an INTERVAL to a timestamp, or use TIMESTAMPDIFF to subtract timestamps")
    if op in ("*", "/") and (lt.is_interval or rt.is_interval) and (lt.is_numeric or rt.is_numeric):
        return (lt if lt.is_interval else rt).with_nullable(nullable)
    if not (lt.is_numeric and rt.is_numeric):
        raise ValidationError(
            f"cannot apply '{op}' to {lt} and {rt}",
            hint="arithmetic needs numeric operands; CAST strings to a number first",
        )
    if lt.name in ("FLOAT", "DOUBLE") or rt.name in ("FLOAT", "DOUBLE"):
        name = "DOUBLE" if "DOUBLE" in (lt.name, rt.name) or lt.name == "DECIMAL" or rt.name == "DECIMAL" \
            or (lt.is_integer or rt.is_integer) and "FLOAT" not in (lt.name, rt.name) else "FLOAT"
        if lt.name == "FLOAT" and rt.name == "FLOAT":
            name = "FLOAT"
        elif "DOUBLE" in (lt.name, rt.name):
            name = "DOUBLE"
        return DataType(name, nullable)
    if lt.is_integer and rt.is_integer:
        if op == "%":
            return DataType(rt.name, nullable)
        wider = max(_INT_ORDER.index(lt.name), _INT_ORDER.index(rt.name))
        return DataType(_INT_ORDER[wider], nullable)
    a, b = as_decimal(lt), as_decimal(rt)
    p1, s1, p2, s2 = a.precision, a.scale, b.precision, b.scale
    if op in ("+", "-"):
        s = max(s1, s2)
        p = max(p1 - s1, p2 - s2) + s + 1
    elif op == "*":
        p, s = p1 + p2, s1 + s2
    elif op == "/":
        s = max(6, s1 + p2 + 1)
        p = p1 - s1 + s2 + s
    else:  # %
        s = max(s1, s2)
        p = min(p1 - s1, p2 - s2) + s
    return _bounded_decimal(p, s, nullable)


def _bounded_decimal(p: int, s: int, nullable: bool) -> DataType:
    """Cap a derived DECIMAL at precision 38, keeping at least 6 fraction digits (Flink's rule)."""
    if p > 38:
        s = max(min(s, 6), s - (p - 38)) if s > 6 else s
        p = 38
    return DECIMAL(p, min(s, p), nullable)


def comparison_operand_type(left: DataType, right: DataType) -> DataType | None:
    """The type both sides of a comparison are converted to, or None if none exists."""
    lt, rt = left.without_time_attribute(), right.without_time_attribute()
    common = common_type([lt, rt])
    if common is not None:
        return common
    if lt.is_string and (rt.is_numeric or rt.is_temporal or rt.name == "BOOLEAN"):
        return rt
    if rt.is_string and (lt.is_numeric or lt.is_temporal or lt.name == "BOOLEAN"):
        return lt
    return None


def aggregate_type(function: str, arg_types: list[DataType], group_is_empty: bool) -> DataType:
    """Result type of an aggregate call, as Flink infers it."""
    f = function.upper()
    if f == "COUNT":
        return BIGINT(False)
    if not arg_types:
        raise ValidationError(f"aggregate {f} needs an argument")
    t = arg_types[0].without_time_attribute()
    # Aggregates yield NULL for empty groups (only a global aggregate sees one) and all-NULL input.
    nullable = True
    if f in ("SUM", "SUM0"):
        _require_numeric(f, t)
        if t.name == "DECIMAL":
            return DECIMAL(38, t.scale, nullable)
        return t.with_nullable(nullable if f == "SUM" else False)
    if f == "AVG":
        _require_numeric(f, t)
        if t.name == "DECIMAL":
            return DECIMAL(38, max(6, t.scale), nullable)
        return t.with_nullable(nullable)
    if f in ("MIN", "MAX", "FIRST_VALUE", "LAST_VALUE", "ANY_VALUE"):
        return t.with_nullable(nullable)
    if f in ("STDDEV", "STDDEV_POP", "STDDEV_SAMP", "VARIANCE", "VAR_POP", "VAR_SAMP"):
        _require_numeric(f, t)
        if t.name == "DECIMAL":
            return DECIMAL(38, 6, nullable)
        return DOUBLE(nullable) if t.name in ("FLOAT", "DOUBLE") else t.with_nullable(nullable)
    if f == "LISTAGG":
        return STRING(nullable)
    if f in ("BOOL_AND", "BOOL_OR", "EVERY", "SOME"):
        return BOOLEAN(nullable)
    raise ValidationError(f"unknown aggregate function {f}")


def _require_numeric(f: str, t: DataType) -> None:
    if not t.is_numeric and t.name != "NULL":
        raise ValidationError(f"aggregate {f} needs a numeric argument, found {t}",
                              hint="CAST the argument to a number")


AGGREGATE_FUNCTIONS = {
    "COUNT", "SUM", "SUM0", "AVG", "MIN", "MAX", "FIRST_VALUE", "LAST_VALUE", "LISTAGG", "STDDEV",
    "STDDEV_POP", "STDDEV_SAMP", "VARIANCE", "VAR_POP", "VAR_SAMP", "BOOL_AND", "BOOL_OR", "ANY_VALUE",
}
