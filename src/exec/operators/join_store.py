"""One join input's state: its rows with multiplicities, findable by join key a batch at a time.

Rows are kept as *entries* (an Arrow row, a join key id, a multiplicity and, for sides whose
unmatched rows an outer, semi or anti join emits, the number of matching rows on the other side).
Entries live in sorted runs that merge like a binary counter (as ``KeyIndex`` does), so appending
costs amortized O(log n) per row and probing a batch is a few ``searchsorted`` calls per run.

While a side has only seen inserts, every row is its own entry and nothing else is indexed. The
first retraction builds an index from row content to entry (over every column), folding equal
rows into one entry; from then on multiplicities count up and down. An entry whose multiplicity
reaches zero stays (never matched) until the same row comes back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from flowsql.exec.state.backend import ValueArrays


@dataclass
class _Run:
    table: pa.Table  # entries base .. base + len, one chunk
    keys_sorted: np.ndarray
    order: np.ndarray  # local positions sorted by key
    base: int


class JoinSideStore:
    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.runs: list[_Run] = []
        self.entries = ValueArrays()
        self.entries.define("key", np.int64, -1)
        self.entries.define("count", np.int64, 0)
        self.entries.define("matches", np.int64, 0)
        self.size = 0
        self.row_index = None  # KeyIndex over every column, once a retraction arrived
        self.rows = ValueArrays()  # row id -> entry
        self.rows.define("entry", np.int64, -1)

    # -- reading ------------------------------------------------------------------------
    @property
    def count(self) -> np.ndarray:
        return self.entries["count"]

    @property
    def matches(self) -> np.ndarray:
        return self.entries["matches"]

    def live_rows(self) -> int:
        return int(self.count[: self.size].sum())

    def probe(self, keys: np.ndarray) -> list[tuple[_Run, np.ndarray, np.ndarray]]:
        """Live entries with each probe key: per run, (probe row index, local position) pairs.
        Keys < 0 (NULL) match nothing."""
        out = []
        valid = keys >= 0
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

    def take(self, entries: np.ndarray) -> pa.Table:
        """Rows of the given entries, in that order."""
        bases = np.array([r.base for r in self.runs], dtype=np.int64)
        which = np.searchsorted(bases, entries, "right") - 1
        if len(self.runs) == 1 or (len(which) and (which == which[0]).all()):
            run = self.runs[int(which[0])] if len(which) else self.runs[0]
            return run.table.take(pa.array(entries - run.base, pa.int64()))
        parts, positions = [], []
        for i in np.unique(which):
            sel = np.flatnonzero(which == i)
            run = self.runs[int(i)]
            parts.append(run.table.take(pa.array(entries[sel] - run.base, pa.int64())))
            positions.append(sel)
        table = pa.concat_tables(parts)
        inverse = np.empty(len(entries), dtype=np.int64)
        inverse[np.concatenate(positions)] = np.arange(len(entries), dtype=np.int64)
        return table.take(pa.array(inverse, pa.int64()))

    # -- writing ------------------------------------------------------------------------
    def add(self, table: pa.Table, keys: np.ndarray, signs: np.ndarray,
            matches: np.ndarray | None) -> None:
        """Apply a batch of this side's changes. ``matches`` (per row) is the current number of
        matching rows on the other side, for sides that track it."""
        if self.row_index is None and (signs > 0).all():
            first = self._append(table, keys)
            self.count[first: self.size] = 1
            if matches is not None:
                self.matches[first: self.size] = matches
            return
        self._ensure_row_index()
        row_ids = self.row_index.lookup(list(table.columns))
        self.rows.ensure(self.row_index.size)
        entry_of_row = self.rows["entry"]
        entries = entry_of_row[row_ids]
        new = entries < 0
        if new.any():
            codes, uniques = pd.factorize(row_ids[new])
            first_rows = np.empty(len(uniques), dtype=np.int64)
            positions = np.flatnonzero(new)
            first_rows[codes[::-1]] = positions[::-1]
            start = self._append(table.take(pa.array(first_rows, pa.int64())), keys[first_rows])
            entry_of_row = self.rows["entry"]
            entry_of_row[uniques] = np.arange(start, self.size, dtype=np.int64)
            entries = entry_of_row[row_ids]
        count = self.count
        np.add.at(count, entries, signs)
        np.maximum(count, 0, out=count)  # a retraction of a row never seen is ignored
        if matches is not None:
            self.matches[entries] = matches

    def _append(self, table: pa.Table, keys: np.ndarray) -> int:
        start = self.size
        n = table.num_rows
        self.entries.ensure(start + n)
        self.size = start + n
        self.entries["key"][start: self.size] = keys
        order = np.argsort(keys, kind="stable")
        self.runs.append(_Run(table.combine_chunks(), keys[order], order, start))
        while len(self.runs) > 1 and self.runs[-1].table.num_rows * 2 >= self.runs[-2].table.num_rows:
            newer, older = self.runs.pop(), self.runs.pop()
            merged_keys = self.entries["key"][older.base: older.base + older.table.num_rows + newer.table.num_rows]
            order = np.argsort(merged_keys, kind="stable")
            table = pa.concat_tables([older.table, newer.table]).combine_chunks()
            self.runs.append(_Run(table, merged_keys[order], order, older.base))
        return start

    def _ensure_row_index(self) -> None:
        if self.row_index is not None:
            return
        from flowsql.exec.state.key_index import KeyIndex

        self.row_index = KeyIndex(len(self.schema))
        if not self.size:
            return
        table = pa.concat_tables([r.table for r in self.runs])
        row_ids = self.row_index.lookup(list(table.columns))
        self.rows.ensure(self.row_index.size)
        # Fold equal rows into the first entry holding them.
        codes, uniques = pd.factorize(row_ids)
        first = np.empty(len(uniques), dtype=np.int64)
        positions = np.arange(len(row_ids), dtype=np.int64)
        first[codes[::-1]] = positions[::-1]
        canonical = first[codes]
        count = self.count
        totals = np.bincount(canonical, weights=count[: self.size], minlength=self.size).astype(np.int64)
        count[: self.size] = 0
        count[first] = totals[first]
        self.rows["entry"][uniques] = first
