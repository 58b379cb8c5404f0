"""Processing time, through one object that tests can drive by hand."""

from __future__ import annotations

import time


class Clock:
    def now_ms(self) -> int:
        return int(time.time() * 1000)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class ManualClock(Clock):
    """A clock that moves only when told to (for processing-time tests)."""

    def __init__(self, start_ms: int = 0) -> None:
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def monotonic(self) -> float:
        return self._now / 1000

    def advance(self, millis: int) -> None:
        self._now += millis

    def sleep(self, seconds: float) -> None:
        self._now += int(seconds * 1000)
