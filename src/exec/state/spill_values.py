"""Value arrays memory-mapped from files: ``ValueArrays``' interface, with the data on disk.

Operators index state arrays by key id with numpy (``values["rows"][ids] += ...``); a
``np.memmap`` is an ``ndarray``, so every operator works unchanged while the operating system
pages slots in and out (bounded by ``residency.PageBudget``). Growing an array extends its file
and maps it again (new slots are a file hole, free until written). Arrays of Python objects
(DECIMAL sums, MIN/MAX of strings) cannot be mapped and stay in memory.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from flowsql.exec.state.residency import PageBudget

_MIN_CAPACITY = 1 << 16


def _is_zero(dtype: np.dtype, default: Any) -> bool:
    return not np.array(default, dtype=dtype).tobytes().strip(b"\0")


class MappedValueArrays:
    def __init__(self, directory: str, budget: PageBudget) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.defaults: dict[str, Any] = {}
        self.capacity = 0
        self.directory = directory
        self.budget = budget
        self.paths: dict[str, str] = {}
        os.makedirs(directory, exist_ok=True)

    def mapped(self) -> list[str]:
        return [name for name, arr in self.arrays.items() if not arr.dtype.hasobject]

    def define(self, name: str, dtype, default) -> np.ndarray:
        self.defaults[name] = default
        if name in self.arrays:  # restored from a checkpoint: keep the restored values
            return self.arrays[name]
        dtype = np.dtype(dtype)
        if dtype.hasobject:
            arr = np.empty(self.capacity, dtype=dtype)
            arr[:] = default
        else:
            self.paths[name] = os.path.join(self.directory, f"{len(self.paths):04d}.values")
            open(self.paths[name], "wb").close()
            arr = self._remap(name, dtype, 0, self.capacity)
        self.arrays[name] = arr
        return arr

    def _remap(self, name: str, dtype: np.dtype, old: int, new: int) -> np.ndarray:
        path = self.paths[name]
        os.truncate(path, new * dtype.itemsize)
        if new == 0:
            return np.empty(0, dtype=dtype)
        arr = np.memmap(path, dtype=dtype, mode="r+", shape=(new,))
        self.budget.register(arr)
        if not _is_zero(dtype, self.defaults[name]) and new > old:
            self.budget.charge((new - old) * dtype.itemsize)
            arr[old:] = self.defaults[name]
        return arr

    def ensure(self, size: int) -> None:
        if size <= self.capacity:
            return
        new_capacity = max(size, self.capacity * 2, _MIN_CAPACITY)
        for name, arr in list(self.arrays.items()):
            if arr.dtype.hasobject:
                grown = np.empty(new_capacity, dtype=arr.dtype)
                grown[: self.capacity] = arr
                grown[self.capacity:] = self.defaults[name]
                self.arrays[name] = grown
            else:
                self.arrays[name] = self._remap(name, arr.dtype, self.capacity, new_capacity)
        self.capacity = new_capacity

    def adopt(self, name: str, path: str, dtype: np.dtype, default: Any, length: int) -> None:
        """Take over a restored array file of ``length`` slots."""
        self.defaults[name] = default
        self.paths[name] = path
        self.arrays[name] = self._remap(name, np.dtype(dtype), length, max(length, self.capacity))

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def __setitem__(self, name: str, value: np.ndarray) -> None:
        current = self.arrays.get(name)
        if current is not None and isinstance(current, np.memmap) and current.shape == np.shape(value):
            current[:] = value  # keep the data on disk
        else:
            self.arrays[name] = value
