"""Rank: incremental Top-N (``ROW_NUMBER`` / ``RANK`` / ``DENSE_RANK``) per partition, also the
runtime of a streaming ``ORDER BY ... LIMIT`` (one partition) and of deduplication over an
updating input.

Changelog contract: accepts +I/-U/+U/-D. For each batch, the partitions it touches are re-ranked
from their state rows plus the batch's inserts minus its retractions (matched by content), and
the rows in [rank_start, rank_end] before and after are compared as multisets: a row now missing
is sent as -D, a new one as +I, and when the rank number is output a row whose number changed as
-U (old number) / +U (new number). Rows that merely move inside the range produce nothing when
the rank number is not output. Retractions come first in each output batch, so consumers keyed
on the rank never see a key twice. Ties in ROW_NUMBER are broken by arrival (earlier first).

State (in the state backend): the rows of every partition with their partition id, arrival
sequence and last rank, held as one Arrow table with numpy side columns and a liveness mask
(re-ranked partitions append their new rows and kill the old ones; the table is compacted when
half of it is dead). Over an insert-only input only rows ranked within ``rank_end`` are kept (a
later insert can only push ranks down); over an updating input every row is kept, so that when a
top row is retracted the next one can move in.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from flowsql.common.changes import DELETE, INSERT, UPDATE_AFTER, UPDATE_BEFORE, ChangeBatch
from flowsql.exec.operator import Operator, RuntimeContext
from flowsql.exec.state.key_index import KeyIndex

_EMPTY = np.zeros(0, dtype=np.int64)


class RankOperator(Operator):
    name = "Rank"

    def __init__(self, operator_id: str, rank_type: str, partition_keys: tuple[int, ...],
                 order_keys: tuple[tuple[int, bool, bool], ...], rank_start: int, rank_end: int,
                 output_rank: bool, keep_all_rows: bool, input_schema: pa.Schema, schema: pa.Schema) -> None:
        super().__init__()
        self.operator_id = operator_id
        self.rank_type = rank_type
        self.partition_keys, self.order_keys = partition_keys, order_keys
        self.rank_start, self.rank_end = rank_start, rank_end
        self.output_rank = output_rank
        self.keep_all_rows = keep_all_rows
        self.input_schema = input_schema
        self.schema = schema

    def open(self, context: RuntimeContext) -> None:
        super().open(context)
        state = context.state
        self.partitions = state.keyed_state(self.operator_id, "partitions", len(self.partition_keys))
        self.rows = state.value_state(self.operator_id, "rows", None)  # Arrow table of input rows
        self.side = state.value_state(self.operator_id, "side", None)  # pid, seq, rank, alive arrays
        self.sequence = state.value_state(self.operator_id, "sequence", 0)
        if self.rows.value is None:
            self.rows.value = self.input_schema.empty_table()
            self.side.value = {"pid": _EMPTY, "seq": _EMPTY, "rank": _EMPTY, "alive": np.zeros(0, dtype=bool)}

    def state_size(self) -> int:
        return int(self.side.value["alive"].sum())

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if not batch.num_rows:
            return []
        table = batch.table.cast(self.input_schema) if batch.table.schema != self.input_schema else batch.table
        pids = (self.partitions.lookup([table.column(k) for k in self.partition_keys]) if self.partition_keys
                else np.zeros(table.num_rows, dtype=np.int64))
        touched = np.unique(pids)
        side = self.side.value
        old_mask = side["alive"] & np.isin(side["pid"], touched)
        old_index = np.flatnonzero(old_mask)
        old = self.rows.value.take(pa.array(old_index, pa.int64()))
        old_pid, old_seq, old_rank = side["pid"][old_index], side["seq"][old_index], side["rank"][old_index]

        positive = batch.signs() > 0
        added = np.flatnonzero(positive)
        start = self.sequence.value
        self.sequence.value += len(added)
        candidates = pa.concat_tables([old, table.take(pa.array(added, pa.int64()))])
        cand_pid = np.concatenate([old_pid, pids[added]])
        cand_seq = np.concatenate([old_seq, np.arange(start, start + len(added), dtype=np.int64)])
        if not positive.all():
            retracted = table.filter(pa.array(~positive))
            survive = ~_multiset_member(candidates, retracted)
            candidates = candidates.filter(pa.array(survive))
            cand_pid, cand_seq = cand_pid[survive], cand_seq[survive]

        ranks = rank_within_partitions(candidates, cand_pid, cand_seq, self.order_keys, self.rank_type)
        kept = np.ones(len(ranks), dtype=bool) if self.keep_all_rows else ranks <= self.rank_end
        self._store(old_mask, candidates.filter(pa.array(kept)), cand_pid[kept], cand_seq[kept], ranks[kept])

        in_old = (old_rank >= self.rank_start) & (old_rank <= self.rank_end)
        in_new = (ranks >= self.rank_start) & (ranks <= self.rank_end)
        before = self._output(old.filter(pa.array(in_old)), old_rank[in_old])
        after = self._output(candidates.filter(pa.array(in_new)), ranks[in_new])
        out = changelog_difference(before, after, self.output_rank)
        return [out] if out.num_rows else []

    def _output(self, rows: pa.Table, ranks: np.ndarray) -> pa.Table:
        if self.output_rank:
            rows = rows.append_column(self.schema.names[-1], pa.array(ranks, pa.int64()))
        return rows.rename_columns(self.schema.names).cast(self.schema)

    def _store(self, dead: np.ndarray, rows: pa.Table, pid: np.ndarray, seq: np.ndarray, rank: np.ndarray) -> None:
        side = self.side.value
        alive = side["alive"] & ~dead
        table = pa.concat_tables([self.rows.value, rows])
        side = {"pid": np.concatenate([side["pid"], pid]), "seq": np.concatenate([side["seq"], seq]),
                "rank": np.concatenate([side["rank"], rank]),
                "alive": np.concatenate([alive, np.ones(len(pid), dtype=bool)])}
        live = int(side["alive"].sum())
        if live * 2 < len(side["alive"]) or table.num_columns and table.column(0).num_chunks > 64:
            index = np.flatnonzero(side["alive"])
            table = table.take(pa.array(index, pa.int64())).combine_chunks()
            side = {k: v[index] for k, v in side.items()}
        self.rows.value, self.side.value = table, side


def rank_within_partitions(table: pa.Table, pids: np.ndarray, seqs: np.ndarray,
                           order_keys: tuple[tuple[int, bool, bool], ...], rank_type: str) -> np.ndarray:
    """Each row's ROW_NUMBER / RANK / DENSE_RANK within its partition id, ordered by the keys (with
    their own NULL placement), ties in arrival sequence."""
    n = table.num_rows
    if not n:
        return _EMPTY
    columns, sort_keys = {"p": pids}, [("p", "ascending")]
    for j, (index, ascending, nulls_first) in enumerate(order_keys):
        column = table.column(index)
        columns[f"n{j}"] = np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=np.uint8)
        sort_keys.append((f"n{j}", "descending" if nulls_first else "ascending"))
        columns[f"v{j}"] = column
        sort_keys.append((f"v{j}", "ascending" if ascending else "descending"))
    columns["s"] = seqs
    sort_keys.append(("s", "ascending"))
    order = pc.sort_indices(pa.table(columns), sort_keys=sort_keys).to_numpy()
    sorted_pids = pids[order]
    position = np.arange(n)
    new_partition = np.r_[True, sorted_pids[1:] != sorted_pids[:-1]]
    partition_start = np.maximum.accumulate(np.where(new_partition, position, 0))
    if rank_type == "ROW_NUMBER":
        ranked = position - partition_start + 1
    else:
        new_group = new_partition.copy()
        for j in range(len(order_keys)):
            values = columns[f"v{j}"].take(pa.array(order, pa.int64()))
            nulls = columns[f"n{j}"][order].astype(bool)
            same = pc.fill_null(pc.equal(values[1:], values[:-1]), False).to_numpy(zero_copy_only=False)
            same = same | (nulls[1:] & nulls[:-1])
            new_group[1:] |= ~same
        if rank_type == "RANK":
            ranked = np.maximum.accumulate(np.where(new_group, position, 0)) - partition_start + 1
        else:  # DENSE_RANK
            groups = np.cumsum(new_group)
            ranked = groups - groups[partition_start] + 1
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = ranked
    return ranks


def _occurrences(ids: np.ndarray) -> np.ndarray:
    """For each element, how many equal ids come before it (0 for the first of each)."""
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    position = np.arange(len(ids))
    first = np.maximum.accumulate(np.where(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]], position, 0))
    out = np.empty(len(ids), dtype=np.int64)
    out[order] = position - first
    return out


def _content_keys(a: pa.Table, b: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Multiset identities of the rows of two same-schema tables: (content id, occurrence) packed
    into one int64, so equal rows match one for one."""
    both = pa.concat_tables([a, b]) if a.schema == b.schema else pa.concat_tables([a, b.cast(a.schema)])
    ids = KeyIndex(both.num_columns).lookup(both.columns) if both.num_columns else np.zeros(both.num_rows, np.int64)
    ka, kb = ids[: a.num_rows], ids[a.num_rows:]
    scale = max(a.num_rows, b.num_rows) + 1
    return ka * scale + _occurrences(ka), kb * scale + _occurrences(kb)


