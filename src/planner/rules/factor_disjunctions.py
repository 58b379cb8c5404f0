"""Pull conjuncts common to every branch of an OR out of it, so joins find their keys.

TPC-H Q19 repeats the join predicate in each branch; factored out, it becomes an equi-key and
the rest stays a residual. Applies to Filter conditions and join conditions.

Before::

    Filter(condition=[(((a = x) AND (b = 1)) OR ((a = x) AND (b = 2)))])

After::

    Filter(condition=[((a = x) AND ((b = 1) OR (b = 2)))])
"""

from __future__ import annotations

from dataclasses import replace

from flowsql.common.types import BOOLEAN
from flowsql.planner.expressions import Call, Expr, conjuncts, is_deterministic, is_true_literal, make_and
from flowsql.planner.logical import Filter, Join, Node

NAME = "factor_disjunctions"


def apply(node: Node, context) -> Node:
    if isinstance(node, Filter):
        condition = factor(node.condition)
        return node if condition is node.condition else replace(node, condition=condition)
    if isinstance(node, Join):
        condition = factor(node.condition)
        return node if condition is node.condition else replace(node, condition=condition)
    return node


def factor(expr: Expr) -> Expr:
    """``expr`` with common conjuncts of each OR among its conjuncts moved in front of it."""
    parts = conjuncts(expr)
    changed = False
    out: list[Expr] = []
    for part in parts:
        branches = _disjuncts(part)
        if len(branches) < 2:
            out.append(part)
            continue
        branch_parts = [conjuncts(b) for b in branches]
        common = [c for c in branch_parts[0] if is_deterministic(c) and all(c in bp for bp in branch_parts[1:])]
        if not common:
            out.append(part)
            continue
        changed = True
        out += common
        rests = [make_and([c for c in bp if c not in common]) for bp in branch_parts]
        if any(is_true_literal(r) for r in rests):
            continue  # one branch is just the common part: the OR is then always true
        rest = rests[0]
        for r in rests[1:]:
            rest = Call(BOOLEAN(rest.type.nullable or r.type.nullable), "OR", (rest, r))
        out.append(rest)
    return make_and(out) if changed else expr


def _disjuncts(expr: Expr) -> list[Expr]:
    if isinstance(expr, Call) and expr.op == "OR":
        return [d for o in expr.operands for d in _disjuncts(o)]
    return [expr]
