"""GroupAggregate: GROUP BY over a changelog.

Accepts +I/-U/+U/-D. Per batch, every touched group is updated once, then emits +I for a group
that appears, -U (old) / +U (new) when its result changed, -D (old) when its last row was
retracted. A global aggregate (no keys) always has its one row, emitted before any input, so
that an empty input still yields SQL's single row (bounded = unbounded).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flowsql.common.changes import DELETE, INSERT, UPDATE_AFTER, UPDATE_BEFORE, ChangeBatch
from flowsql.common.types import DataType
from flowsql.exec import engine
from flowsql.exec.operator import Operator, RuntimeContext
from flowsql.exec.operators.accumulators import BatchInput, make_accumulator
from flowsql.exec.operators.group_ttl import GroupStateTtl
from flowsql.planner.expressions import AggregateCall


class GroupAggregate(Operator):
    name = "GroupAggregate"

    def __init__(self, operator_id: str, key_count: int, aggregates: tuple[AggregateCall, ...],
                 input_types: list[DataType], input_insert_only: bool, output_schema: pa.Schema,
                 state_ttl_ms: int = 0) -> None:
        super().__init__()
        self.state_ttl_ms = state_ttl_ms  # 0: groups are kept forever
        self.operator_id = operator_id
        self.key_count = key_count
        self.aggregates = aggregates
        self.input_types = input_types
        self.input_insert_only = input_insert_only
        self.output_schema = output_schema
        self.emitted_global = False

    def open(self, context: RuntimeContext) -> None:
        super().open(context)
        self.state = context.state.keyed_state(self.operator_id, "groups", self.key_count)
        self.state.values.define("rows", np.int64, 0)
        connection = engine.connect()
        self.accumulators = [
            make_accumulator(call, [self.input_types[a] for a in call.args], self.state, f"agg{i}",
                             self.input_insert_only, connection)
            for i, call in enumerate(self.aggregates)
        ]
        if self.key_count == 0:
            self.state.lookup([])
            self.state.values.ensure(1)
        self.emitted_global = context.state.value_state(self.operator_id, "global-emitted", False)
        self.ttl = GroupStateTtl(self.state_ttl_ms, self.state, self.accumulators) if self.state_ttl_ms else None

    def state_size(self) -> int:
        return int((self.state.values["rows"][: self.state.keys.size] > 0).sum())

    def _results(self, ids: np.ndarray) -> list[pa.Array]:
        return [acc.results(ids) for acc in self.accumulators]

    def _initial(self) -> list[ChangeBatch]:
        if self.key_count == 0 and not self.emitted_global.value:
            self.emitted_global.value = True
            ids = np.zeros(1, dtype=np.int64)
            return [ChangeBatch(pa.Table.from_arrays(self._results(ids), schema=self.output_schema))]
        return []

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        out = self._initial()
        if batch.num_rows == 0:
            return out
        table = batch.table
        keys = [table.column(i) for i in range(self.key_count)]
        ids = self.state.lookup(keys) if self.key_count else np.zeros(batch.num_rows, dtype=np.int64)
        signs = batch.signs()
        if self.ttl is not None:
            now = self.context.clock.now_ms()
            signs, restarted = self.ttl.before_batch(ids, signs, now)
        touched, first_rows = _distinct_with_first_row(ids)
        rows = self.state.values["rows"]
        old_rows = rows[touched].copy()
        existed = old_rows > 0 if self.key_count else np.ones(len(touched), dtype=bool)
        if self.ttl is not None and not self.key_count and len(restarted):
            existed[:] = False  # the global row's state expired: it starts over with +I, as in Flink
        old_results = self._results(touched) if existed.any() else None
        inp = BatchInput(ids, signs, table.columns)
        rows[touched] += np.bincount(ids, weights=signs)[touched].astype(np.int64)
        for call, acc in zip(self.aggregates, self.accumulators):
            if call.filter_arg is None:
                weight = np.ones(batch.num_rows, dtype=np.int64)
            else:
                weight = table.column(call.filter_arg).fill_null(False).to_numpy(zero_copy_only=False).astype(np.int64)
            acc.update(inp, weight)
        new_rows = rows[touched]
        exists = new_rows > 0 if self.key_count else np.ones(len(touched), dtype=bool)
        dead = touched[~exists]
        if len(dead):
            self._reset(dead)
        new_results = self._results(touched)
        key_table = table.select(list(range(self.key_count))).take(pa.array(first_rows))
        new_table = pa.Table.from_arrays(list(key_table.columns) + new_results, schema=self.output_schema)
        if old_results is None:
            old_results = [pa.nulls(len(touched), f.type) for f in self.output_schema][self.key_count:]
        old_table = pa.Table.from_arrays(list(key_table.columns) + old_results, schema=self.output_schema)
        changed = _rows_differ(old_table.columns[self.key_count:], new_table.columns[self.key_count:], len(touched))
        out.append(_emit(old_table, new_table, existed, exists, changed))
        if self.ttl is not None:
            self.ttl.after_batch(ids, signs, now)
        return out

    def _reset(self, ids: np.ndarray) -> None:
        values = self.state.values
        for name, arr in values.arrays.items():
            if name != "rows":
                arr[ids] = values.defaults[name]

    def finish(self) -> list[ChangeBatch]:
        return self._initial()


def _distinct_with_first_row(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ids (by hashing, not sorting) and the row where each first occurs."""
    codes, distinct = pd.factorize(ids)
    first = np.empty(len(distinct), dtype=np.int64)
    positions = np.arange(len(ids), dtype=np.int64)
    first[codes[::-1]] = positions[::-1]  # with repeated indices the last write wins: the first row
    return distinct.astype(np.int64, copy=False), first


def _rows_differ(old: list, new: list, n: int) -> np.ndarray:
    differ = np.zeros(n, dtype=bool)
    for a, b in zip(old, new):
        if pa.types.is_nested(a.type):
            # no comparison kernel for ROW/ARRAY/MAP results: compare the (few) touched groups' values
            differ |= np.array([x != y for x, y in zip(a.to_pylist(), b.to_pylist())], dtype=bool)
            continue
        a_null = pc.is_null(a).to_numpy(zero_copy_only=False)
        b_null = pc.is_null(b).to_numpy(zero_copy_only=False)
        ne = pc.not_equal(a, b).fill_null(False).to_numpy(zero_copy_only=False)
        differ |= (a_null != b_null) | ne
    return differ


def _emit(old: pa.Table, new: pa.Table, existed: np.ndarray, exists: np.ndarray, changed: np.ndarray) -> ChangeBatch:
    """Interleave per group: -U old then +U new for updates, +I new for inserts, -D old for deletes."""
    inserts = ~existed & exists
    deletes = existed & ~exists
    updates = existed & exists & changed
    old_pos = np.flatnonzero(deletes | updates)
    new_pos = np.flatnonzero(inserts | updates)
    n = len(existed)
    position = np.concatenate([old_pos, new_pos])
    order_in_group = np.concatenate([np.zeros(len(old_pos)), np.ones(len(new_pos))])
    source = np.concatenate([old_pos, n + new_pos])
    kinds = np.concatenate([np.where(deletes[old_pos], DELETE, UPDATE_BEFORE),
                            np.where(inserts[new_pos], INSERT, UPDATE_AFTER)]).astype(np.int8)
    order = np.lexsort((order_in_group, position))
    both = pa.concat_tables([old, new])
    return ChangeBatch(both.take(pa.array(source[order], pa.int64())), kinds[order])
