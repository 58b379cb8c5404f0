"""The state backend: operator state as columnar arrays indexed by key id.

``KeyedState`` pairs a ``KeyIndex`` (key tuple → id) with named value arrays that grow as keys
arrive. The backend owns every operator's state, so a checkpoint can snapshot all of it at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class ValueArrays:
    """Named numpy arrays with one slot per key id, grown by doubling."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.defaults: dict[str, Any] = {}
        self.capacity = 0

    def define(self, name: str, dtype, default) -> np.ndarray:
        self.defaults[name] = default
        arr = np.empty(self.capacity, dtype=dtype)
        arr[:] = default
        self.arrays[name] = arr
        return arr

    def ensure(self, size: int) -> None:
        if size <= self.capacity:
            return
        new_capacity = max(size, self.capacity * 2, 1024)
        for name, arr in self.arrays.items():
            grown = np.empty(new_capacity, dtype=arr.dtype)
            grown[: self.capacity] = arr
            grown[self.capacity:] = self.defaults[name]
            self.arrays[name] = grown
        self.capacity = new_capacity

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def __setitem__(self, name: str, value: np.ndarray) -> None:
        self.arrays[name] = value


class KeyedState:
    def __init__(self, key_width: int) -> None:
        from flowsql.exec.state.key_index import KeyIndex  # pandas loads only for stateful jobs

        self.keys = KeyIndex(key_width)
        self.values = ValueArrays()

    def lookup(self, columns, insert: bool = True) -> np.ndarray:
        ids = self.keys.lookup(columns, insert)
        if insert:
            self.values.ensure(self.keys.size)
        return ids


class StateBackend:
    """Holds the state of every operator of a job, by operator id and state name."""

    def __init__(self) -> None:
        self.states: dict[tuple[str, str], Any] = {}

    def keyed_state(self, operator_id: str, name: str, key_width: int) -> KeyedState:
        key = (operator_id, name)
        if key not in self.states:
            self.states[key] = KeyedState(key_width)
        return self.states[key]

    def value_state(self, operator_id: str, name: str, default: Any = None) -> "ValueState":
        key = (operator_id, name)
        if key not in self.states:
            self.states[key] = ValueState(default)
        return self.states[key]


class ValueState:
    """A single (non-keyed) value of an operator, e.g. a buffer for a bounded sort."""

    def __init__(self, default: Any = None) -> None:
        self.value = default
