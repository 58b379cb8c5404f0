"""Group windows (``Tumble``, ``Slide``, ``Session``) and over windows (``Over``) of the Table API.

A group window becomes Flink's window table-valued function in FROM (``TABLE(TUMBLE(TABLE t,
DESCRIPTOR(ts), INTERVAL '10' MINUTE))``) grouped by ``window_start, window_end``; an over window
becomes the ``OVER (PARTITION BY ... ORDER BY ... ROWS/RANGE BETWEEN ...)`` clause of each
aggregate that names it. Both are exactly what the equivalent SQL query writes.
"""

from __future__ import annotations

from flowsql.table.expressions import CURRENT_RANGE, CURRENT_ROW, UNBOUNDED_RANGE, Expression, _Bound
from sqlglot import exp


def _name_of(alias: Expression | str) -> str:
    return alias.node.name if isinstance(alias, Expression) else str(alias)


class GroupWindow:
    """A tumbling, sliding or session window with its time attribute and alias."""

    kind = ""

    def __init__(self, intervals: dict[str, Expression], time_field: Expression | None = None,
                 alias: str | None = None) -> None:
        self.intervals = intervals
        self.time_field = time_field
        self.alias_name = alias

    def table_function(self, data: exp.Expression, partition_by: list[exp.Expression] | None = None) -> exp.Expression:
        """The window TVF over ``data`` (an ``exp.Table`` or a subquery)."""
        from flowsql.planner.parser import WindowTableFunction

        if self.time_field is None:
            raise ValueError(f"{type(self).__name__} window needs .on(col('<time attribute>'))")
        return WindowTableFunction(this=data, kind=self.kind, time_col=exp.to_identifier(self.time_field.node.name),
                                   partition_by=partition_by or None,
                                   **{k: v.node.copy() for k, v in self.intervals.items()})


class _WindowBuilder:
    def __init__(self, cls: type, intervals: dict[str, Expression]) -> None:
        self._cls = cls
        self._intervals = intervals
        self._time_field: Expression | None = None

    def every(self, slide: Expression) -> _WindowBuilder:
        self._intervals["slide"] = slide
        return self

    def on(self, time_field: Expression | str) -> _WindowBuilder:
        from flowsql.table.expressions import col

        self._time_field = col(time_field) if isinstance(time_field, str) else time_field
        return self

    def alias(self, alias: str) -> GroupWindow:
        return self._cls(dict(self._intervals), self._time_field, alias)


class TumbleWindow(GroupWindow):
    kind = "TUMBLE"


class SlideWindow(GroupWindow):
    kind = "HOP"


class SessionWindow(GroupWindow):
    kind = "SESSION"


class Tumble:
    """``Tumble.over(lit(10).minutes).on(col('ts')).alias('w')``"""

    @staticmethod
    def over(size: Expression) -> _WindowBuilder:
        return _WindowBuilder(TumbleWindow, {"size": size})


class Slide:
    """``Slide.over(lit(10).minutes).every(lit(5).minutes).on(col('ts')).alias('w')``"""

    @staticmethod
    def over(size: Expression) -> _WindowBuilder:
        return _WindowBuilder(SlideWindow, {"size": size})


class Session:
    """``Session.with_gap(lit(10).minutes).on(col('ts')).alias('w')``"""

    @staticmethod
    def with_gap(gap: Expression) -> _WindowBuilder:
        return _WindowBuilder(SessionWindow, {"gap": gap})


class OverWindow:
    """A named over window: partitioning, ordering and the frame (preceding .. following)."""

    def __init__(self, partition_by: list[Expression], order_by: Expression | None, preceding: _Bound,
                 following: _Bound | None, alias: str) -> None:
        self.partition_by = partition_by
        self.order_by = order_by
        self.preceding = preceding
        self.following = following
        self.alias_name = alias

    def fill(self, window: exp.Window) -> exp.Window:
        """Complete an ``agg.over(col('w'))`` node with this window's definition."""
        filled = exp.Window(this=window.this)
        if self.partition_by:
            filled.set("partition_by", [p.node.copy() for p in self.partition_by])
        if self.order_by is not None:
            node = self.order_by.node.copy()
            ordered = node if isinstance(node, exp.Ordered) else exp.Ordered(this=node, nulls_first=True)
            filled.set("order", exp.Order(expressions=[ordered]))
        filled.set("spec", self._frame())
        filled.set("over", "OVER")
        return filled

    def _frame(self) -> exp.WindowSpec:
        preceding = self.preceding
        following = self.following or (CURRENT_ROW if preceding.kind == "ROWS" else CURRENT_RANGE)
        if following.kind != preceding.kind:
            raise ValueError("the preceding and following bounds of an over window must both be rows or ranges")
        start = "UNBOUNDED" if preceding.amount is None and not preceding.is_current else (
            "CURRENT ROW" if preceding.is_current else preceding.amount.copy())
        spec = exp.WindowSpec(kind=preceding.kind, start=start,
                              start_side="PRECEDING" if not preceding.is_current else None)
        if following.is_current:
            spec.set("end", "CURRENT ROW")
        elif following.amount is None:
            spec.set("end", "UNBOUNDED")
            spec.set("end_side", "FOLLOWING")
        else:
            spec.set("end", following.amount.copy())
            spec.set("end_side", "FOLLOWING")
        return spec


class _OverBuilder:
    def __init__(self, partition_by: list[Expression]) -> None:
        self._partition_by = partition_by
        self._order_by: Expression | None = None
        self._preceding: _Bound = UNBOUNDED_RANGE
        self._following: _Bound | None = None

    def order_by(self, order_by: Expression | str) -> _OverBuilder:
        from flowsql.table.expressions import col

        self._order_by = col(order_by) if isinstance(order_by, str) else order_by
        return self

    def preceding(self, preceding: Expression) -> _OverBuilder:
        self._preceding = _as_bound(preceding)
        return self

    def following(self, following: Expression) -> _OverBuilder:
        self._following = _as_bound(following)
        return self

    def alias(self, alias: str) -> OverWindow:
        return OverWindow(self._partition_by, self._order_by, self._preceding, self._following, alias)


def _as_bound(value: Expression) -> _Bound:
    if isinstance(value, _Bound):
        return value
    if isinstance(value.node, exp.Interval):  # lit(1).hours: a range of time
        return _Bound("RANGE", value.node)
    raise ValueError(f"an over window bound must be UNBOUNDED_ROW, UNBOUNDED_RANGE, CURRENT_ROW, CURRENT_RANGE, "
                     f"row_interval(n) or a time interval such as lit(1).hours, found {value}")


class Over:
    """``Over.partition_by(col('k')).order_by(col('ts')).preceding(UNBOUNDED_RANGE).alias('w')``"""

    @staticmethod
    def partition_by(*partition_by: Expression) -> _OverBuilder:
        return _OverBuilder(list(partition_by))

    @staticmethod
    def order_by(order_by: Expression) -> _OverBuilder:
        return _OverBuilder([]).order_by(order_by)


__all__ = [
    "GroupWindow",
    "Over",
    "OverWindow",
    "Session",
    "SessionWindow",
    "Slide",
    "SlideWindow",
    "Tumble",
    "TumbleWindow",
]
