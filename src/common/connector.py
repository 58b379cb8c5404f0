"""The contract between the engine and connectors (Flink's DynamicTableSource / Sink, in small).

A connector module registers a ``ConnectorFactory`` under its ``'connector'`` identifier. The
planner asks the factory for a ``TableSource`` or ``TableSink`` given a ``ConnectorContext``
(the table's resolved schema and options); the runtime then reads ``ChangeBatch``es from a
``SourceReader`` and writes them into the sink. Sources are replayable through
``snapshot_position()`` and ``restore_position()`` so checkpoints can record and restore where
they are; sinks take part in checkpoints through ``snapshot_state`` / ``notify_checkpoint_complete``
/ ``restore_state`` (two-phase commit) or say they cannot (``delivery_guarantee``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowsql.common.changelog import ChangelogMode
from flowsql.common.changes import ChangeBatch
from flowsql.common.config import Config
from flowsql.common.errors import ConnectorError
from flowsql.common.types import DataType

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa


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
    """Reads one source's change batches in order; replayable via snapshot/restore_position()."""

    def poll(self, max_rows: int) -> ChangeBatch | None:
        """The next batch of at most ``max_rows`` rows, or None if nothing is available right now."""
        raise NotImplementedError

    @property
    def finished(self) -> bool:
        """True once a bounded source has produced everything."""
        raise NotImplementedError

    def snapshot_position(self) -> Any:
        """A JSON-serializable position from which ``restore_position`` resumes exactly after the
        last polled row; a checkpoint records it. Sources that cannot rewind keep this default."""
        raise ConnectorError(f"this source ({type(self).__name__}) cannot be replayed, so a job reading it "
                             "cannot take checkpoints",
                             hint="RESET 'execution.checkpointing.interval' to run the job without checkpoints")

    def restore_position(self, position: Any) -> None:
        """Continue after the rows that were polled when ``snapshot_position`` returned ``position``."""
        raise ConnectorError(f"this source ({type(self).__name__}) cannot be replayed from a checkpoint",
                             hint="start the job without 'execution.state-recovery.path'")

    progress_unit = "rows"  # what ``progress()`` counts: "rows" or "bytes"

    def progress(self) -> tuple[int, int] | None:
        """(done, total) in ``progress_unit`` for bounded sources, to draw a progress bar; None if unknown."""
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

    def skipped_records(self) -> list[tuple[str, int, str]]:
        """Malformed records skipped so far, as (file or place, count, the option that allowed it),
        so the job can report them instead of dropping them silently."""
        return []


class LookupFunction:
    """Finds a table's rows by key, a whole batch of keys at a time (for lookup joins).

    ``keys`` has one column per lookup key column (named and typed as the table's columns); the
    answer pairs every matching table row with the position of the key row it matches (a key may
    match several rows or none). NULL keys match nothing. ``open`` receives the job's clock, which
    drives cache expiry and reloads.
    """

    def open(self, clock: Any) -> None:
        pass

    def lookup(self, keys: "pa.Table") -> tuple["np.ndarray", "pa.Table"]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class LookupTableSource:
    """Capability of a ``TableSource`` whose rows can be looked up by key columns (Flink's
    LookupTableSource). A connector factory offering it sets ``supports_lookup = True``."""

    def create_lookup_function(self, key_columns: list[str]) -> LookupFunction:
        raise NotImplementedError


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
        """Release files and connections; never commit here (a failed job closes its sinks too)."""

    def snapshot_state(self, checkpoint_id: int) -> Any:
        """At a checkpoint barrier: pre-commit what was written so far and return the pending
        transaction (JSON-serializable), to be committed by ``notify_checkpoint_complete``. Sinks
        that cannot take part (at-least-once) keep this default."""
        return None

    def notify_checkpoint_complete(self, checkpoint_id: int) -> None:
        """Checkpoint ``checkpoint_id`` is durable: commit its transactions (and earlier ones)."""

    def restore_state(self, state: Any) -> None:
        """Before ``open`` after a failure: commit the pending transactions of the checkpoint the
        job restarts from (``state``, None when there is none) and discard anything written after it."""

    def describe(self) -> str:
        return type(self).__name__


class ConnectorFactory:
    """Creates sources and sinks for one ``'connector'`` identifier."""

    identifier: str = ""
    supports_lookup: bool = False  # its sources are LookupTableSources (usable in lookup joins)
    required_options: tuple[str, ...] = ()
    optional_options: tuple[str, ...] = ()

    def create_source(self, context: ConnectorContext) -> TableSource:
        raise context.error(f"connector '{self.identifier}' cannot be used as a source")

    def create_sink(self, context: ConnectorContext) -> TableSink:
        raise context.error(f"connector '{self.identifier}' cannot be used as a sink")
