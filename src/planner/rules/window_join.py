"""Window joins: a join of two windowed inputs (window TVFs, or window aggregates over them) whose
condition equates both ``window_start`` and ``window_end`` becomes a ``WindowJoin``, which joins
each window's rows once, when time passes the window's end (insert-only).

Before::

    Join(joinType=[INNER], where=[((window_start = window_start0) AND (window_end = window_end0) AND (id = id0))])
    :- WindowTableFunction(window=[TUMBLE(time_col=[ts], size=[5 min])])
    +- WindowTableFunction(window=[TUMBLE(time_col=[ts], size=[5 min])])

After::

    WindowJoin(leftWindow=[TUMBLE(win_start=[window_start], win_end=[window_end], size=[5 min])],
               rightWindow=[TUMBLE(win_start=[window_start0], win_end=[window_end0], size=[5 min])],
               joinType=[InnerJoin], where=[...], select=[...])
    :- WindowTableFunction(...)
    +- WindowTableFunction(...)

As in Flink, both inputs must use the same window (kind, size, slide, offset, time kind), session
windows cannot be joined, and equating only one of the two bounds is an error.
"""

from __future__ import annotations

from flowsql.common.errors import PlanningError
from flowsql.planner.logical import Join, Node, WindowJoin
from flowsql.planner.time_joins import window_join_columns

NAME = "window_join"


def apply(node: Node, context) -> Node:
    if type(node) is not Join:
        return node
    found = window_join_columns(node.condition, node.left, node.right)
    if found is None:
        return node
    place = found.start_equality or found.end_equality
    position = place.position or (None, None)
    if found.start_equality is None or found.end_equality is None:
        missing = "window_start" if found.start_equality is None else "window_end"
        raise PlanningError(
            f"a window join must equate both window_start and window_end of its inputs, but the condition "
            f"has no {missing} equality", hint=f"add L.{missing} = R.{missing} to the join condition"
        ).at(*position)
    left, right = found.left_origin.spec, found.right_origin.spec
    if "SESSION" in (left.kind, right.kind):
        raise PlanningError("a window join cannot join SESSION windows",
                            hint="use TUMBLE, HOP or CUMULATE windows on both inputs").at(*position)
    if _shape(left) != _shape(right):
        raise PlanningError(
            f"a window join needs the same window on both inputs, but the left input uses {_describe(left)} "
            f"and the right input {_describe(right)}",
            hint="window both inputs with the same window function and intervals").at(*position)
    return WindowJoin(node.left, node.right, node.join_type, node.condition, left, right, found.left_start,
                      found.left_end, found.right_start, found.right_end, getattr(node, "state_ttl", None))


def _shape(spec) -> tuple:
    return spec.kind, spec.size, spec.slide, spec.offset, spec.time_kind


def _describe(spec) -> str:
    text = str(spec)
    shape = text[text.index("], ") + 3:-1] if "], " in text else ""
    kind = "" if spec.time_kind == "rowtime" else " on processing time"
    return f"{spec.kind}({shape}){kind}"
