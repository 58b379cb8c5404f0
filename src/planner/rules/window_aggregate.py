"""Window aggregation: an ``Aggregate`` grouped by ``window_start`` and ``window_end`` of a window
TVF becomes a ``WindowAggregate``, which emits each window once, when time passes its end.

Before::

    Aggregate(groupBy=[k, window_start, window_end], select=[k, window_start, window_end, SUM(v) AS $agg0])
    +- Project(k, window_start, window_end, v)
       +- WindowTableFunction(window=[TUMBLE(time_col=[ts], size=[5 s])])

After::

    WindowAggregate(window=[TUMBLE(time_col=[ts], size=[5 s])], groupBy=[k], select=[k, SUM(v) AS $agg0,
                    window_start, window_end])
    +- Project(k, window_start, window_end, v)
       +- WindowTableFunction(window=[TUMBLE(time_col=[ts], size=[5 s])])
"""

from __future__ import annotations

from flowsql.planner.logical import Aggregate, Node, WindowAggregate
from flowsql.planner.windows import window_origin

NAME = "window_aggregate"


def apply(node: Node, context) -> Node:
    if not isinstance(node, Aggregate):
        return node
    roles: dict[str, int] = {}
    origin = None
    for k in node.group_keys:
        found = window_origin(node.input, k)
        if found is None or found[1] in roles:
            continue
        if origin is not None and found[0] is not origin:
            continue
        origin = found[0]
        roles[found[1]] = k
    if "start" not in roles or "end" not in roles:
        return node
    return WindowAggregate(node.input, node.group_keys, node.aggregates, origin.spec, roles["start"], roles["end"],
                           roles.get("time"))
