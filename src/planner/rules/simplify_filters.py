"""Merge adjacent Filters into one conjunction and drop repeated conjuncts.

Deterministic conjuncts that appear twice are kept once; a non-deterministic one (``RAND() < 0.5``)
is evaluated as often as it was written, so duplicates of it stay. The inner filter's conjuncts
come first, as they were evaluated first.

Before::

    Filter(condition=[((a > 1) AND (b = 'x'))])
    +- Filter(condition=[(a > 1)])
       +- TableScan(table=[[default_catalog, default_database, t]], fields=[a, b])

After::

    Filter(condition=[((a > 1) AND (b = 'x'))])
    +- TableScan(table=[[default_catalog, default_database, t]], fields=[a, b])
"""

from __future__ import annotations

from flowsql.planner.expressions import Expr, conjuncts, is_deterministic, make_and
from flowsql.planner.logical import Filter, Node

NAME = "simplify_filters"


def apply(node: Node, context) -> Node:
    if not isinstance(node, Filter):
        return node
    parts: list[Expr] = []
    source = node
    while isinstance(source, Filter):
        parts = conjuncts(source.condition) + parts
        source = source.input
    condition = make_and(unique_conjuncts(parts))
    if source is node.input and condition == node.condition:
        return node
    return Filter(source, condition)


def unique_conjuncts(parts: list[Expr]) -> list[Expr]:
    """``parts`` without repeats of deterministic conjuncts, in first-seen order."""
    kept: list[Expr] = []
    for p in parts:
        if p in kept and is_deterministic(p):
            continue
        kept.append(p)
    return kept
