"""Reading and validating a table's WITH options, with Flink's spellings and error messages."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flowsql.common.config import parse_duration_ms
from flowsql.common.connector import ConnectorContext
from flowsql.common.errors import ConnectorError, ValidationError, did_you_mean

_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
_MEMORY_UNITS = {"": 1, "b": 1, "bytes": 1, "k": 1 << 10, "kb": 1 << 10, "kibibytes": 1 << 10,
                 "m": 1 << 20, "mb": 1 << 20, "mebibytes": 1 << 20, "g": 1 << 30, "gb": 1 << 30,
                 "gibibytes": 1 << 30, "t": 1 << 40, "tb": 1 << 40}


def check_options(context: ConnectorContext, identifier: str, supported: Iterable[str],
                  prefixes: Iterable[str] = ()) -> None:
    """Reject keys the connector does not know, like Flink's "Unsupported options found for ..."."""
    known = {"connector", *supported}
    prefixes = tuple(prefixes)
    unknown = sorted(k for k in context.options if k not in known and not k.startswith(prefixes))
    if not unknown:
        return
    listed = sorted(known) + [f"{p}*" for p in prefixes]
    hints = [h for h in (did_you_mean(k, known) for k in unknown) if h]
    hint = (hints[0] + " " if len(unknown) == 1 and hints else "") + "supported options: " + ", ".join(listed)
    keys = ", ".join(f"'{k}'" for k in unknown)
    raise context.error(f"Unsupported options found for '{identifier}': {keys}", hint=hint)


def bool_option(context: ConnectorContext, key: str, default: bool = False) -> bool:
    value = context.option(key)
    if value is None:
        return default
    text = value.strip().lower()
    if text not in ("true", "false"):
        raise context.error(f"option '{key}' must be 'true' or 'false', found '{value}'")
    return text == "true"


def int_option(context: ConnectorContext, key: str, default: int | None = None,
               minimum: int | None = None) -> int | None:
    value = context.option(key)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise context.error(f"option '{key}' must be an integer, found '{value}'") from None
    if minimum is not None and number < minimum:
        raise context.error(f"option '{key}' must be at least {minimum}, found {number}")
    return number


def float_option(context: ConnectorContext, key: str, default: float | None = None) -> float | None:
    value = context.option(key)
    if value is None:
        return default
    try:
        return float(value.strip())
    except ValueError:
        raise context.error(f"option '{key}' must be a number, found '{value}'") from None


def duration_option(context: ConnectorContext, key: str, default: int | None = None) -> int | None:
    """Milliseconds, read like Flink's durations ('10 s', '200 ms', '1 min')."""
    value = context.option(key)
    if value is None:
        return default
    try:
        return parse_duration_ms(value, key)
    except ValidationError as e:
        raise ConnectorError(e.message, location=f"table {context.table_name}", hint=e.hint) from None


def memory_option(context: ConnectorContext, key: str, default: int) -> int:
    """Bytes, read like Flink's memory sizes ('128MB', '1 kb', '4096')."""
    value = context.option(key)
    if value is None:
        return default
    m = _MEMORY.match(value)
    if not m or m.group(2).lower() not in _MEMORY_UNITS:
        raise context.error(f"'{value}' is not a memory size for '{key}'", hint="write it like '128MB' or '1 kb'")
    return int(float(m.group(1)) * _MEMORY_UNITS[m.group(2).lower()])


def char_option(context: ConnectorContext, key: str, default: str | None) -> str | None:
    """A single character (Flink also accepts the escape spelling '\\t' for a tab)."""
    value = context.option(key)
    if value is None:
        return default
    value = {"\\t": "\t", "\\n": "\n", "\\\\": "\\"}.get(value, value)
    if len(value) != 1:
        raise context.error(f"option '{key}' must be a single character, found '{value}'")
    return value
