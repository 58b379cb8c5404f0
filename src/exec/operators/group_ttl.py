"""State TTL for a group aggregate (``table.exec.state.ttl`` or a ``STATE_TTL`` hint).

Each group is stamped with the processing time of its last accumulate or retract. When a batch
touches a group whose time is up, the group is first reset to empty, so it starts over as Flink's
GroupAggFunction does after its state was cleaned up: the next result is an insert (+I) with no
retraction of the forgotten value, and a retraction that reaches a group without state (expired,
or never seen) is dropped rather than applied. Groups nobody touches are reset by a scan of all
stamps, at most 16 times per TTL, so the state size falls without touching them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from flowsql.exec.state.backend import KeyedState
from flowsql.exec.state.ttl import expired, next_check

_STAMP = "ttl.updated"
_NEXT_SCAN = "ttl.next-scan"


class GroupStateTtl:
    def __init__(self, ttl_ms: int, state: KeyedState, accumulators: list) -> None:
        self.ttl_ms = ttl_ms
        self.state = state
        self.accumulators = accumulators
        state.values.define(_STAMP, np.int64, 0)
        state.extras.setdefault(_NEXT_SCAN, 0)

    def before_batch(self, ids: np.ndarray, signs: np.ndarray, now_ms: int) -> tuple[np.ndarray, np.ndarray]:
        """Reset the expired groups among ``ids``; returns the signs to apply (0 for dropped
        retractions) and the touched groups that were reset."""
        values = self.state.values
        self._scan(now_ms)
        touched = np.unique(ids)
        stale = expired(values[_STAMP][touched], now_ms, self.ttl_ms)
        restarted = touched[(values["rows"][touched] != 0) & stale]
        if len(restarted):
            self._reset(restarted)
        empty = values["rows"][ids] == 0
        retract = signs < 0
        if not (empty & retract).any():
            return signs, restarted
        # A group without state drops retractions until its first accumulate row in this batch.
        codes, _ = pd.factorize(ids)
        positions = np.arange(len(ids), dtype=np.int64)
        first_accumulate = np.full(codes.max() + 1, len(ids), dtype=np.int64)
        accumulate = np.flatnonzero(~retract)
        first_accumulate[codes[accumulate[::-1]]] = accumulate[::-1]  # the last write wins: the first row
        drop = empty & retract & (positions < first_accumulate[codes])
        return np.where(drop, 0, signs).astype(signs.dtype, copy=False), restarted

    def after_batch(self, ids: np.ndarray, signs: np.ndarray, now_ms: int) -> None:
        """Stamp the groups this batch wrote to (not those it only sent dropped retractions to)."""
        written = np.unique(ids[signs != 0])
        self.state.values[_STAMP][written] = now_ms
        if not self.state.extras[_NEXT_SCAN]:
            self.state.extras[_NEXT_SCAN] = now_ms + self.ttl_ms

    def _scan(self, now_ms: int) -> None:
        """Reset every expired group (to free the state of groups no batch touches any more)."""
        due = self.state.extras[_NEXT_SCAN]
        if not due or now_ms < due:
            return
        size = self.state.keys.size
        values = self.state.values
        live = values["rows"][:size] != 0
        stamps = values[_STAMP][:size]
        gone = live & expired(stamps, now_ms, self.ttl_ms)
        if gone.any():
            self._reset(np.flatnonzero(gone))
        remaining = stamps[live & ~gone]
        not_before = now_ms + max(self.ttl_ms // 16, 1)
        self.state.extras[_NEXT_SCAN] = next_check(remaining, now_ms, self.ttl_ms, not_before) if len(remaining) else 0

    def _reset(self, ids: np.ndarray) -> None:
        values = self.state.values
        for name, array in values.arrays.items():
            array[ids] = values.defaults[name]
        for accumulator in self.accumulators:
            accumulator.forget(ids)
