"""Bound, typed expressions: the language of the logical plan.

Expressions refer to their input by position (``InputRef``), carry their Flink type, and are
immutable. Operators and functions are ``Call``s named by their SQL spelling ('+', 'CASE', 'UPPER').
The runtime compiles them to DuckDB SQL (``flowsql.exec.expression``); the Table API builds the same
nodes as SQL does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

from flowsql.common.types import BOOLEAN, DataType


@dataclass(frozen=True)
class Expr:
    type: DataType
    # Where the expression was written (line, column of its statement), for runtime errors.
    position: tuple[int, int] | None = field(default=None, compare=False, kw_only=True, repr=False)

    def children(self) -> tuple["Expr", ...]:
        return ()

    def with_children(self, children: tuple["Expr", ...]) -> "Expr":
        return self


@dataclass(frozen=True)
class InputRef(Expr):
    index: int
    name: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"${self.index}" if not self.name else self.name


@dataclass(frozen=True)
class Literal(Expr):
    value: Any  # int, float, Decimal, str, bytes, bool, date, time, datetime, timedelta, list, None
    # YEAR-MONTH intervals are an int of months; DAY-TIME intervals a timedelta.

    def __str__(self) -> str:
        if self.value is None:
            return "NULL"
        if isinstance(self.value, str):
            return "'" + self.value.replace("'", "''") + "'"
        if isinstance(self.value, bool):
            return "TRUE" if self.value else "FALSE"
        if self.type.name == "INTERVAL_DAY_TIME":
            millis = int(self.value.total_seconds() * 1000)
            for unit, size in (("DAY", 86_400_000), ("HOUR", 3_600_000), ("MINUTE", 60_000), ("SECOND", 1000)):
                if millis % size == 0:
                    return f"INTERVAL '{millis // size}' {unit}"
            return f"INTERVAL '{millis / 1000}' SECOND"
        if self.type.name == "INTERVAL_YEAR_MONTH":
            return f"INTERVAL '{self.value}' MONTH"
        return str(self.value)


@dataclass(frozen=True)
class Call(Expr):
    op: str  # '+', '=', 'AND', 'CASE', 'CAST', 'TRY_CAST', 'IN', 'LIKE', 'UPPER', ...
    operands: tuple[Expr, ...] = ()

    def children(self) -> tuple[Expr, ...]:
        return self.operands

    def with_children(self, children: tuple[Expr, ...]) -> "Expr":
        return replace(self, operands=tuple(children))

    def __str__(self) -> str:
        args = ", ".join(str(o) for o in self.operands)
        if self.op in ("CAST", "TRY_CAST"):
            return f"{self.op}({args} AS {self.type.sql(False)})"
        if len(self.operands) == 2 and not self.op[0].isalpha() or self.op in ("AND", "OR"):
            return "(" + f" {self.op} ".join(str(o) for o in self.operands) + ")"
        return f"{self.op}({args})"


@dataclass(frozen=True)
class AggregateCall:
    """One aggregate of an Aggregate node: ``function(args) [DISTINCT] [FILTER (WHERE $filter)]``."""

    function: str  # COUNT, SUM, AVG, MIN, MAX, FIRST_VALUE, LAST_VALUE, LISTAGG, STDDEV_POP, ...
    args: tuple[int, ...]  # input column positions
    type: DataType
    distinct: bool = False
    filter_arg: int | None = None  # position of a BOOLEAN input column
    name: str = ""
    constant_args: tuple[Any, ...] = ()  # e.g. LISTAGG's separator

    def __str__(self) -> str:
        inner = ", ".join(f"${a}" for a in self.args) or "*"
        text = f"{self.function}({'DISTINCT ' if self.distinct else ''}{inner})"
        if self.filter_arg is not None:
            text += f" FILTER (WHERE ${self.filter_arg})"
        return text


def true_literal() -> Literal:
    return Literal(BOOLEAN(False), True)


def transform(expr: Expr, fn: Callable[[Expr], Expr | None]) -> Expr:
    """Rewrite bottom-up: ``fn`` returns a replacement or None to keep the (rebuilt) node."""
    kids = expr.children()
    if kids:
        new_kids = tuple(transform(k, fn) for k in kids)
        if any(a is not b for a, b in zip(new_kids, kids)):
            expr = expr.with_children(new_kids)
    replaced = fn(expr)
    return expr if replaced is None else replaced


def input_refs(expr: Expr) -> set[int]:
    found: set[int] = set()

    def visit(e: Expr) -> None:
        if isinstance(e, InputRef):
            found.add(e.index)
        for k in e.children():
            visit(k)

    visit(expr)
    return found


def shift_refs(expr: Expr, mapping: dict[int, int] | Callable[[int], int]) -> Expr:
    """Renumber input references (after pruning or reordering a node's input)."""
    lookup = mapping.__getitem__ if isinstance(mapping, dict) else mapping
    return transform(expr, lambda e: replace(e, index=lookup(e.index)) if isinstance(e, InputRef) else None)


def conjuncts(expr: Expr) -> list[Expr]:
    if isinstance(expr, Call) and expr.op == "AND":
        return [c for o in expr.operands for c in conjuncts(o)]
    return [expr]


def make_and(parts: list[Expr]) -> Expr:
    parts = [p for p in parts if not (isinstance(p, Literal) and p.value is True)]
    if not parts:
        return true_literal()
    result = parts[0]
    for p in parts[1:]:
        result = Call(BOOLEAN(result.type.nullable or p.type.nullable), "AND", (result, p))
    return result


def is_deterministic(expr: Expr) -> bool:
    from flowsql.planner.functions import registry

    if isinstance(expr, Call):
        fn = registry.find(expr.op)
        if fn is not None and not fn.deterministic:
            return False
    return all(is_deterministic(c) for c in expr.children())


def false_literal() -> Literal:
    return Literal(BOOLEAN(False), False)


def is_true_literal(expr: Expr) -> bool:
    return isinstance(expr, Literal) and expr.value is True


def is_false_literal(expr: Expr) -> bool:
    return isinstance(expr, Literal) and expr.value is False


def is_null_literal(expr: Expr) -> bool:
    return isinstance(expr, Literal) and expr.value is None


def substitute_refs(expr: Expr, replacements: list[Expr] | tuple[Expr, ...]) -> Expr:
    """Replace every ``InputRef(i)`` by ``replacements[i]`` (inlining a projection's expressions)."""
    return transform(expr, lambda e: replacements[e.index] if isinstance(e, InputRef) else None)
