"""Interval joins: a join whose condition bounds one input's time attribute by the other's (both
rowtime or both proctime, with a lower and an upper bound) becomes an ``IntervalJoin``, which frees
each row once no match for it can arrive any more, and emits insert-only results.

Before::

    Join(joinType=[INNER], where=[((id = id0) AND BETWEEN(ts, (ts0 - INTERVAL '1' HOUR), (ts0 + INTERVAL '10' MINUTE)))])
    :- WatermarkAssigner(rowtime=[ts], ...)
    +- WatermarkAssigner(rowtime=[ts0], ...)

After::

    IntervalJoin(joinType=[InnerJoin], windowBounds=[isRowTime=true, leftLowerBound=-3600000,
                 leftUpperBound=600000, leftTimeIndex=2, rightTimeIndex=2], where=[...], select=[...])
    :- WatermarkAssigner(rowtime=[ts], ...)
    +- WatermarkAssigner(rowtime=[ts0], ...)

Whether both inputs are insert-only is known only to the physical planner: over an updating input
it plans the node as a regular join.
"""

from __future__ import annotations

from flowsql.planner.logical import IntervalJoin, Join, Node
from flowsql.planner.time_joins import interval_bounds

NAME = "interval_join"


def apply(node: Node, context) -> Node:
    if type(node) is not Join or node.join_type not in ("INNER", "LEFT", "RIGHT", "FULL"):
        return node
    bounds = interval_bounds(node.condition, node.left.fields, node.right.fields)
    if bounds is None:
        return node
    return IntervalJoin(node.left, node.right, node.join_type, node.condition, bounds,
                        getattr(node, "state_ttl", None))
