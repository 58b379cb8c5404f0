"""Recognizing time-bounded joins in a join condition: interval joins and window joins.

An *interval join* bounds one input's time attribute by the other's, so each row can only ever
match rows within a fixed distance in time and its state can be freed once time passes that
distance::

    l.ts BETWEEN r.ts - INTERVAL '1' HOUR AND r.ts + INTERVAL '10' MINUTE
    -- is --
    IntervalBounds(is_rowtime=True, left_lower=-3600000, left_upper=600000, ...)

i.e. ``left_lower <= l.ts - r.ts <= left_upper`` in milliseconds. Pairs of ``>=``/``>``/``<=``/``<``
(strict ones move the bound by 1 ms, as Flink does), ``BETWEEN`` and ``=`` are understood; each
side may add or subtract constant day-time intervals.

A *window join* equates both inputs' ``window_start`` and ``window_end`` from window TVFs (or
window aggregates) below them. Both kinds keep their inputs' time attributes in their output,
unlike a regular join (``keeps_time_attributes``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flowsql.planner.expressions import Call, Expr, InputRef, Literal, conjuncts

_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}


@dataclass(frozen=True)
class IntervalBounds:
    is_rowtime: bool
    left_lower: int  # l.time - r.time >= left_lower (ms)
    left_upper: int  # l.time - r.time <= left_upper (ms)
    left_time_index: int  # in the left input
    right_time_index: int  # in the right input

    def __str__(self) -> str:
        return (f"isRowTime={'true' if self.is_rowtime else 'false'}, leftLowerBound={self.left_lower}, "
                f"leftUpperBound={self.left_upper}, leftTimeIndex={self.left_time_index}, "
                f"rightTimeIndex={self.right_time_index}")


def interval_bounds(condition: Expr, left_fields, right_fields) -> IntervalBounds | None:
    """The time bounds of an interval join condition, or None if it bounds no pair of time
    attributes (of the same kind) from both sides."""
    width = len(left_fields)
    fields = tuple(left_fields) + tuple(right_fields)
    found: dict[tuple[int, int], list] = {}  # (left time, right time) -> [lower, upper]
    for part in conjuncts(condition):
        for op, a, b in _comparisons(part):
            ta, tb = _time_term(a, fields), _time_term(b, fields)
            if ta is None or tb is None:
                continue
            (ia, oa), (ib, ob) = ta, tb
            if ia < width <= ib:
                left, right, difference = ia, ib, ob - oa  # l + oa OP r + ob  <=>  l - r OP ob - oa
            elif ib < width <= ia:
                left, right, difference, op = ib, ia, oa - ob, _MIRROR[op]
            else:
                continue
            if fields[left].type.time_attribute != fields[right].type.time_attribute:
                continue
            bounds = found.setdefault((left, right), [None, None])
            if op in (">=", ">", "="):
                lower = difference + (1 if op == ">" else 0)
                bounds[0] = lower if bounds[0] is None else max(bounds[0], lower)
            if op in ("<=", "<", "="):
                upper = difference - (1 if op == "<" else 0)
                bounds[1] = upper if bounds[1] is None else min(bounds[1], upper)
    for (left, right), (lower, upper) in found.items():
        if lower is not None and upper is not None:
            return IntervalBounds(fields[left].type.time_attribute == "rowtime", lower, upper, left, right - width)
    return None


def _comparisons(part: Expr):
    """(op, a, b) for ``a op b`` comparisons a conjunct states (BETWEEN states two)."""
    if not isinstance(part, Call):
        return []
    if part.op in _MIRROR and len(part.operands) == 2:
        return [(part.op, *part.operands)]
    if part.op == "BETWEEN" and len(part.operands) == 3:
        value, low, high = part.operands
        return [(">=", value, low), ("<=", value, high)]
    return []


def _time_term(e: Expr, fields) -> tuple[int, int] | None:
    """(time attribute column, constant offset in ms) for ``col``, ``col + i``, ``col - i``."""
    if isinstance(e, InputRef):
        return (e.index, 0) if fields[e.index].type.time_attribute is not None else None
    if not isinstance(e, Call) or e.op not in ("+", "-") or len(e.operands) != 2:
        return None
    a, b = e.operands
    if e.op == "+" and _interval_ms(a) is not None:
        a, b = b, a
    offset = _interval_ms(b)
    inner = _time_term(a, fields)
    if offset is None or inner is None:
        return None
    return inner[0], inner[1] + (offset if e.op == "+" else -offset)


def _interval_ms(e: Expr) -> int | None:
    if isinstance(e, Literal) and isinstance(e.value, dt.timedelta) and e.type.name == "INTERVAL_DAY_TIME":
        return int(e.value / dt.timedelta(milliseconds=1))
    return None


# -- window joins ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowJoinColumns:
    """Where each input's window bounds are, and the window nodes they come from."""

    left_origin: object  # WindowTableFunctionScan or WindowAggregate
    right_origin: object
    left_start: int | None
    left_end: int | None
    right_start: int | None  # in the right input
    right_end: int | None
    start_equality: Expr | None  # the conjuncts that equate them (for error positions)
    end_equality: Expr | None


