"""TemporalJoin: an event-time temporal join of a left changelog with a versioned table.

Changelog contract: accepts any changelog on both inputs. A right row is a version of its primary
key: +I / +U open a version at the row's time, -D closes the key's version at its time (a
tombstone), -U is skipped (the +U after it opens the next version), as in Flink; at equal times
the later arrival wins. Left rows wait until the watermark (the minimum of both inputs') passes
their time; then each meets the version valid at that time (the latest at or before it) and is
emitted with its own row kind. Rows without a version, or whose version fails the residual
condition, are dropped (INNER) or padded with NULLs (LEFT). So the output changelog is the left
input's: insert-only when the left input is.

State (in the state backend): the key index (primary key → id), the versions (rows, key ids,
times, arrival numbers, tombstone flags) and the waiting left rows. At watermark W the emitted
left rows are freed and, per key, only the version valid at W and later ones are kept.

Matching is vectorized: times are ranked, each (key id, time rank) folded into one int64, and
every left row finds its version with one ``searchsorted`` over the sorted versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from flowsql.common.changes import DELETE, UPDATE_BEFORE, ChangeBatch
from flowsql.exec.operator import Operator, RuntimeContext
from flowsql.exec.operators.join import _common_key_type, _conform
from flowsql.exec.operators.temporal_parts import KeyColumns, Residual, assemble, null_rows, take_or_null
from flowsql.exec.operators.window_buffer import epoch_ms
from flowsql.planner.expressions import Expr, InputRef


@dataclass
class RowBuffer:
    """Arrow rows with named per-row numpy columns. Appends wait as chunks and are joined when the
    buffer is next read, so taking in a batch costs O(batch), not O(everything held)."""

    rows: pa.Table
    columns: dict[str, np.ndarray]
    pending: list[tuple[pa.Table, dict[str, np.ndarray]]] = field(default_factory=list)

    def __len__(self) -> int:
        return self.rows.num_rows + sum(t.num_rows for t, _ in self.pending)

    def append(self, rows: pa.Table, **columns: np.ndarray) -> None:
        if rows.num_rows:
            self.pending.append((rows, columns))

    def settle(self) -> RowBuffer:
        if self.pending:
            self.rows = pa.concat_tables([self.rows] + [t for t, _ in self.pending]).combine_chunks()
            self.columns = {name: np.concatenate([values] + [c[name] for _, c in self.pending])
                            for name, values in self.columns.items()}
            self.pending = []
        return self

    def keep(self, mask: np.ndarray) -> None:
        self.settle()
        if not mask.all():
            self.rows = self.rows.filter(pa.array(mask))
            self.columns = {name: values[mask] for name, values in self.columns.items()}


def versions_buffer(schema: pa.Schema) -> RowBuffer:
    """The versioned table's retained versions: key id, time, arrival number, tombstone flag."""
    empty = np.zeros(0, dtype=np.int64)
    return RowBuffer(schema.empty_table(), {"key": empty, "time": empty, "seq": empty,
                                            "tombstone": np.zeros(0, dtype=bool)})


