"""Key hashes and key groups: the unit in which keyed state is redistributed across parallelism.

Every key tuple gets two independent 64-bit hashes (``key_hashes``), computed a whole batch at a
time by pandas' vectorised SipHash over each column and folded across columns. The first hash
places the key in its key group, ``group = hash1 mod pipeline.max-parallelism`` (default 128),
as Flink does with its murmur hash; the spilling key index uses both hashes together as the key's
identity (a 128-bit fingerprint: two keys of a 10M-key state collide with probability ~1e-25).

Layout recorded in snapshots (both backends): each ``KeyedState`` carries ``max_parallelism`` and
``key_groups``, an int32 array with the key group of every key id. A parallel instance ``i`` of
``p`` owns the contiguous range of key groups ``key_group_range(i, p, max_parallelism)``
(Flink's ``KeyGroupRangeAssignment``), so a job restored at another parallelism selects, per
instance, the key ids whose group falls in its range (``ids_in_key_groups``) without rehashing
keys. Like Flink, a snapshot can only be restored with the same max-parallelism.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from flowsql.common.config import Config
from flowsql.common.errors import ValidationError

MAX_PARALLELISM_OPTION = "pipeline.max-parallelism"
_SEEDS = ("flowsql-key-grp1", "flowsql-key-grp2")  # pandas wants 16-byte SipHash keys
_NULL_HASH = np.uint64(0x6A09E667F3BCC909)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def max_parallelism(config: Config) -> int:
    value = config.get_int(MAX_PARALLELISM_OPTION)
    if not 1 <= value <= 32768:
        raise ValidationError(f"'{MAX_PARALLELISM_OPTION}' must be between 1 and 32768, found {value}",
                              hint="Flink's default is 128")
    return value


def _column_values(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray | None]:
    """Values that hash equal exactly when the SQL values are equal, and the validity mask."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    valid = None if column.null_count == 0 else pc.is_valid(column).to_numpy(zero_copy_only=False)
    t = column.type
    if pa.types.is_boolean(t) or pa.types.is_integer(t) or pa.types.is_temporal(t):
        storage = column.cast(pa.int64()) if not pa.types.is_temporal(t) else column.view(
            pa.int32() if t.bit_width == 32 else pa.int64()).cast(pa.int64())
        return storage.fill_null(0).to_numpy(zero_copy_only=False), valid
    if pa.types.is_floating(t):
        values = column.cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False)
        return values + 0.0, valid  # -0.0 + 0.0 is 0.0: both zeros are one key, as in SQL
    if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t)
            or pa.types.is_large_binary(t)):
        try:
            column = column.cast(pa.string())
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            # nested keys (ROW/ARRAY/MAP) have no string cast: their Python repr is the key
            column = pa.array([repr(v) for v in column.to_pylist()], pa.string())
    empty = "" if pa.types.is_string(column.type) or pa.types.is_large_string(column.type) else b""
    return column.fill_null(empty).to_numpy(zero_copy_only=False), valid


def key_hashes(columns: list) -> tuple[np.ndarray, np.ndarray]:
    """Two independent uint64 hashes of each row's key tuple (NULLs included)."""
    import pandas as pd  # only stateful jobs pay for pandas at start-up

    n = len(columns[0]) if columns else 0
    result = []
    for seed in _SEEDS:
        folded = np.zeros(n, dtype=np.uint64)
        for column in columns:
            values, valid = _column_values(column)
            h = pd.util.hash_array(values, hash_key=seed, categorize=False)
            if valid is not None:
                h = np.where(valid, h, _NULL_HASH)
            with np.errstate(over="ignore"):
                folded = (folded * _MIX) ^ h
        result.append(folded)
    return result[0], result[1]


def key_group_of(hash1: np.ndarray, max_parallelism: int) -> np.ndarray:
    return (hash1 % np.uint64(max_parallelism)).astype(np.int32)


def key_group_range(operator_index: int, parallelism: int, max_parallelism: int) -> range:
    """The key groups parallel instance ``operator_index`` of ``parallelism`` owns (Flink's split)."""
    start = (operator_index * max_parallelism + parallelism - 1) // parallelism
    end = ((operator_index + 1) * max_parallelism - 1) // parallelism
    return range(start, end + 1)


def operator_index_for_key_group(group: np.ndarray | int, parallelism: int, max_parallelism: int):
    return np.asarray(group) * parallelism // max_parallelism


def ids_in_key_groups(state, groups: range) -> np.ndarray:
    """The key ids of a keyed state whose key group lies in ``groups``: what one instance restores."""
    assigned = np.asarray(state.key_groups[: state.keys.size])
    return np.flatnonzero((assigned >= groups.start) & (assigned < groups.stop))
