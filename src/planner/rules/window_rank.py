"""Window Top-N and window deduplication: ``ROW_NUMBER()`` partitioned by a window's
``window_start`` and ``window_end`` and filtered to ``<= N`` (or ``< N``, ``= 1``) becomes a
``WindowRank``, computed once per window when time passes its end (insert-only), instead of an
updating Top-N.

Before::

    Filter(condition=[(rn <= 3)])
    +- Project(window_start, window_end, k, s, $w0 AS rn)
       +- OverWindow(partitionBy=[window_start, window_end], orderBy=[s DESC], select=[ROW_NUMBER() AS $w0])
          +- WindowAggregate(...)

After::

    Project(window_start, window_end, k, s, $w0 AS rn)
    +- WindowRank(window=[...], rankRange=[rankStart=1, rankEnd=3], partitionBy=[window_start, window_end],
                  orderBy=[s DESC], select=[window_start, window_end, k, s, $w0])
       +- WindowAggregate(...)
"""

from __future__ import annotations

from dataclasses import replace

from flowsql.planner.expressions import Call, InputRef, Literal, make_and
from flowsql.planner.logical import Filter, Node, OverWindow, Project, WindowRank
from flowsql.planner.windows import window_origin

NAME = "window_rank"


def _conjuncts(e):
    if isinstance(e, Call) and e.op == "AND":
        out = []
        for o in e.operands:
            out += _conjuncts(o)
        return out
    return [e]


def apply(node: Node, context) -> Node:
    if not isinstance(node, Filter):
        return node
    child = node.input
    project = child if isinstance(child, Project) else None
    over = project.input if project is not None else child
    if not isinstance(over, OverWindow) or len(over.calls) != 1 or over.calls[0].function != "ROW_NUMBER":
        return node
    rank_index = len(over.input.fields)
    origins = [window_origin(over.input, k) for k in over.partition_keys]
    ends = [(o, k) for o, k in zip(origins, over.partition_keys) if o is not None and o[1] == "end"]
    if not ends or not any(o is not None and o[1] == "start" and o[0] is ends[0][0][0] for o in origins):
        return node
    (window, _), end_key = ends[0]
    limit = None
    rest = []
    for c in _conjuncts(node.condition):
        bound = _rank_bound(c, project, rank_index)
        if bound is not None and limit is None:
            limit = bound
        else:
            rest.append(c)
    if limit is None or limit < 1:
        return node
    rank = WindowRank(over.input, over.partition_keys, over.order_keys, limit, True, over.calls[0].name,
                      window.spec, end_key)
    result: Node = replace(project, input=rank) if project is not None else rank
    return Filter(result, make_and(rest)) if rest else result


def _rank_bound(c, project, rank_index: int) -> int | None:
    if not isinstance(c, Call) or c.op not in ("<=", "<", "=") or len(c.operands) != 2:
        return None
    ref, value = c.operands
    if not isinstance(ref, InputRef) or not isinstance(value, Literal) or not isinstance(value.value, int):
        return None
    index = ref.index
    if project is not None:
        e = project.exprs[index]
        if not isinstance(e, InputRef):
            return None
        index = e.index
    if index != rank_index:
        return None
    if c.op == "=":
        return 1 if value.value == 1 else None
    return value.value if c.op == "<=" else value.value - 1