def version_at(versions: RowBuffer, key: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Per (key, time): the index of the version valid then, or -1 (none, or a tombstone)."""
    v = versions.settle().columns
    if not len(v["key"]) or not len(key):
        return np.full(len(key), -1, dtype=np.int64)
    ranks, inverse = np.unique(np.concatenate([v["time"], time]), return_inverse=True)
    width = len(ranks)
    mine = v["key"] * width + inverse[: len(v["time"])]
    theirs = np.maximum(key, 0) * width + inverse[len(v["time"]):]
    order = np.lexsort((v["seq"], mine))
    position = np.searchsorted(mine[order], theirs, "right") - 1
    found = order[np.maximum(position, 0)]
    ok = (position >= 0) & (key >= 0) & (v["key"][found] == key) & ~v["tombstone"][found]
    return np.where(ok, found, -1)


def expire_versions(versions: RowBuffer, watermark: int) -> None:
    """Drop versions no left row can need any more: per key, all before the one valid at the
    watermark (and that one too when it is a tombstone)."""
    v = versions.settle().columns
    old = np.flatnonzero(v["time"] <= watermark)
    if not len(old):
        return
    order = old[np.lexsort((v["seq"][old], v["time"][old], v["key"][old]))]
    last = np.r_[v["key"][order][1:] != v["key"][order][:-1], True]
    current = order[last]
    keep = v["time"] > watermark
    keep[current[~v["tombstone"][current]]] = True
    versions.keep(keep)


class TemporalJoinOperator(Operator):
    name = "TemporalJoin"

    def __init__(self, operator_id: str, join_type: str, left_keys: tuple[Expr, ...], right_keys: tuple[int, ...],
                 left_time: int, right_time: int, residual: Expr | None, left_schema: pa.Schema,
                 right_schema: pa.Schema, output_schema: pa.Schema, right_key_types: list) -> None:
        super().__init__()
        self.operator_id = operator_id
        self.join_type = join_type
        self.schemas = (left_schema, right_schema)
        self.output_schema = output_schema
        self.left_time, self.right_time = left_time, right_time
        right_exprs = tuple(InputRef(t, k) for k, t in zip(right_keys, right_key_types))
        types = [_common_key_type(a, b) for a, b in zip(left_keys, right_exprs)]
        self.key_columns = (KeyColumns(left_keys, types), KeyColumns(right_exprs, types))
        self.residual = Residual(residual)

    @classmethod
    def from_node(cls, node, schema: pa.Schema) -> TemporalJoinOperator:
        """The operator of a physical TemporalJoin node."""
        from flowsql.exec.job import arrow_schema

        j = node.logical
        return cls(node.operator_id, j.join_type, j.left_keys, j.right_keys, j.left_time, j.right_time, j.residual,
                   arrow_schema(j.left), arrow_schema(j.right), schema, [j.right.fields[k].type for k in j.right_keys])

    def open(self, context: RuntimeContext) -> None:
        super().open(context)
        state = context.state
        self.key_index = state.keyed_state(self.operator_id, "version-keys", len(self.key_columns[0].exprs)).keys
        self.versions = state.value_state(self.operator_id, "versions", None)
        if self.versions.value is None:
            self.versions.value = versions_buffer(self.schemas[1])
        self.arrivals = state.value_state(self.operator_id, "version-arrivals", 0)
        self.waiting = state.value_state(self.operator_id, "waiting-left-rows", None)
        if self.waiting.value is None:
            self.waiting.value = RowBuffer(self.schemas[0].empty_table(), {
                "time": np.zeros(0, dtype=np.int64), "kinds": np.zeros(0, dtype=np.int8)})

    def state_size(self) -> int:
        return len(self.versions.value) + len(self.waiting.value)

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if not batch.num_rows:
            return []
        table = _conform(batch.table, self.schemas[input_index])
        kinds = batch.kind_array()
        if input_index == 0:
            self.waiting.value.append(table, time=_times(table.column(self.left_time)), kinds=kinds)
            return []
        keep = kinds != UPDATE_BEFORE
        columns = self.key_columns[1].columns(table)
        times = table.column(self.right_time)
        keep &= ~null_rows(columns + [times], table.num_rows)
        if not keep.all():
            table, kinds = table.filter(pa.array(keep)), kinds[keep]
            columns = [c.filter(pa.array(keep)) for c in columns]
        if table.num_rows:
            keys = self.key_index.lookup(columns)
            first, n = self.arrivals.value, table.num_rows
            self.arrivals.value += n
            self.versions.value.append(table, key=keys, time=_times(table.column(self.right_time)),
                                       seq=np.arange(first, first + n, dtype=np.int64), tombstone=kinds == DELETE)
        return []

    def on_watermark(self, watermark: int) -> list[ChangeBatch]:
        waiting = self.waiting.value.settle()
        due = waiting.columns["time"] <= watermark
        out = []
        if due.any():
            out = self._join(waiting.rows.filter(pa.array(due)), waiting.columns["time"][due],
                             waiting.columns["kinds"][due])
            waiting.keep(~due)
        expire_versions(self.versions.value, watermark)
        return out

    def _join(self, rows: pa.Table, times: np.ndarray, kinds: np.ndarray) -> list[ChangeBatch]:
        columns = self.key_columns[0].columns(rows)
        keys = self.key_index.lookup(columns, insert=False)
        keys = np.where(null_rows(columns, rows.num_rows) | (times == _NULL_TIME), -1, keys)
        versions = self.versions.value
        found = version_at(versions, keys, times)
        right = take_or_null(versions.rows, found)
        matched = (found >= 0) & self.residual.passes(rows, right)
        if self.join_type == "INNER":
            if not matched.all():
                rows, right, kinds = rows.filter(pa.array(matched)), right.filter(pa.array(matched)), kinds[matched]
        elif not matched.all():
            right = take_or_null(versions.rows, np.where(matched, found, -1))
        if not rows.num_rows:
            return []
        return [ChangeBatch(assemble(rows, right, self.output_schema), None if not kinds.any() else kinds)]


_NULL_TIME = np.iinfo(np.int64).min  # a row without a time: joined with nothing


def _times(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Epoch milliseconds; a NULL time becomes the smallest value (due at once, matching nothing)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if column.null_count:
        nulls = column.is_null().to_numpy(zero_copy_only=False)
        values = epoch_ms(column.fill_null(pa.scalar(0, pa.int64()).cast(pa.timestamp("ms")).cast(column.type)))
        return np.where(nulls, _NULL_TIME, values)
    return epoch_ms(column)