def window_join_columns(condition: Expr, left, right, width: int | None = None) -> WindowJoinColumns | None:
    """The window bounds a join condition equates between its inputs, or None if it equates
    neither ``window_start`` nor ``window_end``. ``width``: the left input's, when known."""
    from flowsql.planner.windows import window_origin

    width = len(left.fields) if width is None else width
    roles: dict[str, tuple] = {}
    for part in conjuncts(condition):
        if not (isinstance(part, Call) and part.op == "=" and len(part.operands) == 2):
            continue
        a, b = part.operands
        if not (isinstance(a, InputRef) and isinstance(b, InputRef)):
            continue
        if a.index >= width > b.index:
            a, b = b, a
        if not a.index < width <= b.index:
            continue
        lo, ro = window_origin(left, a.index), window_origin(right, b.index - width)
        if lo is None or ro is None or lo[1] != ro[1] or lo[1] not in ("start", "end") or lo[1] in roles:
            continue
        roles[lo[1]] = (lo[0], ro[0], a.index, b.index - width, part)
    if not roles:
        return None
    start, end = roles.get("start"), roles.get("end")
    some = start or end
    return WindowJoinColumns(some[0], some[1], start and start[2], end and end[2], start and start[3],
                             end and end[3], start and start[4], end and end[4])


# Which inputs of a join reach its output without NULL padding (SEMI/ANTI output the left one).
_UNPADDED = {"INNER": (True, True), "LEFT": (True, False), "RIGHT": (False, True), "SEMI": (True, False),
             "ANTI": (True, False)}


def window_join_side(join, index: int):
    """(input, its column) that column ``index`` of a window join comes from, when that input's
    rows reach the output unpadded, so its window bounds can window an aggregation above; else None."""
    width = len(join.left.fields)
    side = 0 if index < width else 1
    if not _UNPADDED.get(join.join_type, (False, False))[side]:
        return None
    found = window_join_columns(join.condition, join.left, join.right, width)
    if found is None or found.start_equality is None or found.end_equality is None:
        return None
    return (join.left, index) if side == 0 else (join.right, index - width)


def keeps_time_attributes(join_type: str, condition: Expr, left, right, left_fields, right_fields) -> bool:
    """Whether a join's output keeps its inputs' time attributes: true for interval and window
    joins (their output is insert-only and ordered by time up to a bound), false otherwise.
    ``left_fields``/``right_fields`` are the inputs' fields, passed in because computing a deep
    plan's fields is not free."""
    if join_type not in ("INNER", "LEFT", "RIGHT", "FULL"):
        return False
    if not any(f.type.time_attribute for f in left_fields) or not any(f.type.time_attribute for f in right_fields):
        return False
    if interval_bounds(condition, left_fields, right_fields) is not None:
        return True
    found = window_join_columns(condition, left, right, len(left_fields))
    return found is not None and found.left_end is not None and found.left_start is not None
