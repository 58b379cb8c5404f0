"""UpdatingWindowAggregate: a window aggregation with an emit strategy (``WindowEmit``: early
firing, allowed lateness, late firing), whose results are emitted before a window closes and/or
corrected after it.

Contract: accepts insert-only rows carrying their window bounds; emits +I for a window group's
first result, then -U (the result emitted before) and +U (the new one) whenever it changes;
results that did not change are not sent again. State, all in the state backend: each window's
rows until time passes its end plus the allowed lateness (a result is recomputed from them in
DuckDB when rows arrive), the last result emitted per window, the windows changed since they were
last emitted, and the pending clock timers of early and late firing. Rows later than the allowed
lateness are dropped and counted, as in the insert-only operator.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.exec.expression import conform
from flowsql.exec.operators.window_aggregate import WindowAggregate
from flowsql.exec.operators.window_buffer import WindowedRows, epoch_ms, numbered

_NO_ENDS = np.zeros(0, dtype=np.int64)


class UpdatingWindowAggregate(WindowAggregate):
    has_processing_timers = True  # early and late firing run on the job's clock

    def __init__(self, operator_id: str, aggregate, emit, schema: pa.Schema) -> None:
        super().__init__(operator_id, aggregate, schema)
        self.emit = emit
        self.lateness = emit.allow_lateness_ms
        self.end_column = list(aggregate.group_keys).index(aggregate.end_key)
        cols = ", ".join(f"_{i}" for i in range(len(schema)))
        keys = ", ".join(f"_{i}" for i in range(len(aggregate.group_keys)))
        # Old results weigh -1, new ones +1: equal rows cancel; what is left is retracted (-U = 1)
        # or sent, as +U (2) where the group had a result before, else as +I (0).
        self.diff_sql = (
            f"SELECT {cols}, CAST(CASE WHEN __n < 0 THEN 1 WHEN __had THEN 2 ELSE 0 END AS TINYINT) AS __kind "
            f"FROM (SELECT {cols}, sum(__w) AS __n, bool_or(__had) AS __had FROM ("
            f"SELECT *, bool_or(__w < 0) OVER (PARTITION BY {keys}) AS __had FROM ("
            f"SELECT {cols}, -1 AS __w FROM old UNION ALL SELECT {cols}, 1 AS __w FROM new)) "
            f"GROUP BY {cols}) WHERE __n <> 0 ORDER BY __n")

    def open(self, context) -> None:
        super().open(context)
        state = context.state
        self.results = state.value_state(self.operator_id, "results", None)
        if self.results.value is None:
            self.results.value = WindowedRows()
        self.dirty = state.value_state(self.operator_id, "dirty", _NO_ENDS)
        self.early_timer = state.value_state(self.operator_id, "early-timer", None)
        self.late_timer = state.value_state(self.operator_id, "late-timer", None)

    def state_size(self) -> int:
        return super().state_size() + self.results.value.num_rows

    def is_late(self, ends: np.ndarray) -> np.ndarray:
        return ends - 1 + self.lateness <= self.progress.value

    def buffer(self, table: pa.Table, ends: np.ndarray) -> None:
        super().buffer(table, ends)
        self.dirty.value = np.union1d(self.dirty.value, ends)

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        super().process(batch, input_index)
        dirty = self.dirty.value
        if not len(dirty):
            return []
        late = dirty - 1 <= self.progress.value  # their on-time result is out: these are late updates
        due = np.zeros(len(dirty), dtype=bool)
        now = self.context.clock.now_ms()
        if late.any():
            if not self.emit.late_fire_ms:
                due |= late
            elif self.late_timer.value is None:
                self.late_timer.value = _next_fire(now, self.emit.late_fire_ms)
        if (~late).any() and self.emit.early_fire_ms is not None:
            if self.emit.early_fire_ms == 0:
                due |= ~late
            elif self.early_timer.value is None:
                self.early_timer.value = _next_fire(now, self.emit.early_fire_ms)
        return self._emit(dirty[due])

    def on_processing_time(self, now_ms: int) -> list[ChangeBatch]:
        out = self._advance(now_ms) if self.uses_processing_time else []
        progress = self.progress.value
        dirty = self.dirty.value
        if self.early_timer.value is not None and now_ms >= self.early_timer.value:
            self.early_timer.value = None  # the next row arms it again, as Flink's trigger does
            out += self._emit(dirty[dirty - 1 > progress])
        dirty = self.dirty.value
        if self.late_timer.value is not None and now_ms >= self.late_timer.value:
            self.late_timer.value = None
            out += self._emit(dirty[dirty - 1 <= progress])
        return out

    def _advance(self, limit: int) -> list[ChangeBatch]:
        """Time reached ``limit``: windows that end by it emit (if changed since their early result),
        and windows past their allowed lateness emit pending late updates and are freed."""
        before = self.progress.value
        if limit <= before:
            return []
        self.progress.value = limit
        held = self.windows.value.ends()
        closing = held[(held - 1 > before) & (held - 1 <= limit)]
        out = self._emit(np.intersect1d(closing, self.dirty.value))
        expired = held[held - 1 + self.lateness <= limit]
        if len(expired):
            out += self._emit(np.intersect1d(expired, self.dirty.value))  # late updates still waiting
            self.windows.value.pop_ends(expired)
            self.results.value.pop_ends(expired)
        return out

    def _emit(self, ends: np.ndarray) -> list[ChangeBatch]:
        """The changes of the windows ending at ``ends`` since their last emitted results."""
        if not len(ends):
            return []
        self.dirty.value = np.setdiff1d(self.dirty.value, ends)
        rows = self.windows.value.rows_of(ends)
        new = conform(self.fire(numbered(pa.concat_tables(rows))), self.schema)
        old = self.results.value.pop_ends(ends)
        self.results.value.add(new, epoch_ms(new.column(self.end_column)))
        if not old:
            return [ChangeBatch(new)] if new.num_rows else []
        diff = self.duck.run(self.diff_sql, old=numbered(pa.concat_tables(old)), new=numbered(new))
        if not diff.num_rows:
            return []
        kinds = diff.column("__kind").to_numpy(zero_copy_only=False).astype(np.int8)
        return [ChangeBatch(conform(diff.drop_columns(["__kind"]), self.schema), kinds)]


def _next_fire(now: int, delay: int) -> int:
    """The next multiple of ``delay`` after ``now``: timers aligned to the clock, as in Flink."""
    return now - now % delay + delay
