"""Catalog objects: tables, views and functions as the catalog stores them.

They hold declarations (types, expressions as SQL text, options), not plans: binding turns them
into plan nodes each time they are used, so a view always sees the current definitions beneath it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowsql.common.types import DataType


@dataclass(frozen=True)
class TableColumn:
    name: str
    type: DataType | None  # None only for computed columns before their type is derived
    kind: str = "physical"  # 'physical' | 'computed' | 'metadata'
    expression: str | None = None  # computed columns: SQL text
    metadata_key: str | None = None
    virtual: bool = False
    comment: str | None = None

    @property
    def is_persisted(self) -> bool:
        """Written by sinks: physical columns and non-virtual metadata columns."""
        return self.kind == "physical" or (self.kind == "metadata" and not self.virtual)


@dataclass(frozen=True)
class WatermarkSpec:
    column: str
    expression: str  # SQL text, e.g. "ts - INTERVAL '5' SECOND"


@dataclass(frozen=True)
class CatalogTable:
    columns: tuple[TableColumn, ...]
    options: dict[str, str]
    watermark: WatermarkSpec | None = None
    primary_key: tuple[str, ...] | None = None
    partition_keys: tuple[str, ...] = ()
    comment: str | None = None

    def column(self, name: str) -> TableColumn | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None

    @property
    def connector(self) -> str | None:
        return self.options.get("connector")


@dataclass(frozen=True)
class CatalogView:
    query: str  # the view's SQL text
    column_names: tuple[str, ...] | None = None
    comment: str | None = None
    # Views built by the Table API from a plan rather than SQL text keep the plan itself.
    plan: Any = field(default=None, compare=False)


@dataclass(frozen=True)
class CatalogFunction:
    identifier: str  # 'module.function' for Python functions
    language: str = "PYTHON"
    # A Python object registered through the Table API (udf/udtf/udaf) rather than by name.
    implementation: Any = field(default=None, compare=False)
