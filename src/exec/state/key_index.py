"""Dense integer ids for key tuples, assigned and looked up a whole batch at a time.

Stateful operators keep their state in columnar arrays indexed by key id, so the only per-key
structure is this index. Each key column is dictionary-encoded by Arrow, its distinct values are
mapped to stable codes through pandas hash indexes, and multi-column keys are folded pairwise
into one code. New values go into a small hash index; indexes of similar size are merged (like a
binary counter), so inserting n keys costs O(n log n) hashing overall and lookups stay vectorized.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


class _GrowingIndex:
    """Maps distinct values to dense ids 0, 1, 2, ... in first-seen order."""

    def __init__(self) -> None:
        self.levels: list[pd.Index] = []
        self.bases: list[int] = []
        self.size = 0

    def get_or_insert(self, uniques: pd.Index, insert: bool = True) -> np.ndarray:
        ids = np.full(len(uniques), -1, dtype=np.int64)
        for base, level in zip(self.bases, self.levels):
            missing = np.flatnonzero(ids < 0)
            if not len(missing):
                break
            found = level.get_indexer(uniques[missing] if len(missing) < len(uniques) else uniques)
            hit = found >= 0
            ids[missing[hit]] = found[hit] + base
        missing = np.flatnonzero(ids < 0)
        if len(missing) and insert:
            ids[missing] = np.arange(self.size, self.size + len(missing), dtype=np.int64)
            self._append(uniques[missing])
        return ids

    def _append(self, values: pd.Index) -> None:
        self.levels.append(values)
        self.bases.append(self.size)
        self.size += len(values)
        while len(self.levels) > 1 and len(self.levels[-1]) * 2 >= len(self.levels[-2]):
            newer, older = self.levels.pop(), self.levels.pop()
            self.bases.pop()
            self.levels.append(older.append(newer))

    def values(self) -> pd.Index:
        """All values in id order."""
        if not self.levels:
            return pd.Index([])
        return self.levels[0].append(self.levels[1:]) if len(self.levels) > 1 else self.levels[0]


def _column_uniques(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pd.Index]:
    """(per-row index into uniques, -1 for NULL) and the distinct non-null values."""
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.unify_dictionaries().combine_chunks() if encoded.num_chunks > 1 else (
            encoded.chunk(0) if encoded.num_chunks else pa.array([], pa.dictionary(pa.int32(), column.type)))
    indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    dictionary = encoded.dictionary
    if pa.types.is_floating(dictionary.type):
        values = pd.Index(dictionary.to_numpy(zero_copy_only=False))
    elif pa.types.is_integer(dictionary.type):
        values = pd.Index(dictionary.to_numpy(zero_copy_only=False))
    else:
        values = pd.Index(dictionary.to_pylist(), dtype=object)
    return indices, values


class KeyIndex:
    """Key tuples (one or more Arrow columns) → dense int64 ids.

    With one key column, id 0 is reserved for NULL and values get 1, 2, ...; with several, each
    distinct combination of per-column codes gets its own id.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self._values = [_GrowingIndex() for _ in range(width)]
        self._pairs = [_GrowingIndex() for _ in range(max(width - 1, 0))]

    @property
    def size(self) -> int:
        """One past the largest id handed out (the length state arrays need)."""
        if self.width == 0:
            return 1
        if self.width == 1:
            return self._values[0].size + 1
        return self._pairs[-1].size

    def lookup(self, columns: list[pa.Array | pa.ChunkedArray], insert: bool = True) -> np.ndarray:
        """The id of each row's key; unknown keys get new ids when ``insert``, else -1."""
        if self.width == 0:
            return np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
        packed = None
        for j, column in enumerate(columns):
            row_index, uniques = _column_uniques(column)
            codes = self._values[j].get_or_insert(uniques, insert) + 1  # 0: unknown (insert=False)
            codes = np.concatenate([codes, np.zeros(1, dtype=np.int64)])  # row_index -1 (NULL) → 0
            code_per_row = codes[row_index]
            if not insert:
                unknown = (code_per_row == 0) & (row_index >= 0)
                code_per_row = np.where(unknown, -1, code_per_row)
            if packed is None:
                packed = code_per_row
                continue
            combined = (packed << 32) | code_per_row
            if not insert:
                combined = np.where((packed < 0) | (code_per_row < 0), -1, combined)
            row_codes, uniq = pd.factorize(combined)
            pair_ids = self._pairs[j - 1].get_or_insert(pd.Index(uniq), insert)
            packed = pair_ids[row_codes]
            if not insert:
                packed = np.where(combined < 0, -1, packed)
        if not insert and self.width == 1:
            packed = np.where(packed < 0, -1, packed)
        return packed
