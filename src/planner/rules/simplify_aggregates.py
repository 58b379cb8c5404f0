"""Simplify aggregate calls: cheaper equivalents, no repeats.

- ``COUNT(x)`` over a column that cannot be NULL is ``COUNT(*)``, which needs no column at all;
- ``MIN(DISTINCT x)`` / ``MAX(DISTINCT x)`` are ``MIN(x)`` / ``MAX(x)``;
- an aggregate call computed twice is computed once; a Project on top restores the columns.

Before::

    Aggregate(groupBy=[b], select=[b, COUNT(a) AS c1, MAX(DISTINCT a) AS m, COUNT(a) AS c2])
    +- TableScan(table=[[default_catalog, default_database, t]], fields=[a, b])    -- a INT NOT NULL

After::

    Project(b, c1, m, c1 AS c2)
    +- Aggregate(groupBy=[b], select=[b, COUNT(*) AS c1, MAX(a) AS m])
       +- TableScan(table=[[default_catalog, default_database, t]], fields=[a, b])
"""

from __future__ import annotations

from dataclasses import replace

from flowsql.planner.expressions import AggregateCall, InputRef
from flowsql.planner.logical import Aggregate, Node, Project

NAME = "simplify_aggregates"


def apply(node: Node, context) -> Node:
    if not isinstance(node, Aggregate):
        return node
    fields = node.input.fields
    calls = [_simplified(c, fields) for c in node.aggregates]
    unique: list[AggregateCall] = []
    position: list[int] = []
    for c in calls:
        same = [j for j, u in enumerate(unique) if replace(u, name="") == replace(c, name="")]
        if same:
            position.append(same[0])
        else:
            position.append(len(unique))
            unique.append(c)
    if tuple(unique) == node.aggregates:
        return node
    new = Aggregate(node.input, node.group_keys, tuple(unique), node.state_ttl)
    if len(unique) == len(calls):
        return new
    width = len(node.group_keys)
    out = new.fields
    exprs = [InputRef(out[i].type, i, out[i].name) for i in range(width)]
    exprs += [InputRef(out[width + p].type, width + p, out[width + p].name) for p in position]
    return Project(new, tuple(exprs), tuple(node.names))


def _simplified(call: AggregateCall, fields) -> AggregateCall:
    if call.function in ("MIN", "MAX") and call.distinct:
        call = replace(call, distinct=False)
    if (call.function == "COUNT" and not call.distinct and len(call.args) == 1
            and not fields[call.args[0]].type.nullable):
        call = replace(call, args=())
    return call
