"""The contract between the engine and connectors (Flink's DynamicTableSource / Sink, in small).

A connector module registers a ``ConnectorFactory`` under its ``'connector'`` identifier. The
planner asks the factory for a ``TableSource`` or ``TableSink`` given a ``ConnectorContext``
(the table's resolved schema and options); the runtime then reads ``ChangeBatch``es from a
``SourceReader`` and writes them into the sink. Sources are replayable through ``position()`` and
``seek()`` so checkpoints can record and restore where they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowsql.common.changelog import ChangelogMode
from flowsql.common.changes import ChangeBatch
from flowsql.common.config import Config
from flowsql.common.errors import ConnectorError
from flowsql.common.types import DataType


@dataclass(frozen=True)
class Column:
    """A column the connector produces or consumes. ``metadata_key`` is set for METADATA columns."""

    name: str
    type: DataType
    metadata_key: str | None = None
    virtual: bool = False  # METADATA ... VIRTUAL: read-only, not written by sinks


@dataclass
class ConnectorContext:
    table_name: str  # fully qualified, for messages: `default_catalog`.`default_database`.`t`
    columns: list[Column]  # physical and metadata columns, in schema order (no computed columns)
    options: dict[str, str]
    config: Config
    primary_key: list[str] | None = None
    partition_keys: list[str] = field(default_factory=list)

    @property
    def physical_columns(self) -> list[Column]:
        return [c for c in self.columns if c.metadata_key is None]

    @property
    def metadata_columns(self) -> list[Column]:
        return [c for c in self.columns if c.metadata_key is not None]

    def error(self, message: str, hint: str | None = None) -> ConnectorError:
        return ConnectorError(message, location=f"table {self.table_name}", hint=hint)

    def option(self, key: str, default: str | None = None, required: bool = False) -> str | None:
        if key in self.options:
            return self.options[key]
        if required:
            raise self.error(f"the option '{key}' is required by connector '{self.options.get('connector')}'",
                             hint=f"add '{key}' = '...' to the WITH clause")
        return default


@dataclass(frozen=True)
class ColumnPredicate:
    """A simple filter a source may apply itself: column <op> value (op: = <> < <= > >= IS NULL ...)."""

    column: str
    op: str
    value: Any = None


class SourceReader:
    """Reads one source's change batches in order; replayable via position()/seek()."""

    def poll(self, max_rows: int) -> ChangeBatch | None:
        """The next batch of at most ``max_rows`` rows, or None if nothing is available right now."""
        raise NotImplementedError

    @property
    def finished(self) -> bool:
        """True once a bounded source has produced everything."""
        raise NotImplementedError

    def position(self) -> Any:
        """A JSON-serializable position from which seek() resumes exactly after the last polled row."""
        return None

    def seek(self, position: Any) -> None:
        raise ConnectorError("this source cannot be restored from a checkpoint position")

    def progress(self) -> tuple[int, int] | None:
        """(done, total) in rows or bytes for bounded sources, to draw a progress bar; None if unknown."""
        return None

    def close(self) -> None:
        pass


class TableSource:
    """A scan of a table. The planner may narrow it with projection and filter push-down."""

    bounded: bool = True

    def changelog_mode(self) -> ChangelogMode:
        return ChangelogMode.insert_only()

    def apply_projection(self, columns: list[str]) -> bool:
        """Produce only these columns (a subset of the context's columns, in this order).
        Return False if the source cannot, in which case it keeps producing every column."""
        return False

    def apply_filters(self, predicates: list[ColumnPredicate]) -> list[ColumnPredicate]:
        """Take the predicates the source can evaluate; return those it leaves to the engine.
        A source may apply a taken predicate loosely (e.g. skip Parquet row groups) only if it
        also leaves it in the returned list."""
        return predicates

    def produced_columns(self) -> list[Column]:
        raise NotImplementedError

    def create_reader(self) -> SourceReader:
        raise NotImplementedError

    def batch_scan_sql(self) -> str | None:
        """A DuckDB table expression (e.g. ``read_parquet('...')``) giving the whole bounded input,
        which lets batch mode hand the scan to DuckDB. None if the source has none."""
        return None

    def describe(self) -> str:
        """A short summary for EXPLAIN (e.g. ``filesystem path=/data/x.csv format=csv``)."""
        return type(self).__name__


class TableSink:
    """Where a job writes. Declares the changelog it accepts; receives batches; commits at the end."""

    delivery_guarantee: str = "at-least-once"

    def accepted_changelog_mode(self) -> ChangelogMode:
        return ChangelogMode.insert_only()

    def open(self) -> None:
        pass

    def write(self, batch: ChangeBatch) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """End of input: flush and make the output final."""

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return type(self).__name__


class ConnectorFactory:
    """Creates sources and sinks for one ``'connector'`` identifier."""

    identifier: str = ""
    required_options: tuple[str, ...] = ()
    optional_options: tuple[str, ...] = ()

    def create_source(self, context: ConnectorContext) -> TableSource:
        raise context.error(f"connector '{self.identifier}' cannot be used as a source")

    def create_sink(self, context: ConnectorContext) -> TableSink:
        raise context.error(f"connector '{self.identifier}' cannot be used as a sink")
