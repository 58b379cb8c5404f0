"""Merge a Project over a Project into one, and drop Projects that change nothing.

The outer expressions are rewritten over the inner one's input. An inner expression read more than
once is copied into each use, which is only right when it is deterministic (``RAND()`` computed
twice would give two values), so a non-deterministic one read twice blocks the merge. A Project
that returns its input's fields unchanged (same positions, names and types) is removed; one that
only renames is kept, since the names reach the result.

Before::

    Project(k, (k * 2) AS k2)
    +- Project((a + 1) AS k)
       +- TableScan(table=[[default_catalog, default_database, t]], fields=[a])

After::

    Project((a + 1) AS k, ((a + 1) * 2) AS k2)
    +- TableScan(table=[[default_catalog, default_database, t]], fields=[a])
"""

from __future__ import annotations

from collections import Counter

from flowsql.planner.expressions import Expr, InputRef, is_deterministic, substitute_refs
from flowsql.planner.logical import Node, Project

NAME = "merge_projects"


def apply(node: Node, context) -> Node:
    if not isinstance(node, Project):
        return node
    if is_identity(node):
        return node.input
    inner = node.input
    if not isinstance(inner, Project) or not _can_merge(node, inner):
        return node
    merged = Project(inner.input, tuple(substitute_refs(e, inner.exprs) for e in node.exprs), node.out_names)
    return merged.input if is_identity(merged) else merged


def is_identity(project: Project) -> bool:
    fields = project.input.fields
    return (len(project.exprs) == len(fields)
            and all(isinstance(e, InputRef) and e.index == i for i, e in enumerate(project.exprs))
            and project.fields == fields)


def _can_merge(outer: Project, inner: Project) -> bool:
    uses: Counter[int] = Counter()
    for e in outer.exprs:
        _count_refs(e, uses)
    return all(is_deterministic(inner.exprs[i]) for i, n in uses.items() if n > 1)


def _count_refs(e: Expr, uses: Counter) -> None:
    if isinstance(e, InputRef):
        uses[e.index] += 1
    for k in e.children():
        _count_refs(k, uses)
