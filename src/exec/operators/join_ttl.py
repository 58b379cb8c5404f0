"""State TTL for one input of a regular join (``table.exec.state.ttl`` or a ``STATE_TTL`` hint).

Each stored row (entry of a ``JoinSideStore``) carries the processing time it was inserted or last
had its match count written (as Flink's join state refreshes a record on create and write). Before
a batch is joined, entries whose time is up are dropped from both sides' stores: an expired row
neither matches nor is emitted again, and a later retraction of it finds nothing (ignored). The
check scans the stamps only when the oldest live entry is due; when most entries of a store are
dead, the store is rebuilt from its live ones, so its memory shrinks too.
"""

from __future__ import annotations

import numpy as np
from flowsql.exec.operators.join_store import JoinSideStore
from flowsql.exec.state.backend import ValueArrays, ValueState
from flowsql.exec.state.ttl import expired, next_check

_STAMP = "ttl.updated"
_MIN_COMPACT = 1024  # below this many entries a rebuild is not worth it


class JoinSideTtl:
    """Expiry of one side's store; ``due`` (in the state backend) is when the next entry expires."""

    def __init__(self, ttl_ms: int, due: ValueState) -> None:
        self.ttl_ms = ttl_ms
        self.due = due
        if due.value is None:
            due.value = 0

    def stamp_from(self, store: JoinSideStore, first: int, now_ms: int) -> None:
        """Entries ``first`` .. ``store.size`` were just inserted."""
        stamps = _stamps(store)
        stamps[first: store.size] = now_ms
        self.due.value = min(self.due.value, now_ms + self.ttl_ms) if self.due.value else now_ms + self.ttl_ms

    def touch(self, store: JoinSideStore, entries: np.ndarray, now_ms: int) -> None:
        """The entries' match counts were written: their TTL starts again."""
        _stamps(store)[entries] = now_ms

    def expire(self, store: JoinSideStore, now_ms: int) -> int:
        """Drop the entries whose TTL is up; returns how many were dropped."""
        if not self.due.value or now_ms < self.due.value:
            return 0
        stamps = _stamps(store)[: store.size]
        live = store.count[: store.size] > 0
        gone = live & expired(stamps, now_ms, self.ttl_ms)
        store.count[: store.size][gone] = 0
        remaining = stamps[live & ~gone]
        self.due.value = next_check(remaining, now_ms, self.ttl_ms) if len(remaining) else 0
        dropped = int(gone.sum())
        if dropped:
            _compact(store)
        return dropped


def _stamps(store: JoinSideStore) -> np.ndarray:
    if _STAMP not in store.entries.arrays:
        store.entries.define(_STAMP, np.int64, 0)
    return store.entries[_STAMP]


def _compact(store: JoinSideStore) -> None:
    """Rebuild the store from its live entries once they are fewer than half of all entries."""
    size = store.size
    live = np.flatnonzero(store.count[:size] > 0)
    if size < _MIN_COMPACT or len(live) * 2 > size:
        return
    rows = store.take(live) if len(live) else None
    old = store.entries
    fresh = ValueArrays()
    for name, array in old.arrays.items():
        fresh.define(name, array.dtype, old.defaults[name])
    store.entries, store.runs, store.size = fresh, [], 0
    if rows is None:
        return
    store._append(rows, old["key"][live])
    for name in old.arrays:
        if name != "key":
            fresh[name][: len(live)] = old[name][live]
