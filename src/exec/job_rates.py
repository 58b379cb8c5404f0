"""Per-operator rates of a job: rows per second in and out, and the fractions of time busy and
backpressured, over the last few seconds.

Operator counters only grow, so a rate is the difference of two samples over the time between
them. Samples are taken when someone looks (``SHOW JOB``, the REST API, the web UI), at most every
``min_interval`` seconds, and kept for ``window`` seconds: rates stay steady however many viewers
poll, and no thread samples jobs nobody watches. A job that has ended reports its averages over
its whole run instead, which is what a finished job's "rows/s" should mean.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

_COUNTERS = ("rows_in", "rows_out", "busy_ns", "backpressured_ns")


@dataclass(frozen=True)
class OperatorRates:
    """Rows per second in and out; busy and backpressured as fractions of wall time (0..1)."""

    rows_in_per_second: float
    rows_out_per_second: float
    busy: float
    backpressured: float

    @property
    def idle(self) -> float:
        return max(0.0, 1.0 - self.busy - self.backpressured)


def backpressure_level(backpressured: float) -> str:
    """Flink's labels for the backpressured ratio: OK up to 10 %, LOW up to 50 %, HIGH above."""
    return "OK" if backpressured <= 0.10 else "LOW" if backpressured <= 0.5 else "HIGH"


def _counters(job) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(getattr(op.metrics, name, 0) for name in _COUNTERS) for op in job.operators)


class RateMeter:
    """The samples of one job's operator counters, and the rates between them (thread-safe)."""

    def __init__(self, window: float = 5.0, min_interval: float = 0.25) -> None:
        self.window = window
        self.min_interval = min_interval
        self._samples: deque[tuple[float, tuple[tuple[int, ...], ...]]] = deque()
        self._lock = threading.Lock()

    def rates(self, job, now: float | None = None) -> list[OperatorRates]:
        """One ``OperatorRates`` per operator of ``job``, in ``job.operators`` order."""
        now = time.monotonic() if now is None else now
        current = _counters(job)
        ended = job.end_time is not None and job.start_time is not None
        if ended or job.start_time is None:
            seconds = (job.end_time - job.start_time) if ended else 0.0
            return [_rates(values, (0,) * len(_COUNTERS), seconds) for values in current]
        with self._lock:
            self._sample(now, current)
            oldest_time, oldest = self._samples[0]
        if now - oldest_time < self.min_interval:  # too soon for a difference: the average since start
            seconds = time.time() - job.start_time
            return [_rates(values, (0,) * len(_COUNTERS), seconds) for values in current]
        return [_rates(values, before, now - oldest_time) for values, before in zip(current, oldest)]

    def _sample(self, now: float, current: tuple[tuple[int, ...], ...]) -> None:
        last = self._samples[-1] if self._samples else None
        # A restart rebuilds the operators with fresh counters: older samples no longer compare.
        if last is not None and (len(last[1]) != len(current) or any(
                a < b for values, previous in zip(current, last[1]) for a, b in zip(values, previous))):
            self._samples.clear()
            last = None
        if last is None or now - last[0] >= self.min_interval:
            self._samples.append((now, current))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self.window:
            self._samples.popleft()


def _rates(values: tuple[int, ...], before: tuple[int, ...], seconds: float) -> OperatorRates:
    if seconds <= 0:
        return OperatorRates(0.0, 0.0, 0.0, 0.0)
    rows_in, rows_out, busy, backpressured = (a - b for a, b in zip(values, before))
    nanos = seconds * 1e9
    return OperatorRates(rows_in / seconds, rows_out / seconds, min(1.0, busy / nanos),
                         min(1.0, backpressured / nanos))
