"""Rule project_into_values: constant projections over VALUES become the VALUES themselves.

A projection whose every expression is a literal or a reference to a VALUES column is computed
once at planning time, so constant queries (``SELECT 1``, ``VALUES`` with renamed or reordered
columns) run without an expression evaluator at all.

    Project(1 AS EXPR$0)              →   Values(tuples=[1 rows], fields=[EXPR$0])
    +- Values(tuples=[1 rows], fields=[])
"""

from __future__ import annotations

from flowsql.planner.expressions import InputRef, Literal
from flowsql.planner.logical import Field, Node, Project, Values

NAME = "project_into_values"


def apply(node: Node, context) -> Node:
    if not isinstance(node, Project) or not isinstance(node.input, Values):
        return node
    values = node.input
    rows = []
    for row in values.rows:
        new_row = []
        for e in node.exprs:
            if isinstance(e, Literal):
                new_row.append(e)
            elif isinstance(e, InputRef) and isinstance(row[e.index], Literal):
                new_row.append(row[e.index])
            else:
                return node
        rows.append(tuple(new_row))
    fields = tuple(Field(n, e.type) for n, e in zip(node.out_names, node.exprs))
    retyped = tuple(tuple(Literal(f.type, v.value) if v.type != f.type and v.value is None else v
                          for v, f in zip(row, fields)) for row in rows)
    if any(v.type.without_time_attribute() != f.type.without_time_attribute()
           for row in retyped for v, f in zip(row, fields)):
        return node
    return Values(retyped, fields)
