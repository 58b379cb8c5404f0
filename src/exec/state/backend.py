"""The state backend: operator state as columnar arrays indexed by key id.

``KeyedState`` pairs a ``KeyIndex`` (key tuple → id) with named value arrays that grow as keys
arrive. The backend owns every operator's state, so a checkpoint can snapshot all of it at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa


class ValueArrays:
    """Named numpy arrays with one slot per key id, grown by doubling."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.defaults: dict[str, Any] = {}
        self.capacity = 0

    def define(self, name: str, dtype, default) -> np.ndarray:
        self.defaults[name] = default
        if name in self.arrays:  # restored from a checkpoint: keep the restored values
            return self.arrays[name]
        arr = np.empty(self.capacity, dtype=dtype)
        arr[:] = default
        self.arrays[name] = arr
        return arr

    def ensure(self, size: int) -> None:
        if size <= self.capacity:
            return
        new_capacity = max(size, self.capacity * 2, 1024)
        for name, arr in self.arrays.items():
            default = self.defaults[name]
            zero = arr.dtype != object and default == 0
            # np.zeros maps fresh zero pages lazily: the headroom costs nothing until written
            grown = np.zeros(new_capacity, dtype=arr.dtype) if zero else np.empty(new_capacity, dtype=arr.dtype)
            grown[: self.capacity] = arr
            if not zero:
                grown[self.capacity:] = default
            self.arrays[name] = grown
        self.capacity = new_capacity

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def __setitem__(self, name: str, value: np.ndarray) -> None:
        self.arrays[name] = value


class KeyedState:
    def __init__(self, key_width: int, max_parallelism: int = 128) -> None:
        from flowsql.exec.state.key_index import KeyIndex  # pandas loads only for stateful jobs

        self.keys = KeyIndex(key_width)
        self.values = ValueArrays()
        # Structures that belong to this state beyond one slot per key (e.g. the value multiset
        # of a DISTINCT aggregate), so that a checkpoint captures them with it.
        self.extras: dict[str, Any] = {}
        # The key group of every key id, -1 until the key is first seen (see key_groups.py).
        self.max_parallelism = max_parallelism
        self.key_groups = np.empty(0, dtype=np.int32)

    def __getstate__(self) -> dict:
        # A checkpoint keeps only the slots of keys handed out, not the doubling headroom; the
        # arrays travel as pickle-5 out-of-band buffers (see flowsql.exec.checkpoint.snapshot).
        size = min(self.keys.size, self.values.capacity)
        trimmed = ValueArrays()
        trimmed.defaults = dict(self.values.defaults)
        trimmed.arrays = {name: arr[:size] for name, arr in self.values.arrays.items()}
        trimmed.capacity = size
        return {"keys": self.keys, "values": trimmed, "extras": self.extras,
                "max_parallelism": self.max_parallelism, "key_groups": self.key_groups[: self.keys.size]}

    def __setstate__(self, state: dict) -> None:
        self.keys, self.values, self.extras = state["keys"], state["values"], state["extras"]
        # Checkpoints from before key groups: the groups are filled in as keys come again.
        self.max_parallelism = state.get("max_parallelism", 128)
        self.key_groups = np.array(state.get("key_groups", np.empty(0, dtype=np.int32)), dtype=np.int32)

    def lookup(self, columns, insert: bool = True) -> np.ndarray:
        ids = self.keys.lookup(columns, insert)
        if insert:
            self.values.ensure(self.keys.size)
            self._assign_key_groups(columns, ids)
        return ids

    def _assign_key_groups(self, columns, ids: np.ndarray) -> None:
        """Record the key group of keys seen for the first time (hashing only their rows)."""
        from flowsql.exec.state.key_groups import key_group_of, key_hashes

        if len(self.key_groups) < self.keys.size:
            grown = np.full(max(self.keys.size, 2 * len(self.key_groups)), -1, dtype=np.int32)
            grown[: len(self.key_groups)] = self.key_groups
            self.key_groups = grown
        if not len(ids):
            return
        new = self.key_groups[ids] < 0
        if not new.any():
            return
        rows = np.flatnonzero(new)
        new_ids, first = np.unique(ids[rows], return_index=True)
        if not columns:  # the one key of a global aggregate
            self.key_groups[new_ids] = 0
            return
        take = pa.array(rows[first])
        hash1, _ = key_hashes([c.take(take) for c in columns])
        self.key_groups[new_ids] = key_group_of(hash1, self.max_parallelism)


class StateBackend:
    """Holds the state of every operator of a job, by operator id and state name.

    A backend restored from a checkpoint starts with the restored objects, so operators that ask
    for their state in ``open`` get it back (and ``ValueArrays.define`` keeps restored arrays).
    """

    def __init__(self, restored: dict[tuple[str, str], Any] | None = None, max_parallelism: int = 128) -> None:
        self.states: dict[tuple[str, str], Any] = dict(restored or {})
        self.max_parallelism = max_parallelism

    def keyed_state(self, operator_id: str, name: str, key_width: int) -> KeyedState:
        key = (operator_id, name)
        if key not in self.states:
            self.states[key] = KeyedState(key_width, self.max_parallelism)
        return self.states[key]

    def prepare_snapshot(self) -> dict[str, tuple[str, int, int]]:
        """Files a snapshot references besides the pickled states (name → local path, size, crc32):
        none here, the disk backend's state files there."""
        return {}

    def dispose(self) -> None:
        """Release what this attempt holds outside the process (nothing for the in-memory one)."""

    def close_job(self) -> None:
        """The job has ended: release everything, the snapshots' local files included."""

    def value_state(self, operator_id: str, name: str, default: Any = None) -> ValueState:
        key = (operator_id, name)
        if key not in self.states:
            self.states[key] = ValueState(default)
        return self.states[key]


class ValueState:
    """A single (non-keyed) value of an operator, e.g. a buffer for a bounded sort."""

    def __init__(self, default: Any = None) -> None:
        self.value = default
