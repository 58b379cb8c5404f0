"""IntervalJoin: a join whose condition bounds the left time by the right one,
``left_lower <= l.time - r.time <= left_upper`` (ms), over insert-only inputs.

Changelog contract: accepts insert-only input on both sides; emits insert-only rows. A batch from
one side is joined, in one DuckDB query over Arrow (the whole join condition: keys, time bounds,
the rest), against the rows the other side keeps; then its rows are kept too. A left row can
still meet right rows up to ``t - left_lower``, a right row left rows up to ``t + left_upper``:
once time (the watermark, or the clock for processing time) reaches that point, no match can
arrive any more, and the row is freed; a row of a preserved (outer) side that never matched is
emitted then, padded with NULLs, so outer joins need no retractions (as in Flink). Rows already
behind the watermark when they arrive are late: dropped and counted in ``late_rows_dropped`` (all
their possible matches may have been freed). Rows with a NULL time match nothing: an outer side
emits them padded at once.

Output rows can be older than the input watermark by up to max(-left_lower, left_upper), so the
operator holds its output watermark back by that much (``watermark_delay``), as Flink does, and
the time attributes of both inputs stay usable downstream.

State (in the state backend): per side a ``TimedRows`` (the rows, their times, whether each has
matched), and the time the operator has reached.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from flowsql.common.changes import ChangeBatch
from flowsql.common.errors import ExecutionError
from flowsql.exec.expression import SqlTranslator
from flowsql.exec.operator import Operator, RuntimeContext
from flowsql.exec.operators.window_buffer import DuckRunner, epoch_ms
from flowsql.exec.watermarks import MAX, MIN_WATERMARK
from flowsql.planner.expressions import Expr

# Which sides' rows without a match reach the output.
_PRESERVED = {"INNER": (False, False), "LEFT": (True, False), "RIGHT": (False, True), "FULL": (True, True)}
_MAX_CHUNKS = 32  # kept rows are re-compacted past this many Arrow chunks


class TimedRows:
    """One input's kept rows, with each row's time (epoch ms) and whether it has matched."""

    def __init__(self, schema: pa.Schema) -> None:
        self.table = pa.Table.from_batches([], schema)  # (schema.empty_table() would load pandas)
        self.times = np.zeros(0, dtype=np.int64)
        self.matched = np.zeros(0, dtype=bool)

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    def append(self, table: pa.Table, times: np.ndarray, matched: np.ndarray) -> None:
        if not table.num_rows:
            return
        self.table = pa.concat_tables([self.table, table])
        if self.table.num_columns and self.table.column(0).num_chunks > _MAX_CHUNKS:
            self.table = self.table.combine_chunks()
        self.times = np.concatenate([self.times, times])
        self.matched = np.concatenate([self.matched, matched])

    def expire(self, reach: int, limit: int) -> pa.Table:
        """Free the rows that can meet no new row once time is ``limit`` (their time + ``reach``
        is at most ``limit``); returns those of them that never matched."""
        done = self.times <= min(limit - reach, MAX)
        if not done.any():
            return self.table.slice(0, 0)
        unmatched = self.table.filter(pa.array(done & ~self.matched))
        keep = ~done
        self.table = self.table.filter(pa.array(keep))
        self.times, self.matched = self.times[keep], self.matched[keep]
        return unmatched


class IntervalJoin(Operator):
    name = "IntervalJoin"

    def __init__(self, operator_id: str, join_type: str, condition: Expr, bounds, left_schema: pa.Schema,
                 right_schema: pa.Schema, output_schema: pa.Schema) -> None:
        super().__init__()
        self.operator_id = operator_id
        self.preserved = _PRESERVED[join_type]
        self.condition = condition
        self.schemas = (left_schema, right_schema)
        self.output_schema = output_schema
        self.time_index = (bounds.left_time_index, bounds.right_time_index)
        # How far past its own time a row of each side can still be matched by the other side.
        self.reach = (-bounds.left_lower, bounds.left_upper)
        self.uses_processing_time = not bounds.is_rowtime
        self.watermark_delay = max(0, -bounds.left_lower, bounds.left_upper) if bounds.is_rowtime else 0

    def open(self, context: RuntimeContext) -> None:
        super().open(context)
        self.duck = DuckRunner()
        condition = SqlTranslator(connection=self.duck.connection).sql(self.condition)
        self.pairs_sql = f"SELECT l.__row, r.__row FROM l_rows AS l JOIN r_rows AS r ON {condition}"
        self.rows = tuple(context.state.value_state(self.operator_id, f"{side}-rows", None)
                          for side in ("left", "right"))
        for state, schema in zip(self.rows, self.schemas):
            if state.value is None:
                state.value = TimedRows(schema)
        self.progress = context.state.value_state(self.operator_id, "time", MIN_WATERMARK)

    def state_size(self) -> int:
        return sum(s.value.num_rows for s in self.rows)

    # -- rows ------------------------------------------------------------------------------------
    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if not batch.num_rows:
            return []
        if not batch.is_insert_only:
            raise ExecutionError("IntervalJoin accepts insert-only input, but it received updates",
                                 hint="an interval join needs append-only inputs (no GROUP BY or outer join "
                                      "before it)")
        side = input_index
        table = _conform(batch.table, self.schemas[side])
        out: list[pa.Table] = []
        times_column = table.column(self.time_index[side])
        if times_column.null_count:
            valid = times_column.is_valid()
            if self.preserved[side]:
                out.append(self._padded(table.filter(pc.invert(valid)), side))
            table = table.filter(valid)
        times = epoch_ms(table.column(self.time_index[side]))
        if not self.uses_processing_time:
            late = times <= self.progress.value
            if late.any():
                self.metrics.late_rows_dropped += int(late.sum())
                table, times = table.filter(pa.array(~late)), times[~late]
        matched = np.zeros(table.num_rows, dtype=bool)
        other = self.rows[1 - side].value
        if table.num_rows and other.num_rows:
            mine, theirs = self._pairs(table, other.table, side)
            if len(mine):
                matched[mine] = True
                other.matched[theirs] = True
                rows = (table.take(pa.array(mine)), other.table.take(pa.array(theirs)))
                out.append(self._joined(*(rows if side == 0 else rows[::-1])))
        self.rows[side].value.append(table, times, matched)
        out = [t for t in out if t.num_rows]
        return [ChangeBatch(pa.concat_tables(out))] if out else []

    def _pairs(self, mine: pa.Table, theirs: pa.Table, side: int) -> tuple[np.ndarray, np.ndarray]:
        """(row of ``mine``, row of ``theirs``) for every pair meeting the join condition."""
        width = len(self.schemas[0])
        tables = [_numbered(mine, side, width), _numbered(theirs, 1 - side, width)]
        if side == 1:
            tables.reverse()
        result = self.duck.run(self.pairs_sql, l_rows=tables[0], r_rows=tables[1])
        left, right = (c.to_numpy(zero_copy_only=False) for c in result.columns)
        return (left, right) if side == 0 else (right, left)

    # -- time --------------------------------------------------------------------------------------
    def on_watermark(self, watermark: int) -> list[ChangeBatch]:
        if self.uses_processing_time and watermark != MAX:
            return []
        return self._advance(watermark)

    def on_processing_time(self, now_ms: int) -> list[ChangeBatch]:
        return self._advance(now_ms - 1)  # rows arriving from now on have a processing time >= now

    def _advance(self, limit: int) -> list[ChangeBatch]:
        if limit <= self.progress.value:
            return []
        self.progress.value = limit
        out = []
        for side in (0, 1):
            unmatched = self.rows[side].value.expire(self.reach[side], limit)
            if self.preserved[side] and unmatched.num_rows:
                out.append(self._padded(unmatched, side))
        return [ChangeBatch(pa.concat_tables(out))] if out else []

    # -- output rows -------------------------------------------------------------------------------
    def _joined(self, left: pa.Table, right: pa.Table) -> pa.Table:
        return _with_schema(list(left.columns) + list(right.columns), self.output_schema)

    def _padded(self, rows: pa.Table, side: int) -> pa.Table:
        nulls = [pa.nulls(rows.num_rows, f.type) for f in self.schemas[1 - side]]
        columns = list(rows.columns) + nulls if side == 0 else nulls + list(rows.columns)
        return _with_schema(columns, self.output_schema)


def _numbered(table: pa.Table, side: int, left_width: int) -> pa.Table:
    """Columns named as the join condition's SQL reads them (right ones after the left ones), plus
    each row's position."""
    offset = 0 if side == 0 else left_width
    names = [f"_{offset + i}" for i in range(table.num_columns)]
    return table.rename_columns(names).append_column("__row", pa.array(np.arange(table.num_rows, dtype=np.int64)))


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    if table.schema.types == schema.types:
        return table
    return pa.Table.from_arrays([c.cast(f.type) if c.type != f.type else c for c, f in zip(table.columns, schema)],
                                names=schema.names)


def _with_schema(columns: list, schema: pa.Schema) -> pa.Table:
    columns = [c.cast(f.type) if c.type != f.type else c for c, f in zip(columns, schema)]
    columns = [pa.chunked_array([c], c.type) if isinstance(c, pa.Array) else c for c in columns]
    return pa.Table.from_arrays(columns, schema=schema)
