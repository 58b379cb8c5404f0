"""Fold constant sub-expressions of projections, filters and join conditions.

Folding happens in Python, for operators whose meaning is simple and exact: AND / OR / NOT with
SQL's three-valued logic, IS [NOT] NULL, comparisons of literals, integer arithmetic that stays in
range, CASE with literal conditions and CAST of literals to the same kind of type. Function calls
are never evaluated here, so non-deterministic ones (NOW(), RAND(), UUID(), PROCTIME()) stay put.
A folded literal keeps the type of the call it replaces.

A Filter whose condition folds to TRUE disappears; one that folds to FALSE or NULL keeps a literal
FALSE condition (an empty relation that still has its fields, so a global aggregate above it
still emits its single row).

Before::

    Filter(condition=[((a > 1) AND (1 = 1))])
    +- Project(a, CASE(TRUE, 1, 2) AS k, (1 + 2) AS three)

After::

    Filter(condition=[(a > 1)])
    +- Project(a, 1 AS k, 3 AS three)
"""

from __future__ import annotations

import decimal

from flowsql.planner.expressions import (
    Call,
    Expr,
    Literal,
    conjuncts,
    false_literal,
    is_false_literal,
    is_null_literal,
    is_true_literal,
    make_and,
    transform,
)
from flowsql.planner.logical import Filter, Join, Node, Project

NAME = "fold_constants"

