"""How much memory-mapped state stays resident in the process, bounded by a byte budget.

The disk backend keeps its key runs and value arrays in memory-mapped files, so the operating
system pages them in on access. Each access path charges an upper bound of the bytes it may
bring in (one page per touched slot); when the charges since the last trim exceed the budget,
every mapping is told ``MADV_DONTNEED``, which drops its pages from the process (dirty pages of
a shared file mapping live on in the page cache and reach the file; nothing is lost). So the
state's resident size never exceeds the budget, and re-reading a dropped page costs a minor
fault from the page cache, not a disk read, while the machine has memory to spare.
"""

from __future__ import annotations

import mmap
import weakref

import numpy as np

PAGE = mmap.PAGESIZE


class PageBudget:
    """The disk backend's memory budget: half for resident pages, a quarter for the key indexes'
    in-memory runs (24 bytes a key, plus sort scratch), a quarter for merge and batch scratch."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self.limit = max(budget_bytes // 2, 16 * PAGE)
        self.memtable_entries = max(budget_bytes // 4 // 48, 1024)
        self.merge_chunk = max(budget_bytes // 8 // 144, 4096)
        self.charged = 0  # bytes possibly paged in since the last trim
        self.trims = 0
        self.peak = 0  # the largest ``resident_bytes`` seen at an access
        self._maps: weakref.WeakValueDictionary[int, mmap.mmap] = weakref.WeakValueDictionary()
        self.indexes: weakref.WeakSet = weakref.WeakSet()  # key indexes sharing the in-memory quarter

    def memtable_full(self) -> bool:
        return sum(index.memory_entries for index in self.indexes) >= self.memtable_entries

    def resident_bytes(self) -> int:
        """Upper bound of the state's bytes in memory: pages charged since the last trim plus the
        key indexes' in-memory runs."""
        return self.charged + 24 * sum(index.memory_entries for index in self.indexes)

    def register(self, array: np.ndarray) -> None:
        handle = getattr(array, "_mmap", None)
        if handle is not None:
            self._maps[id(handle)] = handle

    def charge(self, nbytes: int) -> None:
        """Account for an access about to touch up to ``nbytes``; trim first if that overflows."""
        if self.charged + nbytes > self.limit:
            self.trim()
        self.charged += min(nbytes, self.limit)
        self.peak = max(self.peak, self.resident_bytes())

    def charge_slots(self, slots: int, arrays: int) -> None:
        self.charge(slots * arrays * PAGE)

    def trim(self) -> None:
        for handle in list(self._maps.values()):
            try:
                handle.madvise(mmap.MADV_DONTNEED)
            except (ValueError, OSError):  # closed, or empty: nothing resident
                pass
        self.charged = 0
        self.trims += 1
