"""Dense integer ids for key tuples, assigned and looked up a whole batch at a time.

Stateful operators keep their state in columnar arrays indexed by key id, so the only per-key
structure is this index. Each key column's values are mapped to stable codes by one growable hash
table (pandas' khash tables, which assign dense codes in first-seen order and keep them as the
table grows); multi-column keys are folded pairwise into one code through further tables.
Integer columns are hashed as they are, floats by their (normalized) bits, other types through a
dictionary encoding whose distinct values are hashed as Python objects. A lookup or insert is one
hash probe per row and column, whatever the number of keys held.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas._libs import hashtable

_TABLES = {"int": (hashtable.Int64HashTable, hashtable.Int64Vector),
           "object": (hashtable.PyObjectHashTable, hashtable.ObjectVector)}


class _GrowingIndex:
    """Maps distinct values to dense ids 0, 1, 2, ... in first-seen order.

    Checkpoints pickle the values in id order; restoring re-inserts them, which gives the same ids."""

    def __init__(self) -> None:
        self.kind: str | None = None  # "int" (int64 values, floats by their bits) or "object"
        self.arrow_type: pa.DataType | None = None  # the key column's type (to decode "int" values)
        self.table = None
        self.chunks: list[np.ndarray] = []  # the values, in id order
        self.pending: list[pa.Array] = []  # distinct values of a fresh index, not hashed yet
        self.size = 0

    def get_or_insert_distinct(self, dictionary: pa.Array, insert: bool = True) -> np.ndarray:
        """``get_or_insert`` for distinct values (an Arrow dictionary). Into an empty index they go
        as they are, ids 0..n-1: converting them to Python objects and hashing them waits for a
        second lookup, which a one-batch index (e.g. Top-N's row identities) never makes."""
        if insert and self.size == 0 and self.kind in (None, "object"):
            self.kind = "object"
            self.pending.append(dictionary)
            self.size = len(dictionary)
            return np.arange(len(dictionary), dtype=np.int64)
        return self.get_or_insert(_objects(dictionary), insert)

    def _hash_pending(self) -> None:
        pending, self.pending, self.size = self.pending, [], 0
        for dictionary in pending:
            self.get_or_insert(_objects(dictionary))

    def get_or_insert(self, values: np.ndarray, insert: bool = True) -> np.ndarray:
        """The id of each value (repeats allowed); unknown values get new ids when ``insert``, else -1."""
        if self.pending:
            self._hash_pending()
        kind = "int" if values.dtype == np.int64 else "object"
        if self.table is None:
            if not insert:
                return np.full(len(values), -1, dtype=np.int64)
            self.kind, self.table = kind, _TABLES[kind][0]()
        if kind != self.kind:
            raise TypeError(f"a key column changed its kind of values from {self.kind} to {kind}")
        if not insert:
            return self.table.lookup(values).astype(np.int64, copy=False)
        new = _TABLES[kind][1]()
        ids = self.table.get_labels(values, new, self.size, -1)
        added = new.to_array()
        if len(added):
            self.chunks.append(added)
            self.size += len(added)
        return ids.astype(np.int64, copy=False)

    def raw_values(self) -> np.ndarray:
        """All values in id order, as hashed (int64 or objects)."""
        if self.pending:
            self._hash_pending()
        if len(self.chunks) > 1:
            self.chunks = [np.concatenate(self.chunks)]
        return self.chunks[0] if self.chunks else np.zeros(0, dtype=np.int64)

    def values(self) -> pd.Index:
        """All values in id order, as the key column holds them (for state inspection)."""
        raw = self.raw_values()
        t = self.arrow_type
        if self.kind != "int":
            return pd.Index(raw, dtype=object)
        if t is None or pa.types.is_integer(t):  # None: pair codes
            return pd.Index(raw)
        if pa.types.is_floating(t):
            return pd.Index(raw.view(np.float64))
        as_int = pa.array(raw.astype(np.int32) if pa.types.is_date32(t) else raw)
        return pd.Index(as_int.cast(t).to_pylist(), dtype=object)

    def __getstate__(self) -> dict:
        return {"kind": self.kind, "arrow_type": self.arrow_type, "values": self.raw_values()}

    def __setstate__(self, state: dict) -> None:
        self.__init__()
        self.arrow_type = state["arrow_type"]
        if state["kind"] is not None:
            self.kind = state["kind"]
            self.table = _TABLES[self.kind][0]()
            self.get_or_insert(state["values"])


def _column_codes(column: pa.Array | pa.ChunkedArray, index: _GrowingIndex, insert: bool) -> np.ndarray:
    """Per row the value's id + 1 in ``index``: 0 for NULL, and -1 for an unknown value (``insert=False``)."""
    t = index.arrow_type = column.type
    if pa.types.is_date32(t) or pa.types.is_timestamp(t) or pa.types.is_date64(t):
        column, t = column.cast(pa.int32() if pa.types.is_date32(t) else pa.int64()), pa.int64()
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        valid = None if column.null_count == 0 else pc.is_valid(column).to_numpy(zero_copy_only=False)
        filled = column if valid is None else column.fill_null(0)
        values = filled.to_numpy() if isinstance(filled, pa.Array) else np.asarray(filled)
        if pa.types.is_floating(t):
            # One bit pattern per value SQL considers equal: -0.0 is 0.0, every NaN is one NaN.
            values = values.astype(np.float64) + 0.0
            values = np.where(np.isnan(values), np.nan, values).view(np.int64)
        ids = index.get_or_insert(values.astype(np.int64, copy=False), insert)
        codes = np.where(ids < 0, -1, ids + 1)
        return codes if valid is None else np.where(valid, codes, 0)
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.unify_dictionaries().combine_chunks() if encoded.num_chunks > 1 else (
            encoded.chunk(0) if encoded.num_chunks else pa.array([], pa.dictionary(pa.int32(), t)))
    row_index = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    ids = index.get_or_insert_distinct(encoded.dictionary, insert)
    codes = np.concatenate([np.where(ids < 0, -1, ids + 1), np.zeros(1, dtype=np.int64)])
    return codes[row_index]  # row_index -1 (NULL) picks the trailing 0


def _objects(dictionary: pa.Array) -> np.ndarray:
    """Arrow values as a numpy object array (str, Decimal, date, ...) for the object hash table."""
    if pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type):
        return dictionary.to_numpy(zero_copy_only=False)
    objects = np.empty(len(dictionary), dtype=object)
    objects[:] = dictionary.to_pylist()
    return objects


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
            code_per_row = _column_codes(column, self._values[j], insert)
            if packed is None:
                packed = code_per_row
                continue
            combined = (packed << 32) | code_per_row
            pair_ids = self._pairs[j - 1].get_or_insert(combined, insert)
            packed = pair_ids if insert else np.where((packed < 0) | (code_per_row < 0), -1, pair_ids)
        return packed
