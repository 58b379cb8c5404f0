"""``Row`` and ``RowKind`` as PyFlink has them: a tuple with optional field names and a kind."""

from __future__ import annotations

from typing import Any

from flowsql.common.rowkind import RowKind


class Row(tuple):
    def __new__(cls, *values: Any, **named: Any) -> "Row":
        if named and values:
            raise TypeError("Row takes either positional or named values, not both")
        row = super().__new__(cls, tuple(named.values()) if named else values)
        row._fields = list(named) if named else None
        row._kind = RowKind.INSERT
        return row

    def as_dict(self, recursive: bool = False) -> dict[str, Any]:
        if self._fields is None:
            raise TypeError("this Row has no field names")
        return {k: (v.as_dict(True) if recursive and isinstance(v, Row) and v._fields else v)
                for k, v in zip(self._fields, self)}

    def get_row_kind(self) -> RowKind:
        return self._kind

    def set_row_kind(self, kind: RowKind) -> None:
        self._kind = kind

    def set_field_names(self, names: list[str]) -> None:
        self._fields = list(names)

    def __getattr__(self, name: str) -> Any:
        fields = self.__dict__.get("_fields")
        if fields and name in fields:
            return self[fields.index(name)]
        raise AttributeError(name)

    def __getitem__(self, item):
        if isinstance(item, str):
            if not self._fields or item not in self._fields:
                raise KeyError(item)
            return tuple.__getitem__(self, self._fields.index(item))
        return tuple.__getitem__(self, item)

    def __repr__(self) -> str:
        if self._fields:
            return "Row(" + ", ".join(f"{k}={v!r}" for k, v in zip(self._fields, self)) + ")"
        return "<Row(" + ", ".join(repr(v) for v in self) + ")>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return tuple(self) == tuple(other) and self._kind == other._kind
        return tuple(self) == other

    def __hash__(self) -> int:
        return hash(tuple(self))


__all__ = ["Row", "RowKind"]
