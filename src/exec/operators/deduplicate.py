"""Deduplicate: the first or the last row per key, by a time attribute, over an insert-only input.

Changelog contract: accepts +I only (updating inputs run through ``RankOperator`` instead).

- Keep first, processing time: the first row of each key is sent at once (+I); later rows of the
  key are dropped. Insert-only.
- Keep first, event time: each key's earliest row (earlier arrival wins a tie) waits until the
  watermark reaches its time, then is sent as +I; no earlier row can follow except a late one,
  which is dropped. Insert-only, and equal to the batch result on data that is not late.
- Keep last: a key's row is sent at once (+I), and replaced by a row with a later or equal time
  (processing time: every later row) as -U (old) / +U (new).

Each batch is reduced to its best row per key with one sort, then compared with the key's state
(time, slot of its stored row, emitted flag) in keyed arrays; stored rows live in one Arrow table
with a liveness mask, compacted when half of it is dead.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from flowsql.common.changes import INSERT, UPDATE_AFTER, UPDATE_BEFORE, ChangeBatch
from flowsql.exec.operator import Operator, RuntimeContext
from flowsql.exec.operators.window_buffer import epoch_ms
from flowsql.exec.watermarks import MIN_WATERMARK

_NO_TIME = np.iinfo(np.int64).min


class DeduplicateOperator(Operator):
    name = "Deduplicate"

    def __init__(self, operator_id: str, keys: tuple[int, ...], time_index: int, keep_last: bool, rowtime: bool,
                 schema: pa.Schema) -> None:
        super().__init__()
        self.operator_id = operator_id
        self.keys, self.time_index = keys, time_index
        self.keep_last, self.rowtime = keep_last, rowtime
        self.schema = schema

    def open(self, context: RuntimeContext) -> None:
        super().open(context)
        state = context.state
        self.state = state.keyed_state(self.operator_id, "keys", len(self.keys))
        if "slot" not in self.state.values.arrays:
            self.state.values.define("slot", np.int64, -1)  # position of the key's stored row
            self.state.values.define("time", np.int64, _NO_TIME)
            self.state.values.define("emitted", np.bool_, False)
        if not self.keys:
            self.state.lookup([])
            self.state.values.ensure(1)
        self.rows = state.value_state(self.operator_id, "rows", None)  # stored rows (Arrow)
        self.alive = state.value_state(self.operator_id, "alive", np.zeros(0, dtype=bool))
        self.row_keys = state.value_state(self.operator_id, "row-keys", np.zeros(0, dtype=np.int64))
        self.progress = state.value_state(self.operator_id, "watermark", MIN_WATERMARK)
        if self.rows.value is None:
            self.rows.value = self.schema.empty_table()

    def state_size(self) -> int:
        return int(self.alive.value.sum()) if self.keep_last or self.rowtime else int(
            self.state.values["emitted"][: self.state.keys.size].sum())

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        table = batch.table.cast(self.schema) if batch.table.schema != self.schema else batch.table
        if self.rowtime and table.column(self.time_index).null_count:
            table = table.filter(table.column(self.time_index).is_valid())
        if not table.num_rows:
            return []
        ids = self.state.lookup([table.column(k) for k in self.keys]) if self.keys else np.zeros(
            table.num_rows, dtype=np.int64)
        times = epoch_ms(table.column(self.time_index)) if self.rowtime else np.zeros(table.num_rows, np.int64)
        best = _best_per_key(ids, times, self.keep_last)
        ids, times, rows = ids[best], times[best], table.take(pa.array(best, pa.int64()))
        values = self.state.values
        if self.keep_last:
            return self._replace(ids, times, rows)
        fresh = ~values["emitted"][ids]
        if not self.rowtime:
            values["emitted"][ids[fresh]] = True
            return [ChangeBatch(rows.filter(pa.array(fresh)))] if fresh.any() else []
        slots = values["slot"][ids]
        earlier = fresh & ((slots < 0) | (times < values["time"][ids]))
        self._store(ids[earlier], times[earlier], rows.filter(pa.array(earlier)))
        return self._fire(self.progress.value)

    def on_watermark(self, watermark: int) -> list[ChangeBatch]:
        self.progress.value = max(self.progress.value, watermark)
        return [] if self.keep_last or not self.rowtime else self._fire(self.progress.value)

    def _replace(self, ids: np.ndarray, times: np.ndarray, rows: pa.Table) -> list[ChangeBatch]:
        values = self.state.values
        slots = values["slot"][ids]
        wins = (slots < 0) | (times >= values["time"][ids]) if self.rowtime else np.ones(len(ids), dtype=bool)
        replaced = slots[wins & (slots >= 0)]
        before = self.rows.value.take(pa.array(replaced, pa.int64()))
        winners = rows.filter(pa.array(wins))
        had_row = slots[wins] >= 0
        self._store(ids[wins], times[wins], winners)
        # -U of each replaced row, then the new rows: +U where a row was replaced, else +I.
        order = np.r_[np.flatnonzero(had_row), np.flatnonzero(~had_row)]
        after = winners.take(pa.array(order, pa.int64()))
        kinds = np.concatenate([np.full(before.num_rows, UPDATE_BEFORE), np.full(int(had_row.sum()), UPDATE_AFTER),
                                np.full(int((~had_row).sum()), INSERT)]).astype(np.int8)
        out = ChangeBatch(pa.concat_tables([before, after]), kinds)
        return [out] if out.num_rows else []

    def _store(self, ids: np.ndarray, times: np.ndarray, rows: pa.Table) -> None:
        values = self.state.values
        alive = self.alive.value.copy()
        old = values["slot"][ids]
        alive[old[old >= 0]] = False
        base = len(alive)
        values["slot"][ids] = np.arange(base, base + len(ids))
        values["time"][ids] = times
        self._set_rows(pa.concat_tables([self.rows.value, rows]), np.r_[alive, np.ones(len(ids), dtype=bool)],
                       np.r_[self.row_keys.value, ids])

    def _set_rows(self, table: pa.Table, alive: np.ndarray, row_keys: np.ndarray) -> None:
        if alive.sum() * 2 < len(alive) or (table.num_columns and table.column(0).num_chunks > 64):
            keep = np.flatnonzero(alive)
            table = table.take(pa.array(keep, pa.int64())).combine_chunks()
            row_keys = row_keys[keep]
            alive = np.ones(len(keep), dtype=bool)
            self.state.values["slot"][row_keys] = np.arange(len(keep))
        self.rows.value, self.alive.value, self.row_keys.value = table, alive, row_keys

    def _fire(self, watermark: int) -> list[ChangeBatch]:
        """Keep first, event time: send the waiting first rows the watermark has reached."""
        values = self.state.values
        row_keys = self.row_keys.value
        due = self.alive.value & (values["time"][row_keys] <= watermark)
        if not due.any():
            return []
        index = np.flatnonzero(due)
        out = self.rows.value.take(pa.array(index, pa.int64()))
        keys = row_keys[index]
        values["emitted"][keys] = True
        values["slot"][keys] = -1
        alive = self.alive.value.copy()
        alive[index] = False
        self._set_rows(self.rows.value, alive, row_keys)
        return [ChangeBatch(out)]


def _best_per_key(ids: np.ndarray, times: np.ndarray, keep_last: bool) -> np.ndarray:
    """Row index of each key's first (earliest time, then arrival) or last (latest time, then
    arrival) row in the batch."""
    arrival = np.arange(len(ids))
    order = np.lexsort((arrival, times, ids))
    sorted_ids = ids[order]
    if keep_last:
        last = np.r_[sorted_ids[1:] != sorted_ids[:-1], True]
        return order[last]
    first = np.r_[True, sorted_ids[1:] != sorted_ids[:-1]]
    return order[first]
