"""Row kinds of a changelog, with Flink's byte values and short strings."""

from __future__ import annotations

from enum import IntEnum


class RowKind(IntEnum):
    INSERT = 0
    UPDATE_BEFORE = 1
    UPDATE_AFTER = 2
    DELETE = 3

    @property
    def short_string(self) -> str:
        return ("+I", "-U", "+U", "-D")[self]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def from_short_string(text: str) -> "RowKind":
        return RowKind(("+I", "-U", "+U", "-D").index(text))

    @property
    def is_addition(self) -> bool:
        return self in (RowKind.INSERT, RowKind.UPDATE_AFTER)
