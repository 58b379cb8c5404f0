"""Shared machinery of the window operators: time columns as epoch milliseconds, DuckDB over
Arrow, and ``WindowedRows`` — the rows of open windows, kept in the state backend by window end.

A window operator buffers the rows of each window until time passes the window's end (the
watermark for event time, the clock for processing time), then computes the window's result in
one DuckDB query and frees its rows. Rows whose window has already fired are late: dropped,
counted in ``metrics.late_rows_dropped`` and written to the late-rows side table if the job has
one (``flowsql.exec.late-rows.sink``, see ``flowsql.exec.late_rows``).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.common.errors import ExecutionError
from flowsql.exec import engine
from flowsql.exec.expression import conform
from flowsql.exec.operator import Operator
from flowsql.exec.watermarks import MAX, MIN_WATERMARK


def epoch_ms(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A timestamp column as int64 epoch milliseconds (NULL must have been removed)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_timestamp(column.type) and column.type.unit != "ms":
        column = column.cast(pa.timestamp("ms", column.type.tz), safe=False)
    return column.view(pa.int64()).to_numpy(zero_copy_only=False)


def ms_array(values: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """Epoch milliseconds as a timestamp array of ``arrow_type``."""
    unit_type = pa.timestamp("ms", getattr(arrow_type, "tz", None))
    array = pa.array(values, pa.int64()).view(unit_type)
    return array if array.type == arrow_type else array.cast(arrow_type)


def numbered(table: pa.Table) -> pa.Table:
    return table.rename_columns([f"_{i}" for i in range(table.num_columns)])


class DuckRunner:
    """One DuckDB connection per operator, running SQL over registered Arrow tables."""

    def __init__(self) -> None:
        self.connection = engine.connect()
        self.connection.execute("SET TimeZone = 'UTC'")

    def run(self, sql: str, **tables: pa.Table) -> pa.Table:
        try:
            for name, table in tables.items():
                self.connection.register(name, table)
            return self.connection.sql(sql).to_arrow_table()
        except duckdb.Error as e:
            raise ExecutionError(str(e).split("\n")[0]) from None
        finally:
            for name in tables:
                self.connection.unregister(name)


def drop_late_rows(op: Operator, table: pa.Table, late: np.ndarray, watermark: int) -> pa.Table:
    """The rows of ``table`` that are not ``late``; the late ones are counted in the operator's
    metrics and written to the late-rows side table when the job has one."""
    op.metrics.late_rows_dropped += int(late.sum())
    side = op.context.extras.get("late_rows") if op.context is not None else None
    if side is not None:
        side.write(getattr(op, "operator_id", op.name), table.filter(pa.array(late)), watermark)
    return table.filter(pa.array(~late))


class WindowedRows:
    """State: the buffered rows of each open window, by window end (epoch ms)."""

    def __init__(self) -> None:
        self.by_end: dict[int, list[pa.Table]] = {}
        self.num_rows = 0

    def add(self, table: pa.Table, ends: np.ndarray) -> None:
        if not table.num_rows:
            return
        order = np.argsort(ends, kind="stable")
        sorted_ends = ends[order]
        table = table.take(pa.array(order))
        # One slice per distinct window end in the batch (a handful), not per row.
        bounds = np.flatnonzero(np.diff(sorted_ends)) + 1
        starts = np.concatenate([[0], bounds])
        stops = np.concatenate([bounds, [len(sorted_ends)]])
        for a, b in zip(starts.tolist(), stops.tolist()):
            self.by_end.setdefault(int(sorted_ends[a]), []).append(table.slice(a, b - a))
        self.num_rows += table.num_rows

    def ends(self) -> np.ndarray:
        """The ends of the windows held, ascending."""
        return np.array(sorted(self.by_end), dtype=np.int64)

    def rows_of(self, ends) -> list[pa.Table]:
        """The rows of the windows ending at ``ends`` (they stay)."""
        return [t for e in ends for t in self.by_end.get(int(e), [])]

    def pop_ends(self, ends) -> list[pa.Table]:
        """The rows of the windows ending at ``ends``, removed."""
        out = [t for e in ends for t in self.by_end.pop(int(e), [])]
        self.num_rows -= sum(t.num_rows for t in out)
        return out

    def pop_until(self, limit: int) -> list[pa.Table]:
        """The rows of every window whose end - 1 <= ``limit`` (fired windows), removed."""
        due = sorted(e for e in self.by_end if e - 1 <= limit)
        out = []
        for e in due:
            out += self.by_end.pop(e)
        self.num_rows -= sum(t.num_rows for t in out)
        return out


class WindowOperator(Operator):
    """Base of operators that fire per window end: buffer, detect late rows, fire on time.

    Accepts insert-only input (a window's rows); emits insert-only results, each window once.
    """

    name = "Window"

    def __init__(self, operator_id: str, end_key: int, time_kind: str, schema: pa.Schema) -> None:
        super().__init__()
        self.operator_id = operator_id
        self.end_key = end_key
        self.uses_processing_time = time_kind == "proctime"
        self.schema = schema
        self.duck = DuckRunner()

    def open(self, context) -> None:
        super().open(context)
        self.windows = context.state.value_state(self.operator_id, "windows", None)
        if self.windows.value is None:
            self.windows.value = WindowedRows()
        self.progress = context.state.value_state(self.operator_id, "fired-until", MIN_WATERMARK)

    def state_size(self) -> int:
        return self.windows.value.num_rows

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if not batch.num_rows:
            return []
        if not batch.is_insert_only:
            raise ExecutionError(f"{self.name} accepts insert-only input, but it received updates",
                                 hint="window operators need an append-only input (no GROUP BY or outer join "
                                      "before them)")
        table = batch.table
        ends = epoch_ms(table.column(self.end_key))
        late = self.is_late(ends)
        if late.any():
            table = drop_late_rows(self, table, late, self.progress.value)
            ends = ends[~late]
        self.buffer(table, ends)
        return []

    def is_late(self, ends: np.ndarray) -> np.ndarray:
        """Rows whose window has already fired: time has passed its end."""
        return ends - 1 <= self.progress.value

    def buffer(self, table: pa.Table, ends: np.ndarray) -> None:
        self.windows.value.add(table, ends)

    def on_watermark(self, watermark: int) -> list[ChangeBatch]:
        if self.uses_processing_time and watermark != MAX:
            return []
        return self._advance(watermark)

    def on_processing_time(self, now_ms: int) -> list[ChangeBatch]:
        return self._advance(now_ms)

    def _advance(self, limit: int) -> list[ChangeBatch]:
        if limit <= self.progress.value:
            return []
        self.progress.value = limit
        fired = self.take_fired(limit)
        if fired is None or not fired.num_rows:
            return []
        result = self.fire(numbered(fired))
        return [ChangeBatch(conform(result, self.schema))] if result.num_rows else []

    def take_fired(self, limit: int) -> pa.Table | None:
        tables = self.windows.value.pop_until(limit)
        return pa.concat_tables(tables) if tables else None

    def fire(self, rows: pa.Table) -> pa.Table:
        raise NotImplementedError
