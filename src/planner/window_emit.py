"""When a window aggregation emits: Flink's emit strategies, resolved from the session options.

By default a window's result is emitted once, when time passes the window end (insert-only).
Flink's options change that for the group-window syntax (``GROUP BY TUMBLE(ts, ...)`` / ``HOP``):

- ``table.exec.emit.early-fire.enabled`` + ``.early-fire.delay``: before the window closes, its
  partial result is emitted every ``delay`` of processing time (0: with every input batch), then
  updated (-U/+U) as it changes and when the window closes;
- ``table.exec.emit.allow-lateness``: event-time windows keep their rows that long after their
  end; a late row within it updates the window's result (-U/+U) instead of being dropped;
- ``table.exec.emit.late-fire.enabled`` + ``.late-fire.delay``: those late updates are emitted
  every ``delay`` of processing time (0, or late-fire off: with every batch holding late rows).

As in Flink, SESSION windows take no early/late firing (an error) and ignore allowed lateness, and
processing-time windows have no late rows. Beyond Flink, ``allow-lateness`` also applies to window
TVF aggregations (``GROUP BY window_start, window_end``), which otherwise ignore the emit options.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowsql.common.config import Config, parse_duration_ms
from flowsql.common.errors import PlanningError

EARLY, EARLY_DELAY = "table.exec.emit.early-fire.enabled", "table.exec.emit.early-fire.delay"
LATE, LATE_DELAY = "table.exec.emit.late-fire.enabled", "table.exec.emit.late-fire.delay"
ALLOW_LATENESS = "table.exec.emit.allow-lateness"


@dataclass(frozen=True)
class WindowEmit:
    """A window aggregation's emit strategy, in milliseconds (None: that firing is off)."""

    early_fire_ms: int | None = None
    late_fire_ms: int | None = None
    allow_lateness_ms: int = 0

    @property
    def produces_updates(self) -> bool:
        return self.early_fire_ms is not None or self.allow_lateness_ms > 0

    def __str__(self) -> str:
        parts = []
        if self.early_fire_ms is not None:
            parts.append(f"early {_ms_text(self.early_fire_ms)}")
        if self.allow_lateness_ms > 0:
            parts.append(f"late {_ms_text(self.late_fire_ms or 0)}")
            parts.append(f"allowLateness {_ms_text(self.allow_lateness_ms)}")
        return ", ".join(parts)

    def reason(self) -> str:
        """Why the window aggregate emits updates, in plain words (for EXPLAIN)."""
        parts = []
        if self.early_fire_ms is not None:
            every = "with every input batch" if not self.early_fire_ms else f"every {_ms_text(self.early_fire_ms)}"
            parts.append(f"early firing ({EARLY}) emits each window's partial result {every} before the window "
                         f"closes, and retracts it (-U) when a newer one (+U) replaces it")
        if self.allow_lateness_ms > 0:
            parts.append(f"allowed lateness ({ALLOW_LATENESS} = {_ms_text(self.allow_lateness_ms)}) keeps windows "
                         f"open after their end: a late row retracts (-U) the window's emitted result and sends "
                         f"the updated one (+U)")
        return "; ".join(parts)


def _ms_text(ms: int) -> str:
    for unit, size in (("h", 3_600_000), ("min", 60_000), ("s", 1000)):
        if ms and ms % size == 0:
            return f"{ms // size} {unit}"
    return f"{ms} ms"


def _delay(config: Config, key: str, enabled_key: str) -> int:
    text = config.get(key)
    if text is None or not str(text).strip():
        raise PlanningError(f"'{enabled_key}' is true but '{key}' is not set",
                            hint=f"SET '{key}' = '10 s' (0 fires with every input batch)")
    delay = parse_duration_ms(text, key)
    if delay < 0:
        raise PlanningError(f"'{key}' must not be negative, found '{text}'", hint=f"SET '{key}' = '10 s'")
    return delay


def window_emit(aggregate, config: Config) -> WindowEmit:
    """The emit strategy of a ``WindowAggregate`` under ``config``; errors name the option at fault."""
    spec = aggregate.spec
    early = config.get_bool(EARLY) and spec.legacy
    late = config.get_bool(LATE) and spec.legacy
    if spec.kind == "SESSION":
        if early or late:
            raise PlanningError("session windows do not support early or late firing (as in Flink)",
                                hint=f"SET '{EARLY}' = 'false' and '{LATE}' = 'false', or use TUMBLE or HOP")
        return WindowEmit()
    lateness_text = config.get(ALLOW_LATENESS) or "0 ms"
    lateness = parse_duration_ms(lateness_text, ALLOW_LATENESS)
    if lateness < 0:
        raise PlanningError(f"'{ALLOW_LATENESS}' must not be negative, found '{lateness_text}'",
                            hint=f"SET '{ALLOW_LATENESS}' = '1 min'")
    if spec.time_kind == "proctime":  # processing time is never late
        lateness, late = 0, False
    if late and not lateness:
        raise PlanningError(f"'{LATE}' is true but '{ALLOW_LATENESS}' is 0: no late row is ever accepted",
                            hint=f"SET '{ALLOW_LATENESS}' = '1 min' (how long windows accept late rows)")
    return WindowEmit(_delay(config, EARLY_DELAY, EARLY) if early else None,
                      _delay(config, LATE_DELAY, LATE) if late else None, lateness)
