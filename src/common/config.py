"""Session configuration: Flink's option keys with their defaults, typed getters, no globals."""

from __future__ import annotations

import re
from typing import Any, Iterator

from flowsql.common.errors import ValidationError

# The options flowsql reads, with Flink's defaults (strings, as a user would SET them).
DEFAULTS: dict[str, str] = {
    "execution.runtime-mode": "streaming",
    "parallelism.default": "1",
    "pipeline.name": "",
    "pipeline.auto-watermark-interval": "200 ms",
    "pipeline.max-parallelism": "128",
    "table.exec.state.ttl": "0 ms",
    "table.exec.source.idle-timeout": "0 ms",
    "table.exec.mini-batch.enabled": "false",
    "table.exec.mini-batch.allow-latency": "0 ms",
    "table.exec.mini-batch.size": "-1",
    "table.exec.resource.default-parallelism": "-1",
    "table.exec.sink.upsert-materialize": "AUTO",
    "table.exec.sink.not-null-enforcer": "ERROR",
    "table.local-time-zone": "UTC",
    "table.dml-sync": "false",
    "table.display.max-column-width": "30",
    "table.optimizer.agg-phase-strategy": "AUTO",
    "sql-client.execution.result-mode": "table",
    "sql-client.display.print-time-cost": "true",
    "sql-client.verbose": "false",
    "sql-client.execution.max-table-result.rows": "1000000",
    # Window emit strategies (Flink's experimental options); delays have no default, as in Flink.
    "table.exec.emit.early-fire.enabled": "false",
    "table.exec.emit.late-fire.enabled": "false",
    "table.exec.emit.allow-lateness": "0 ms",
    # flowsql's own: where window operators write the late rows they drop ('' = nowhere).
    "flowsql.exec.late-rows.sink": "",
    # flowsql's own: micro-batch bounds of the runtime (rows and milliseconds).
    "flowsql.exec.batch.max-rows": "65536",
    "flowsql.exec.batch.max-latency": "100 ms",
    # flowsql's own: warn when a window holds rows and its watermark has not moved for this long.
    "flowsql.watermark.stall-warning": "60 s",
}

_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
_UNITS_MS = {
    "": 1, "ms": 1, "milli": 1, "millis": 1, "millisecond": 1, "milliseconds": 1,
    "s": 1000, "sec": 1000, "secs": 1000, "second": 1000, "seconds": 1000,
    "min": 60_000, "mins": 60_000, "minute": 60_000, "minutes": 60_000, "m": 60_000,
    "h": 3_600_000, "hour": 3_600_000, "hours": 3_600_000,
    "d": 86_400_000, "day": 86_400_000, "days": 86_400_000,
}


def parse_duration_ms(text: str, key: str = "duration") -> int:
    """'10 s' / '200ms' / '1 min' / '5000' → milliseconds, as Flink reads durations."""
    m = _DURATION.match(str(text))
    if not m or m.group(2).lower() not in _UNITS_MS:
        raise ValidationError(
            f"'{text}' is not a duration for '{key}'", hint="write it like '10 s', '200 ms' or '1 min'"
        )
    return int(float(m.group(1)) * _UNITS_MS[m.group(2).lower()])


class Config:
    """A mutable map of option key → string value, layered over Flink's defaults."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self._values: dict[str, str] = {}
        for k, v in (values or {}).items():
            self.set(k, v)

    def set(self, key: str, value: Any) -> "Config":
        if isinstance(value, bool):
            value = "true" if value else "false"
        self._values[key] = str(value)
        return self

    def reset(self, key: str | None = None) -> None:
        if key is None:
            self._values.clear()
        else:
            self._values.pop(key, None)

    def get(self, key: str, default: str | None = None) -> str | None:
        if key in self._values:
            return self._values[key]
        return DEFAULTS.get(key, default)

    def get_string(self, key: str, default: str | None = None) -> str | None:
        return self.get(key, default)

    def contains(self, key: str) -> bool:
        return key in self._values

    def get_bool(self, key: str) -> bool:
        value = (self.get(key) or "false").strip().lower()
        if value not in ("true", "false"):
            raise ValidationError(f"option '{key}' must be true or false, found '{value}'")
        return value == "true"

    def get_int(self, key: str) -> int:
        value = self.get(key)
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValidationError(f"option '{key}' must be an integer, found '{value}'") from None

    def get_duration_ms(self, key: str) -> int:
        return parse_duration_ms(self.get(key) or "0", key)

    @property
    def is_batch(self) -> bool:
        mode = (self.get("execution.runtime-mode") or "streaming").lower()
        if mode not in ("streaming", "batch"):
            raise ValidationError(
                f"execution.runtime-mode must be 'streaming' or 'batch', found '{mode}'"
            )
        return mode == "batch"

    def explicit_items(self) -> Iterator[tuple[str, str]]:
        return iter(sorted(self._values.items()))

    def items(self) -> Iterator[tuple[str, str]]:
        merged = dict(DEFAULTS)
        merged.update(self._values)
        return iter(sorted(merged.items()))

    def copy(self) -> "Config":
        return Config(dict(self._values))

    def to_dict(self) -> dict[str, str]:
        return dict(self._values)
