"""OverAggregate: ``agg(x) OVER (PARTITION BY k ORDER BY time ROWS|RANGE ... PRECEDING AND CURRENT
ROW)`` on a stream.

Accepts insert-only rows; emits each row once, insert-only, with its window values appended, when
its time is complete: when the watermark reaches the row's timestamp (event time; rows at or
behind the last fired watermark are late, dropped and counted), or at once (processing time).
Ready rows are computed in DuckDB together with the history their frames reach back into, with
the SQL batch mode uses; the history is then trimmed to what later rows can still see (the last n
rows per partition for ``ROWS n PRECEDING``, the last interval for ``RANGE``; everything for
UNBOUNDED PRECEDING). Rows with equal timestamps are ordered by arrival, as in Flink.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.common.errors import ExecutionError
from flowsql.exec.batch import frame_sql, window_call_sql
from flowsql.exec.expression import conform
from flowsql.exec.operator import Operator
from flowsql.exec.operators.window_buffer import DuckRunner, drop_late_rows, epoch_ms, numbered
from flowsql.exec.watermarks import MAX, MIN_WATERMARK


class OverAggregate(Operator):
    name = "OverAggregate"

    def __init__(self, operator_id: str, window, schema: pa.Schema) -> None:
        super().__init__()
        self.operator_id = operator_id
        self.window = window
        self.schema = schema
        self.width = len(window.input.fields)
        self.time_key = window.order_keys[0][0]
        self.uses_processing_time = window.input.fields[self.time_key].type.time_attribute == "proctime"
        self.duck = DuckRunner()
        frame = window.frame
        t = f"_{self.time_key}"
        order = f"ORDER BY {t} ASC" if frame is not None and frame.mode == "RANGE" else f"ORDER BY {t} ASC, __seq ASC"
        part = ("PARTITION BY " + ", ".join(f"_{k}" for k in window.partition_keys) + " ") if window.partition_keys \
            else ""
        over = part + order + (f" {frame_sql(frame)}" if frame is not None else "")
        cols = ", ".join(f"_{i}" for i in range(self.width))
        calls = ", ".join(f"{window_call_sql(c, over)} AS _{self.width + j}" for j, c in enumerate(window.calls))
        outs = ", ".join(f"_{self.width + j}" for j in range(len(window.calls)))
        self.sql = (f"SELECT {cols}, {outs} FROM (SELECT *, {calls} FROM rows) WHERE NOT __hist "
                    f"ORDER BY {t}, __seq")
        self._retention(part)

    def _retention(self, part: str) -> None:
        """How much history later rows can still reach: all, the last n rows, or the last interval."""
        frame = self.window.frame
        self.keep_all, self.keep_rows, self.keep_ms = False, 0, None
        for c in self.window.calls:
            if c.function in ("LAG", "LEAD"):
                self.keep_rows = max(self.keep_rows, int(c.constant_args[0]) if c.constant_args else 1)
            elif frame is None or frame.lower is None:
                self.keep_all = True
            elif isinstance(frame.lower, dt.timedelta):
                self.keep_ms = max(self.keep_ms or 0, int(frame.lower / dt.timedelta(milliseconds=1)))
            elif frame.mode == "ROWS":
                self.keep_rows = max(self.keep_rows, int(frame.lower))
            else:
                self.keep_all = True
        t = f"_{self.time_key}"
        self.trim_sql = (f"SELECT * FROM history QUALIFY row_number() OVER ({part}ORDER BY {t} DESC, __seq DESC) "
                         f"<= {self.keep_rows}")

    def open(self, context) -> None:
        super().open(context)
        state = context.state
        self.pending = state.value_state(self.operator_id, "pending", None)
        self.history = state.value_state(self.operator_id, "history", None)
        self.sequence = state.value_state(self.operator_id, "sequence", 0)
        self.progress = state.value_state(self.operator_id, "fired-until", MIN_WATERMARK)
        if self.pending.value is None:
            self.pending.value = []

    def state_size(self) -> int:
        return sum(t.num_rows for t in self.pending.value) + (self.history.value.num_rows if self.history.value
                                                               is not None else 0)

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if not batch.num_rows:
            return []
        if not batch.is_insert_only:
            raise ExecutionError("OVER aggregation accepts insert-only input, but it received updates",
                                 hint="apply the OVER window before any GROUP BY or outer join")
        table = batch.table
        times = table.column(self.time_key)
        if times.null_count:
            table = table.filter(times.is_valid())
        if not self.uses_processing_time:
            late = epoch_ms(table.column(self.time_key)) <= self.progress.value
            if late.any():
                table = drop_late_rows(self, table, late, self.progress.value)
        n = table.num_rows
        table = numbered(table).append_column(
            "__seq", pa.array(np.arange(self.sequence.value, self.sequence.value + n, dtype=np.int64)))
        self.sequence.value += n
        self.pending.value.append(table)
        if self.uses_processing_time:
            return self._fire(MAX)
        return []

    def on_watermark(self, watermark: int) -> list[ChangeBatch]:
        if watermark <= self.progress.value:
            return []
        return self._fire(watermark)

    def _fire(self, limit: int) -> list[ChangeBatch]:
        if not self.uses_processing_time:
            self.progress.value = limit
        if not self.pending.value:
            return []
        waiting = pa.concat_tables(self.pending.value)
        due = epoch_ms(waiting.column(self.time_key)) <= limit
        ready = waiting.filter(pa.array(due))
        rest = waiting.filter(pa.array(~due))
        self.pending.value = [rest] if rest.num_rows else []
        if not ready.num_rows:
            return []
        history = self.history.value
        parts = [ready.append_column("__hist", pa.array(np.zeros(ready.num_rows, dtype=bool)))]
        if history is not None and history.num_rows:
            parts.insert(0, history.append_column("__hist", pa.array(np.ones(history.num_rows, dtype=bool))))
        rows = pa.concat_tables(parts)
        result = self.duck.run(self.sql, rows=rows)
        self.history.value = self._trim(rows.drop_columns(["__hist"]), limit)
        return [ChangeBatch(conform(result, self.schema))]

    def _trim(self, history: pa.Table, limit: int) -> pa.Table | None:
        if self.keep_all:
            return history
        kept = None
        if self.keep_ms is not None:
            times = epoch_ms(history.column(self.time_key))
            cutoff = limit - self.keep_ms if limit != MAX else MAX
            kept = history.filter(pa.array(times >= cutoff))
        if self.keep_rows:
            trimmed = self.duck.run(self.trim_sql, history=history).cast(history.schema)
            kept = trimmed if kept is None else pa.concat_tables([kept, trimmed])  # both: keep the union
            if self.keep_ms is not None:
                kept = history.filter(pa.array(np.isin(history.column("__seq").to_numpy(),
                                                       kept.column("__seq").to_numpy())))
        return kept