def _multiset_member(rows: pa.Table, removed: pa.Table) -> np.ndarray:
    """Which rows the ``removed`` multiset takes away (one row per removed row)."""
    if not removed.num_rows or not rows.num_rows:
        return np.zeros(rows.num_rows, dtype=bool)
    keys, removed_keys = _content_keys(rows, removed)
    return np.isin(keys, removed_keys)


def changelog_difference(before: pa.Table, after: pa.Table, last_is_rank: bool) -> ChangeBatch:
    """The smallest changelog turning the multiset ``before`` into ``after``: -D / +I for rows
    leaving / entering, and, when the last column is a rank number, -U / +U pairs for rows that
    only changed it. Retractions first."""
    if not before.num_rows and not after.num_rows:
        return ChangeBatch(after)
    key_before, key_after = _content_keys(before, after)
    gone = before.filter(pa.array(~np.isin(key_before, key_after)))
    new = after.filter(pa.array(~np.isin(key_after, key_before)))
    moved_out = np.zeros(gone.num_rows, dtype=bool)
    moved_in = np.zeros(new.num_rows, dtype=bool)
    if last_is_rank and gone.num_rows and new.num_rows:
        width = gone.num_columns - 1
        pair_gone, pair_new = _content_keys(gone.select(range(width)), new.select(range(width)))
        moved_out, moved_in = np.isin(pair_gone, pair_new), np.isin(pair_new, pair_gone)
        # Each -U is followed (in the same order) by the +U of the same row.
        gone_order = np.r_[np.flatnonzero(~moved_out), np.flatnonzero(moved_out)[np.argsort(pair_gone[moved_out])]]
        new_order = np.r_[np.flatnonzero(moved_in)[np.argsort(pair_new[moved_in])], np.flatnonzero(~moved_in)]
        gone, moved_out = gone.take(pa.array(gone_order, pa.int64())), moved_out[gone_order]
        new, moved_in = new.take(pa.array(new_order, pa.int64())), moved_in[new_order]
    kinds = np.concatenate([np.where(moved_out, UPDATE_BEFORE, DELETE), np.where(moved_in, UPDATE_AFTER, INSERT)])
    return ChangeBatch(pa.concat_tables([gone, new]), kinds.astype(np.int8))
