"""Idle-state retention (Flink's state TTL), measured in processing time on the job's clock.

A slot of state (a join row, a group's accumulators) is stamped with the time it was last created
or written (Flink's ``OnCreateAndWrite``); once ``stamp + ttl <= now`` it is expired and treated as
absent (``NeverReturnExpired``). Operators check stamps a whole batch at a time; nothing here runs
per row. A TTL of 0 means state never expires.
"""

from __future__ import annotations

import numpy as np
from flowsql.common.config import Config

TTL_OPTION = "table.exec.state.ttl"


def state_ttl_ms(config: Config, hinted: int | None = None) -> int:
    """The TTL an operator uses: its STATE_TTL hint if it has one, else ``table.exec.state.ttl``."""
    if hinted is not None:
        return hinted
    return max(config.get_duration_ms(TTL_OPTION), 0)


def expired(stamps: np.ndarray, now_ms: int, ttl_ms: int) -> np.ndarray:
    """Which stamps are past their TTL at ``now_ms`` (all False when ``ttl_ms`` is 0)."""
    if not ttl_ms:
        return np.zeros(len(stamps), dtype=bool)
    return stamps <= now_ms - ttl_ms


def next_check(stamps: np.ndarray, now_ms: int, ttl_ms: int, not_before: int = 0) -> int:
    """When the oldest of the remaining ``stamps`` expires (``now + ttl`` if none remain), but not
    before ``not_before`` (an operator that checks the rows it touches exactly can scan its whole
    state less often)."""
    due = int(stamps.min()) + ttl_ms if len(stamps) else now_ms + ttl_ms
    return max(due, not_before)
