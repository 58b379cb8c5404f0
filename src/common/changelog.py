"""Changelog modes: which row kinds a stream may carry, and for upserts, under which key."""

from __future__ import annotations

from dataclasses import dataclass

from flowsql.common.rowkind import RowKind


@dataclass(frozen=True)
class ChangelogMode:
    kinds: frozenset[RowKind]
    upsert_key: tuple[str, ...] | None = None  # set for upsert streams (no UPDATE_BEFORE)

    @staticmethod
    def insert_only() -> "ChangelogMode":
        return ChangelogMode(frozenset({RowKind.INSERT}))

    @staticmethod
    def retract() -> "ChangelogMode":
        return ChangelogMode(frozenset(RowKind))

    @staticmethod
    def upsert(key: tuple[str, ...] | None = None) -> "ChangelogMode":
        return ChangelogMode(frozenset({RowKind.INSERT, RowKind.UPDATE_AFTER, RowKind.DELETE}), key)

    @property
    def is_insert_only(self) -> bool:
        return self.kinds == {RowKind.INSERT}

    @property
    def is_upsert(self) -> bool:
        return RowKind.UPDATE_AFTER in self.kinds and RowKind.UPDATE_BEFORE not in self.kinds

    def short(self) -> str:
        """Flink's EXPLAIN spelling: I, UB, UA, D."""
        names = {RowKind.INSERT: "I", RowKind.UPDATE_BEFORE: "UB", RowKind.UPDATE_AFTER: "UA",
                 RowKind.DELETE: "D"}
        return ",".join(names[k] for k in sorted(self.kinds))

    def describe(self) -> str:
        if self.is_insert_only:
            return "insert-only"
        if self.is_upsert:
            return f"upsert (key {list(self.upsert_key)})" if self.upsert_key else "upsert"
        return "retract"
