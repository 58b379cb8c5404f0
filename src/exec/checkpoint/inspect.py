"""A checkpoint or savepoint opened read-only: what each operator holds, as Arrow tables.

Flink needs its State Processor API (Java) for this; here ``flowsql state inspect <path>`` lists
the operators and their states, and shows one state as rows: a keyed state as its key columns
(decoded from the ``KeyIndex``) next to one column per value array, an Arrow table as itself, a
single value as one row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from flowsql.exec.checkpoint.storage import RestoredCheckpoint
from flowsql.exec.state.backend import KeyedState, ValueState


def _entries(state: Any) -> int | None:
    if isinstance(state, KeyedState):
        return state.keys.size
    if hasattr(state, "restored"):  # the disk backend's keyed state: a description of its files
        return state.restored["size"]
    value = state.value if isinstance(state, ValueState) else state
    return value.num_rows if isinstance(value, pa.Table) else None


def overview(restored: RestoredCheckpoint) -> pa.Table:
    """One row per (operator, state): its kind and number of entries, then sources and sinks."""
    rows = []
    for (operator, name), state in sorted(restored.states.items()):
        kind = "keyed" if isinstance(state, KeyedState) else "keyed (disk backend)" if hasattr(state, "restored") \
            else type(getattr(state, "value", state)).__name__
        rows.append({"operator": operator, "state": name, "kind": kind, "entries": _entries(state)})
    for operator, position in sorted(restored.metadata["sources"].items()):
        rows.append({"operator": operator, "state": "source position", "kind": str(position), "entries": None})
    for operator, pending in sorted(restored.metadata["sinks"].items()):
        if pending is not None:
            rows.append({"operator": operator, "state": "pending files", "kind": "sink transaction",
                         "entries": len(pending.get("pending", []))})
    return pa.Table.from_pylist(rows, pa.schema([("operator", pa.string()), ("state", pa.string()),
                                                 ("kind", pa.string()), ("entries", pa.int64())]))


def _key_columns(state: KeyedState) -> list[pa.Array]:
    """The key tuple of every id 0 .. size-1 (NULL parts as nulls), one array per key column."""
    index = state.keys
    if index.width == 0:
        return []
    values = [index._values[j].values() for j in range(index.width)]

    def decode(j: int, codes: np.ndarray) -> pa.Array:  # code 0 is NULL, c > 0 is values[j][c - 1]
        lookup = np.concatenate([np.array([None], dtype=object), values[j].to_numpy(dtype=object)])
        return pa.array(lookup[codes])

    if index.width == 1:
        return [decode(0, np.arange(index.size))]
    columns: list[pa.Array] = []
    ids = np.asarray(index._pairs[-1].values(), dtype=np.int64)
    for j in range(index.width - 1, 0, -1):
        columns.insert(0, decode(j, ids & 0xFFFFFFFF))
        ids = ids >> 32
        if j > 1:
            ids = np.asarray(index._pairs[j - 2].values(), dtype=np.int64)[ids]
    columns.insert(0, decode(0, ids))
    return columns


def state_table(restored: RestoredCheckpoint, operator: str, name: str) -> pa.Table:
    """One state of one operator as a table (see the module docstring)."""
    if (operator, name) not in restored.states:
        known = ", ".join(f"{o}/{n}" for o, n in sorted(restored.states))
        raise KeyError(f"no state '{name}' of operator '{operator}'; the checkpoint holds: {known}")
    state = restored.states[(operator, name)]
    if isinstance(state, KeyedState):
        keys = _key_columns(state)
        size = state.keys.size
        arrays = {f"key{i}": k for i, k in enumerate(keys)}
        for column, values in state.values.arrays.items():
            part = values[:size]
            arrays[column] = pa.array(part.tolist() if part.dtype == object else part)
        return pa.table(arrays) if arrays else pa.table({"entries": [size]})
    value = state.value if isinstance(state, ValueState) else state
    if isinstance(value, pa.Table):
        return value
    return pa.table({"value": [repr(value)[:200]]})
