"""WindowTableFunction: appends ``window_start``, ``window_end`` and ``window_time`` to each row.

Vectorized over the batch in epoch milliseconds: TUMBLE assigns one window; HOP repeats each row
size / slide times and CUMULATE max_size / step times (keeping the windows that hold the row);
SESSION gives each row its own window [t, t + gap), which the window aggregate downstream merges.
Rows with a NULL time are dropped, as Flink does. Stateless; row kinds pass through.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.exec.operator import Operator
from flowsql.exec.operators.window_buffer import epoch_ms, ms_array
from flowsql.planner.logical import WindowSpec


class WindowTableFunction(Operator):
    name = "WindowTableFunction"

    def __init__(self, spec: WindowSpec, time_index: int, schema: pa.Schema) -> None:
        super().__init__()
        self.spec = spec
        self.time_index = time_index
        self.schema = schema

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if not batch.num_rows:
            return []
        time_column = batch.table.column(self.time_index)
        if time_column.null_count:
            batch = batch.filter(time_column.is_valid())
            time_column = batch.table.column(self.time_index)
        ms = epoch_ms(time_column)
        rows, starts, ends = self.assign(ms)
        if rows is not None:
            batch = batch.take(rows)
        n = len(self.schema) - 3
        columns = list(batch.table.columns[:n]) + [
            ms_array(starts, self.schema.field(n).type), ms_array(ends, self.schema.field(n + 1).type),
            ms_array(ends - 1, self.schema.field(n + 2).type)]
        return [ChangeBatch(pa.Table.from_arrays(columns, schema=self.schema), batch.kinds)]

    def assign(self, ms: np.ndarray) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """(row of each output, or None for one output per row; window starts; window ends)."""
        s = self.spec
        if s.kind == "TUMBLE":
            start = ms - np.mod(ms - s.offset, s.size)
            return None, start, start + s.size
        if s.kind == "SESSION":
            return None, ms, ms + s.gap
        count = s.size // s.slide
        rows = np.repeat(np.arange(len(ms)), count)
        step = np.tile(np.arange(count, dtype=np.int64), len(ms))
        if s.kind == "HOP":
            last = np.repeat(ms - np.mod(ms - s.offset, s.slide), count)
            starts = last - step * s.slide
            return rows, starts, starts + s.size
        base = np.repeat(ms - np.mod(ms - s.offset, s.size), count)  # CUMULATE
        ends = base + (step + 1) * s.slide
        keep = ends > np.repeat(ms, count)
        return rows[keep], base[keep], ends[keep]
