"""One join input's state: its rows with multiplicities, findable by join key a batch at a time.

Rows are kept as *entries* (an Arrow row, a join key id, a multiplicity and, for sides whose
unmatched rows an outer, semi or anti join emits, the number of matching rows on the other side).
Entries live in sorted runs that merge like a binary counter (as ``KeyIndex`` does), so appending
costs amortized O(log n) per row and probing a batch is a few ``searchsorted`` calls per run.

Every inserted row is its own entry (multiplicity 1). A retraction finds a live entry with the same
join key and equal columns among the key's entries (so no index over whole rows is needed) and
sets its multiplicity to 0; dead entries are skipped by probes (compaction is future work).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from flowsql.exec.state.backend import ValueArrays

_NULL_KEY = -1  # the key of rows with a NULL join key: stored (to be retracted), never matched


@dataclass
class _Run:
    table: pa.Table  # entries base .. base + len (the chunks of the batches that made the run)
    keys_sorted: np.ndarray
    order: np.ndarray  # local positions sorted by key
    base: int


def take_rows(table: pa.Table, rows: np.ndarray) -> pa.Table:
    """``table.take(rows)`` for a run's table, a chain of many batches: Arrow's take would first
    concatenate the whole chain (a copy of the run for every probe), so the rows are taken from
    each batch they fall in and put back in the asked order."""
    batches = table.to_batches() if table.num_columns else []
    if len(batches) <= 1 or len(rows) == 0:
        return table.take(pa.array(rows, pa.int64()))
    offsets = np.cumsum([0] + [b.num_rows for b in batches])
    which = np.searchsorted(offsets, rows, "right") - 1
    order = np.argsort(which, kind="stable")
    grouped = which[order]
    bounds = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1], True])
    parts = [batches[grouped[s]].take(pa.array(rows[order[s:e]] - offsets[grouped[s]], pa.int64()))
             for s, e in zip(bounds[:-1], bounds[1:])]
    taken = pa.Table.from_batches(parts, schema=table.schema).combine_chunks()
    if (np.diff(order) > 0).all():  # already in the asked order
        return taken
    inverse = np.empty(len(rows), dtype=np.int64)
    inverse[order] = np.arange(len(rows), dtype=np.int64)
    return taken.take(pa.array(inverse, pa.int64()))


class JoinSideStore:
    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.runs: list[_Run] = []
        self.entries = ValueArrays()
        self.entries.define("key", np.int64, -1)
        self.entries.define("count", np.int64, 0)
        self.entries.define("matches", np.int64, 0)
        self.size = 0

    # -- reading ------------------------------------------------------------------------
    @property
    def count(self) -> np.ndarray:
        return self.entries["count"]

    @property
    def matches(self) -> np.ndarray:
        return self.entries["matches"]

    def live_rows(self) -> int:
        return int(self.count[: self.size].sum())

    def probe(self, keys: np.ndarray, include_null_keys: bool = False) -> list[tuple[_Run, np.ndarray, np.ndarray]]:
        """Live entries with each probe key: per run, (probe row index, local position) pairs.
        Keys < 0 (NULL) match nothing, unless ``include_null_keys`` (to find a row to retract)."""
        out = []
        valid = keys >= 0 if not include_null_keys else np.ones(len(keys), dtype=bool)
        count = self.count
        for run in self.runs:
            lo = np.searchsorted(run.keys_sorted, keys, "left")
            hi = np.searchsorted(run.keys_sorted, keys, "right")
            n = np.where(valid, hi - lo, 0)
            total = int(n.sum())
            if not total:
                continue
            probe_rows = np.repeat(np.arange(len(keys), dtype=np.int64), n)
            starts = np.repeat(lo - (np.cumsum(n) - n), n)
            local = run.order[starts + np.arange(total, dtype=np.int64)]
            alive = count[run.base + local] > 0
            if not alive.all():
                probe_rows, local = probe_rows[alive], local[alive]
            if len(local):
                out.append((run, probe_rows, local))
        return out

    def take(self, entries: np.ndarray, columns: list[int] | None = None) -> pa.Table:
        """Rows of the given entries, in that order (only ``columns``, when given)."""
        bases = np.array([r.base for r in self.runs], dtype=np.int64)
        which = np.searchsorted(bases, entries, "right") - 1

        def table(run: _Run) -> pa.Table:
            return run.table if columns is None else run.table.select(columns)

        if len(self.runs) == 1 or (len(which) and (which == which[0]).all()):
            run = self.runs[int(which[0])] if len(which) else self.runs[0]
            return take_rows(table(run), entries - run.base)
        parts, positions = [], []
        for i in np.unique(which):
            sel = np.flatnonzero(which == i)
            run = self.runs[int(i)]
            parts.append(take_rows(table(run), entries[sel] - run.base))
            positions.append(sel)
        table = pa.concat_tables(parts)
        inverse = np.empty(len(entries), dtype=np.int64)
        inverse[np.concatenate(positions)] = np.arange(len(entries), dtype=np.int64)
        return table.take(pa.array(inverse, pa.int64()))

    # -- writing ------------------------------------------------------------------------
    def add(self, table: pa.Table, keys: np.ndarray, signs: np.ndarray,
            matches: np.ndarray | None) -> None:
        """Apply a batch of this side's changes: inserts become entries, each retraction removes
        one live entry holding an equal row (a retraction of a row never seen is ignored).
        ``matches`` (per row) is the current number of matching rows on the other side, for sides
        that track it."""
        inserts = np.flatnonzero(signs > 0)
        if len(inserts):
            rows = table if len(inserts) == table.num_rows else table.take(pa.array(inserts, pa.int64()))
            first = self._append(rows, keys[inserts])
            self.count[first: self.size] = 1
            if matches is not None:
                self.matches[first: self.size] = matches[inserts]
        retractions = np.flatnonzero(signs < 0)
        if len(retractions):
            self._retract(table.take(pa.array(retractions, pa.int64())), keys[retractions])

    def _retract(self, rows: pa.Table, keys: np.ndarray) -> None:
        """Find, per retracted row, a live entry with the same key and equal columns; equal
        retracted rows take distinct entries (the k-th such row the k-th candidate)."""
        found = self.probe(np.where(keys < 0, _NULL_KEY, keys), include_null_keys=True)
        if not found:
            return
        probe_rows = np.concatenate([p for _, p, _ in found])
        entries = np.concatenate([run.base + local for run, _, local in found])
        # A key can hold many rows (a supplier's lineitems): compare a column at a time and take
        # the next column only for the candidates still equal, rather than every candidate's row.
        for j in range(rows.num_columns):
            if not len(entries):
                return
            a = rows.column(j).take(pa.array(probe_rows, pa.int64()))
            b = self.take(entries, [j]).column(0)
            same = pc.equal(a, b).fill_null(False).to_numpy(zero_copy_only=False)
            both_null = (pc.is_null(a).to_numpy(zero_copy_only=False) & pc.is_null(b).to_numpy(zero_copy_only=False))
            equal = same | both_null
            probe_rows, entries = probe_rows[equal], entries[equal]
        if not len(entries):
            return
        order = np.lexsort((entries, probe_rows))
        probe_rows, entries = probe_rows[order], entries[order]
        # Equal rows have equal candidate lists, so the first candidate names the group of equal rows.
        starts = np.flatnonzero(np.r_[True, probe_rows[1:] != probe_rows[:-1]])
        lengths = np.diff(np.r_[starts, len(probe_rows)])
        first_candidate = entries[starts]
        rank = pd.Series(first_candidate).groupby(first_candidate).cumcount().to_numpy()
        ok = rank < lengths
        chosen = entries[starts[ok] + rank[ok]]
        self.count[chosen] = 0

    def _append(self, table: pa.Table, keys: np.ndarray) -> int:
        start = self.size
        n = table.num_rows
        self.entries.ensure(start + n)
        self.size = start + n
        self.entries["key"][start: self.size] = np.where(keys < 0, _NULL_KEY, keys)
        order = np.argsort(keys, kind="stable")
        self.runs.append(_Run(table, keys[order], order, start))
        while len(self.runs) > 1 and self.runs[-1].table.num_rows * 2 >= self.runs[-2].table.num_rows:
            newer, older = self.runs.pop(), self.runs.pop()
            # Both runs are sorted by key: a stable sort of the two concatenated runs is a linear
            # merge (timsort), and the rows themselves are only chained, never copied.
            keys_sorted = np.concatenate([older.keys_sorted, newer.keys_sorted])
            merge = np.argsort(keys_sorted, kind="stable")
            order = np.concatenate([older.order, newer.order + older.table.num_rows])[merge]
            table = pa.concat_tables([older.table, newer.table])
            self.runs.append(_Run(table, keys_sorted[merge], order, older.base))
        return start