_INTEGER_RANGE = {"TINYINT": 7, "SMALLINT": 15, "INT": 31, "BIGINT": 63}
_COMPARE = {
    "=": lambda a, b: a == b, "<>": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def apply(node: Node, context) -> Node:
    if isinstance(node, Project):
        exprs = tuple(fold(e) for e in node.exprs)
        return node if exprs == node.exprs else Project(node.input, exprs, node.out_names)
    if isinstance(node, Filter):
        condition = fold(node.condition)
        parts = conjuncts(condition)
        if is_true_literal(condition):
            return node.input
        # In a WHERE clause UNKNOWN rejects the row just as FALSE does.
        if any(is_false_literal(p) or is_null_literal(p) for p in parts):
            condition = false_literal()
        return node if condition == node.condition else Filter(node.input, condition)
    if isinstance(node, Join):
        condition = fold(node.condition)
        if any(is_false_literal(p) or is_null_literal(p) for p in conjuncts(condition)):
            condition = false_literal()
        return node if condition == node.condition else Join(node.left, node.right, node.join_type, condition,
                                                             node.state_ttl)
    return node


def fold(expr: Expr) -> Expr:
    """The expression with its constant parts folded (bottom-up)."""
    return transform(expr, _fold_call)


def _fold_call(e: Expr) -> Expr | None:
    if not isinstance(e, Call):
        return None
    op, args = e.op, e.operands
    if op == "AND":
        return _fold_and(e)
    if op == "OR":
        return _fold_or(e)
    if op == "NOT" and len(args) == 1:
        (x,) = args
        if isinstance(x, Literal) and (x.value is None or isinstance(x.value, bool)):
            return Literal(e.type, None if x.value is None else not x.value)
        if isinstance(x, Call) and x.op == "NOT":
            return _retyped(x.operands[0], e.type)
        return None
    if op in ("IS NULL", "IS NOT NULL") and len(args) == 1:
        (x,) = args
        if isinstance(x, Literal):
            return Literal(e.type, (x.value is None) == (op == "IS NULL"))
        return None
    if op in _COMPARE and len(args) == 2:
        return _fold_comparison(e)
    if op in ("+", "-", "*") and len(args) == 2:
        return _fold_arithmetic(e)
    if op == "CASE":
        return _fold_case(e)
    if op == "CAST" and len(args) == 1:
        return _fold_cast(e)
    return None


def _fold_and(e: Call) -> Expr | None:
    parts = [p for o in e.operands for p in conjuncts(o)]
    if any(is_false_literal(p) for p in parts):
        return Literal(e.type, False)
    kept = [p for p in parts if not is_true_literal(p)]
    if not kept:
        return Literal(e.type, True)
    if all(is_null_literal(p) for p in kept):
        return Literal(e.type, None)
    if len(kept) == len(parts):
        return None
    return _retyped(make_and(kept), e.type)


def _fold_or(e: Call) -> Expr | None:
    parts = list(e.operands)
    if any(is_true_literal(p) for p in parts):
        return Literal(e.type, True)
    kept = [p for p in parts if not is_false_literal(p)]
    if not kept:
        return Literal(e.type, False)
    if all(is_null_literal(p) for p in kept):
        return Literal(e.type, None)
    if len(kept) == len(parts):
        return None
    result = kept[0]
    for p in kept[1:]:
        result = Call(e.type, "OR", (result, p))
    return _retyped(result, e.type)


def _comparable(a: object, b: object) -> bool:
    exact = (int, decimal.Decimal)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    return (isinstance(a, exact) and isinstance(b, exact)) or (isinstance(a, str) and isinstance(b, str))


def _fold_comparison(e: Call) -> Expr | None:
    left, right = e.operands
    if not (isinstance(left, Literal) and isinstance(right, Literal)):
        return None
    if left.value is None or right.value is None:
        return Literal(e.type, None)
    if not _comparable(left.value, right.value):
        return None  # floats (NaN), temporal values and intervals are left to the runtime
    return Literal(e.type, _COMPARE[e.op](left.value, right.value))


def _fold_arithmetic(e: Call) -> Expr | None:
    left, right = e.operands
    if not (isinstance(left, Literal) and isinstance(right, Literal) and e.type.is_integer):
        return None
    if not (left.type.is_integer and right.type.is_integer):
        return None
    if left.value is None or right.value is None:
        return Literal(e.type, None)
    value = {"+": left.value + right.value, "-": left.value - right.value, "*": left.value * right.value}[e.op]
    bits = _INTEGER_RANGE[e.type.name]
    if not -(1 << bits) <= value < (1 << bits):
        return None  # overflow: the runtime decides what happens
    return Literal(e.type, value)


def _fold_case(e: Call) -> Expr | None:
    args = list(e.operands)
    pairs = [(args[i], args[i + 1]) for i in range(0, len(args) - 1, 2)]
    otherwise = args[-1] if len(args) % 2 else None
    kept: list[tuple[Expr, Expr]] = []
    for condition, value in pairs:
        if is_false_literal(condition) or is_null_literal(condition):
            continue
        if is_true_literal(condition) and not kept:
            return _retyped(value, e.type)
        if is_true_literal(condition):
            otherwise = value
            break
        kept.append((condition, value))
    if not kept:
        return _retyped(otherwise, e.type) if otherwise is not None else Literal(e.type, None)
    if len(kept) == len(pairs):
        return None
    operands = [x for pair in kept for x in pair] + ([otherwise] if otherwise is not None else [])
    return Call(e.type, "CASE", tuple(operands))


def _fold_cast(e: Call) -> Expr | None:
    (x,) = e.operands
    if not isinstance(x, Literal):
        return None
    if x.value is None:
        return Literal(e.type, None)
    source, target = x.type, e.type
    if source.with_nullable(True) == target.with_nullable(True):
        return Literal(target, x.value)
    if source.is_integer and target.is_integer and isinstance(x.value, int):
        bits = _INTEGER_RANGE[target.name]
        return Literal(target, x.value) if -(1 << bits) <= x.value < (1 << bits) else None
    if source.is_string and target.name == "VARCHAR" and isinstance(x.value, str):
        # A CHAR literal carries no padding of its own, so it fits any VARCHAR long enough.
        return Literal(target, x.value) if len(x.value) <= (target.length or 0) else None
    return None


def _retyped(expr: Expr, t) -> Expr:
    """``expr`` standing in for a call of type ``t``: literals take the type, other expressions a
    CAST when the types differ beyond nullability-narrowing."""
    if expr.type == t:
        return expr
    if isinstance(expr, Literal):
        cast = Call(t, "CAST", (expr,))
        return _fold_cast(cast) or cast
    if isinstance(expr, Call) and expr.op in ("AND", "OR", "NOT", "CASE"):
        return Call(t, expr.op, expr.operands) if expr.type.name == t.name else Call(t, "CAST", (expr,))
    return Call(t, "CAST", (expr,))
