"""One join input's state: its rows with multiplicities, findable by join key a batch at a time.

Rows are kept as *entries* (an Arrow row, a join key id, a multiplicity and, for sides whose
unmatched rows an outer, semi or anti join emits, the number of matching rows on the other side).
Entries live in sorted runs that merge like a binary counter (as ``KeyIndex`` does), so appending
costs amortized O(log n) per row and probing a batch is a few ``searchsorted`` calls per run.

Every inserted row is its own entry (multiplicity 1). A retraction finds a live entry with the same
join key and equal columns and sets its multiplicity to 0; dead entries are skipped by probes.
A key can hold a great many rows (every lineitem of a nation), so rows of a changelog input also
get a *fingerprint*, a hash of their fixed-width columns: runs are sorted by (key, fingerprint),
and a retraction compares columns only with the entries of its key and fingerprint. Rows of an
insert-only input skip the hashing; their fingerprint 0 means "unknown" and matches any.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from flowsql.exec.state.backend import ValueArrays

_NULL_KEY = -1  # the key of rows with a NULL join key: stored (to be retracted), never matched
_LOW = np.int64(0xFFFFFFFF)


@dataclass
class _Run:
    table: pa.Table  # entries base .. base + len (the chunks of the batches that made the run)
    keys_sorted: np.ndarray  # sort keys (key << 32 | 32 fingerprint bits), ascending
    order: np.ndarray  # local positions sorted by sort key
    base: int


def _sort_keys(keys: np.ndarray, fingerprints: np.ndarray) -> np.ndarray:
    """Join key ids (dense, far below 2**31) and fingerprints as one sortable int64."""
    return (np.where(keys < 0, _NULL_KEY, keys) << 32) | (fingerprints & _LOW)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: every input bit affects every output bit."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def row_fingerprints(table: pa.Table) -> np.ndarray:
    """A hash per row of its integer, date, time and decimal columns (low 32 bits, never 0 unless
    unknown): rows equal as ``pc.equal`` (with NULL equal to NULL) see them have equal fingerprints.
    Strings and floats are left out (hashing them costs more than comparing the few candidates)."""
    h = np.zeros(table.num_rows, dtype=np.uint64)
    for column in table.columns:
        t = column.type
        if pa.types.is_decimal128(t):
            array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
            words = np.frombuffer(array.buffers()[1], dtype=np.uint64)[2 * array.offset: 2 * (array.offset + len(array))]
            parts = [words[0::2], words[1::2]]
        elif pa.types.is_integer(t) or pa.types.is_date(t) or pa.types.is_timestamp(t) or pa.types.is_time(t):
            as_int = column.cast(pa.int32() if t.bit_width == 32 else pa.int64()) if not pa.types.is_integer(t) else column
            parts = [np.asarray(as_int.fill_null(0)).astype(np.int64).view(np.uint64)]
        else:
            continue
        if column.null_count:
            valid = pc.is_valid(column).to_numpy(zero_copy_only=False)
            parts = [np.where(valid, p, np.uint64(0x9E3779B97F4A7C15)) for p in parts]
        for part in parts:
            h = _mix(h ^ part)
    fingerprints = (h & np.uint64(0xFFFFFFFF)).astype(np.int64)
    return np.where(fingerprints == 0, 1, fingerprints)  # 0 stays "unknown"


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
             for s, e in itertools.pairwise(bounds)]
    taken = pa.Table.from_batches(parts, schema=table.schema).combine_chunks()
    if (np.diff(order) > 0).all():  # already in the asked order
        return taken
    inverse = np.empty(len(rows), dtype=np.int64)
    inverse[order] = np.arange(len(rows), dtype=np.int64)
    return taken.take(pa.array(inverse, pa.int64()))


def _equal_rows(a: pa.Table, b: pa.Table) -> np.ndarray:
    """Per row, whether the two tables hold equal values in every column (NULL equal to NULL)."""
    equal = np.ones(a.num_rows, dtype=bool)
    for x, y in zip(a.columns, b.columns):
        same = pc.equal(x, y).fill_null(False).to_numpy(zero_copy_only=False)
        both_null = pc.is_null(x).to_numpy(zero_copy_only=False) & pc.is_null(y).to_numpy(zero_copy_only=False)
        equal &= same | both_null
    return equal


class JoinSideStore:
    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.runs: list[_Run] = []
        self.entries = ValueArrays()
        self.entries.define("key", np.int64, -1)
        self.entries.define("count", np.int64, 0)
        self.entries.define("matches", np.int64, 0)
        self.size = 0
        self.unknown_fingerprints = False  # whether some entries were stored without a fingerprint

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
        valid = keys >= 0 if not include_null_keys else np.ones(len(keys), dtype=bool)
        low = np.where(keys < 0, _NULL_KEY, keys) << 32
        return self._in_ranges(low, low + (1 << 32), valid)

    def _in_ranges(self, low: np.ndarray, high: np.ndarray,
                   valid: np.ndarray) -> list[tuple[_Run, np.ndarray, np.ndarray]]:
        """Live entries whose sort key is in [low, high) of each valid probe row, per run."""
        out = []
        count = self.count
        # Searching sorted needles walks the run once instead of jumping around it (8x faster on
        # a run of millions); the bounds are then put back in the probe rows' order.
        permutation = np.argsort(low, kind="stable") if len(low) > 64 else None
        if permutation is not None:
            low, high = low[permutation], high[permutation]
        for run in self.runs:
            lo = np.searchsorted(run.keys_sorted, low, "left")
            hi = np.searchsorted(run.keys_sorted, high, "left")
            if permutation is not None:
                lo[permutation], hi[permutation] = lo.copy(), hi.copy()
            n = np.where(valid, hi - lo, 0)
            total = int(n.sum())
            if not total:
                continue
            probe_rows = np.repeat(np.arange(len(low), dtype=np.int64), n)
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
            matches: np.ndarray | None, fingerprint: bool = True) -> None:
        """Apply a batch of this side's changes: inserts become entries, each retraction removes
        one live entry holding an equal row (a retraction of a row never seen is ignored).
        ``matches`` (per row) is the current number of matching rows on the other side, for sides
        that track it; ``fingerprint`` is False for rows of an insert-only input (never retracted)."""
        inserts = np.flatnonzero(signs > 0)
        if len(inserts):
            rows = table if len(inserts) == table.num_rows else table.take(pa.array(inserts, pa.int64()))
            first = self._append(rows, keys[inserts], row_fingerprints(rows) if fingerprint else None)
            self.count[first: self.size] = 1
            if matches is not None:
                self.matches[first: self.size] = matches[inserts]
        retractions = np.flatnonzero(signs < 0)
        if len(retractions):
            self._retract(table.take(pa.array(retractions, pa.int64())), keys[retractions])

    def _retract(self, rows: pa.Table, keys: np.ndarray) -> None:
        """Find, per retracted row, a live entry with the same key and equal columns; equal
        retracted rows take distinct entries (the k-th such row the k-th candidate)."""
        exact = _sort_keys(keys, row_fingerprints(rows))
        everyone = np.ones(len(keys), dtype=bool)
        found = self._in_ranges(exact, exact + 1, everyone)
        if self.unknown_fingerprints:  # entries stored without one
            unknown = _sort_keys(keys, np.zeros(len(keys), dtype=np.int64))
            found += self._in_ranges(unknown, unknown + 1, everyone)
        if not found:
            return
        probe_rows = np.concatenate([p for _, p, _ in found])
        entries = np.concatenate([run.base + local for run, _, local in found])
        # While candidates are many (rows without fixed-width columns to fingerprint), compare a
        # column at a time and take the next one only for candidates still equal; the few left
        # are compared on all remaining columns at once.
        j = 0
        while j < rows.num_columns and len(entries) > 4 * rows.num_rows + 256:
            equal = _equal_rows(rows.select([j]).take(pa.array(probe_rows, pa.int64())), self.take(entries, [j]))
            probe_rows, entries = probe_rows[equal], entries[equal]
            j += 1
        if j < rows.num_columns and len(entries):
            rest = list(range(j, rows.num_columns))
            equal = _equal_rows(rows.select(rest).take(pa.array(probe_rows, pa.int64())), self.take(entries, rest))
            probe_rows, entries = probe_rows[equal], entries[equal]
        if not len(entries):
            return
        order = np.lexsort((entries, probe_rows))
        probe_rows, entries = probe_rows[order], entries[order]
        # Equal rows have equal candidate lists, so the first candidate names the group of equal rows.
        starts = np.flatnonzero(np.r_[True, probe_rows[1:] != probe_rows[:-1]])
        lengths = np.diff(np.r_[starts, len(probe_rows)])
        first_candidate = entries[starts]
        by_group = np.argsort(first_candidate, kind="stable")
        grouped = first_candidate[by_group]
        position = np.arange(len(grouped), dtype=np.int64)
        group_start = np.maximum.accumulate(np.where(np.r_[True, grouped[1:] != grouped[:-1]], position, 0))
        rank = np.empty(len(grouped), dtype=np.int64)
        rank[by_group] = position - group_start  # the k-th retracted row of a group of equal rows
        ok = rank < lengths
        chosen = entries[starts[ok] + rank[ok]]
        self.count[chosen] = 0

    def _append(self, table: pa.Table, keys: np.ndarray, fingerprints: np.ndarray | None = None) -> int:
        start = self.size
        n = table.num_rows
        self.entries.ensure(start + n)
        self.size = start + n
        self.entries["key"][start: self.size] = np.where(keys < 0, _NULL_KEY, keys)
        if fingerprints is None:
            fingerprints = np.zeros(n, dtype=np.int64)
            self.unknown_fingerprints |= n > 0
        sort_keys = _sort_keys(keys, fingerprints)
        order = np.argsort(sort_keys, kind="stable")
        self.runs.append(_Run(table, sort_keys[order], order, start))
        while len(self.runs) > 1 and self.runs[-1].table.num_rows * 2 >= self.runs[-2].table.num_rows:
            newer, older = self.runs.pop(), self.runs.pop()
            # Both runs are sorted: a stable sort of the two concatenated runs is a linear
            # merge (timsort), and the rows themselves are only chained, never copied.
            keys_sorted = np.concatenate([older.keys_sorted, newer.keys_sorted])
            merge = np.argsort(keys_sorted, kind="stable")
            order = np.concatenate([older.order, newer.order + older.table.num_rows])[merge]
            table = pa.concat_tables([older.table, newer.table])
            self.runs.append(_Run(table, keys_sorted[merge], order, older.base))
        return start

