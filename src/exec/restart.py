"""Restart strategies: whether, and after how long, a failed job restarts from its last checkpoint.

Flink's options and defaults (``restart-strategy.type``): without a type, a job that takes
checkpoints restarts with ``exponential-delay`` and one that does not never restarts.

- ``none``: fail at once.
- ``fixed-delay``: ``.fixed-delay.attempts`` restarts (1), each after ``.fixed-delay.delay`` (1 s).
- ``exponential-delay``: waits ``.initial-backoff`` (1 s), multiplied by ``.backoff-multiplier``
  (1.5) after each failure up to ``.max-backoff`` (1 min), with ``.jitter-factor`` (0.1) of
  randomness; the backoff resets after ``.reset-backoff-threshold`` (1 h) without failure; gives up
  after ``.attempts-before-reset-backoff`` failures (unlimited).
- ``failure-rate``: restarts after ``.failure-rate.delay`` (1 s) unless more than
  ``.max-failures-per-interval`` (1) failures happened within ``.failure-rate-interval`` (1 min).
"""

from __future__ import annotations

import random
from collections import deque

from flowsql.common.config import Config, parse_duration_ms
from flowsql.common.errors import ValidationError

PREFIX = "restart-strategy"


def _duration(config: Config, key: str, default: str) -> int:
    return parse_duration_ms(config.get(f"{PREFIX}.{key}") or default, f"{PREFIX}.{key}")


def _number(config: Config, key: str, default: str, kind=int):
    text = config.get(f"{PREFIX}.{key}") or default
    try:
        return kind(text)
    except ValueError:
        raise ValidationError(f"option '{PREFIX}.{key}' must be a number, found '{text}'") from None


class RestartStrategy:
    """``none``: every failure ends the job."""

    name = "none"

    def __init__(self, config: Config | None = None) -> None:
        pass

    def next_delay_ms(self, now_ms: int) -> int | None:
        """A failure happened at ``now_ms``: the delay before restarting, or None to give up."""
        return None


class FixedDelay(RestartStrategy):
    name = "fixed-delay"

    def __init__(self, config: Config) -> None:
        self.attempts = _number(config, "fixed-delay.attempts", "1")
        self.delay_ms = _duration(config, "fixed-delay.delay", "1 s")
        self.restarts = 0

    def next_delay_ms(self, now_ms: int) -> int | None:
        if self.restarts >= self.attempts:
            return None
        self.restarts += 1
        return self.delay_ms


class ExponentialDelay(RestartStrategy):
    name = "exponential-delay"

    def __init__(self, config: Config) -> None:
        self.initial_ms = _duration(config, "exponential-delay.initial-backoff", "1 s")
        self.max_ms = _duration(config, "exponential-delay.max-backoff", "1 min")
        self.multiplier = _number(config, "exponential-delay.backoff-multiplier", "1.5", float)
        self.jitter = _number(config, "exponential-delay.jitter-factor", "0.1", float)
        self.reset_ms = _duration(config, "exponential-delay.reset-backoff-threshold", "1 h")
        self.attempts = _number(config, "exponential-delay.attempts-before-reset-backoff", str(2**31 - 1))
        self.backoff_ms = 0
        self.failures = 0
        self.last_failure_ms: int | None = None

    def next_delay_ms(self, now_ms: int) -> int | None:
        if self.last_failure_ms is not None and now_ms - self.last_failure_ms >= self.reset_ms:
            self.backoff_ms, self.failures = 0, 0
        self.last_failure_ms = now_ms
        self.failures += 1
        if self.failures > self.attempts:
            return None
        self.backoff_ms = self.initial_ms if not self.backoff_ms else \
            min(self.max_ms, int(self.backoff_ms * self.multiplier))
        spread = int(self.backoff_ms * self.jitter)
        return max(0, self.backoff_ms + random.randint(-spread, spread)) if spread else self.backoff_ms


class FailureRate(RestartStrategy):
    name = "failure-rate"

    def __init__(self, config: Config) -> None:
        self.max_failures = _number(config, "failure-rate.max-failures-per-interval", "1")
        self.interval_ms = _duration(config, "failure-rate.failure-rate-interval", "1 min")
        self.delay_ms = _duration(config, "failure-rate.delay", "1 s")
        self.failures: deque[int] = deque()

    def next_delay_ms(self, now_ms: int) -> int | None:
        self.failures.append(now_ms)
        while self.failures and now_ms - self.failures[0] > self.interval_ms:
            self.failures.popleft()
        return None if len(self.failures) > self.max_failures else self.delay_ms


_TYPES = {"none": RestartStrategy, "off": RestartStrategy, "disable": RestartStrategy,
          "fixed-delay": FixedDelay, "fixeddelay": FixedDelay,
          "exponential-delay": ExponentialDelay, "exponentialdelay": ExponentialDelay,
          "failure-rate": FailureRate, "failurerate": FailureRate}


def restart_strategy(config: Config, checkpointing: bool) -> RestartStrategy:
    """The strategy ``restart-strategy.type`` names (Flink's default when it names none)."""
    text = (config.get(f"{PREFIX}.type") or config.get(PREFIX) or "").strip().lower()
    if not text:
        return ExponentialDelay(config) if checkpointing else RestartStrategy()
    if text not in _TYPES:
        raise ValidationError(f"unknown restart strategy '{text}' in '{PREFIX}.type'",
                              hint="use none, fixed-delay, exponential-delay or failure-rate")
    return _TYPES[text](config)
