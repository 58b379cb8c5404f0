"""WindowJoin: joins two windowed inputs window by window, once time passes each window's end.

Changelog contract: accepts insert-only rows carrying their window bounds on both sides; emits
insert-only rows. Each side's rows wait in the state backend by window end (``WindowedRows``);
when the watermark (or, for processing-time windows, the clock) passes a window's end, that
window's rows of both sides are joined in one DuckDB query over Arrow with the whole join
condition (window bounds, keys, the rest) and the SQL join type itself (INNER / LEFT / RIGHT /
FULL / SEMI / ANTI), so outer rows are padded without retractions, and the rows are freed. Rows
whose window has already fired are late: dropped and counted in ``late_rows_dropped``.

The output watermark is the input one: a fired window's rows are sent before the watermark that
fired it, so a window aggregation downstream still sees them in time.
"""

from __future__ import annotations

import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.common.errors import ExecutionError
from flowsql.exec.expression import SqlTranslator, conform
from flowsql.exec.operator import Operator, RuntimeContext
from flowsql.exec.operators.window_buffer import DuckRunner, WindowedRows, epoch_ms
from flowsql.exec.watermarks import MAX, MIN_WATERMARK

_SQL_JOIN = {"INNER": "JOIN", "LEFT": "LEFT JOIN", "RIGHT": "RIGHT JOIN", "FULL": "FULL JOIN",
             "SEMI": "SEMI JOIN", "ANTI": "ANTI JOIN"}


class WindowJoin(Operator):
    name = "WindowJoin"

    def __init__(self, operator_id: str, join, left_schema: pa.Schema, right_schema: pa.Schema,
                 output_schema: pa.Schema) -> None:
        super().__init__()
        self.operator_id = operator_id
        self.join = join
        self.schemas = (left_schema, right_schema)
        self.output_schema = output_schema
        self.end_index = (join.left_end, join.right_end)
        self.uses_processing_time = join.left_window.time_kind == "proctime"

    def open(self, context: RuntimeContext) -> None:
        super().open(context)
        self.duck = DuckRunner()
        condition = SqlTranslator(connection=self.duck.connection).sql(self.join.condition)
        select = "l.*" if self.join.join_type in ("SEMI", "ANTI") else "*"
        self.sql = f"SELECT {select} FROM l_rows AS l {_SQL_JOIN[self.join.join_type]} r_rows AS r ON {condition}"
        self.windows = tuple(context.state.value_state(self.operator_id, f"{side}-windows", None)
                             for side in ("left", "right"))
        for state in self.windows:
            if state.value is None:
                state.value = WindowedRows()
        self.progress = context.state.value_state(self.operator_id, "fired-until", MIN_WATERMARK)

    def state_size(self) -> int:
        return sum(w.value.num_rows for w in self.windows)

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if not batch.num_rows:
            return []
        if not batch.is_insert_only:
            raise ExecutionError("WindowJoin accepts insert-only input, but it received updates",
                                 hint="a window join needs append-only windowed inputs")
        table = batch.table
        ends = epoch_ms(table.column(self.end_index[input_index]))
        late = ends - 1 <= self.progress.value
        if late.any():
            self.metrics.late_rows_dropped += int(late.sum())
            table, ends = table.filter(pa.array(~late)), ends[~late]
        self.windows[input_index].value.add(table, ends)
        return []

    def on_watermark(self, watermark: int) -> list[ChangeBatch]:
        if self.uses_processing_time and watermark != MAX:
            return []
        return self._fire(watermark)

    def on_processing_time(self, now_ms: int) -> list[ChangeBatch]:
        return self._fire(now_ms)

    def _fire(self, limit: int) -> list[ChangeBatch]:
        """Join and free every window whose end - 1 is at most ``limit``."""
        if limit <= self.progress.value:
            return []
        self.progress.value = limit
        fired = [w.value.pop_until(limit) for w in self.windows]
        if not any(fired):
            return []
        width = len(self.schemas[0])
        tables = []
        for side, parts in enumerate(fired):
            schema = self.schemas[side]
            parts = [_conform(t, schema) for t in parts]
            table = pa.concat_tables(parts) if parts else pa.Table.from_batches([], schema)
            offset = 0 if side == 0 else width
            tables.append(table.rename_columns([f"_{offset + i}" for i in range(table.num_columns)]))
        result = self.duck.run(self.sql, l_rows=tables[0], r_rows=tables[1])
        return [ChangeBatch(conform(result, self.output_schema))] if result.num_rows else []


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    if table.schema.types == schema.types:
        return table.rename_columns(schema.names)
    return pa.Table.from_arrays([c.cast(f.type) if c.type != f.type else c for c, f in zip(table.columns, schema)],
                                names=schema.names)
