"""The ``flowsql-memory`` connector: a bounded source over an Arrow table (or changelog) held in
this process, and a sink collecting the changes written to it.

``put(table, kinds=None)`` holds an Arrow table, optionally with one row kind per row (+I/-U/+U/-D
as int8; None for all inserts), and returns its id for ``'table-id'``. ``from_elements``,
``from_pandas`` and ``from_arrow`` register their data here, so large inputs are scanned as Arrow
slices instead of becoming giant VALUES lists; tests and the TPC-H refresh streams feed inserts,
updates and deletes the same way::

    CREATE TABLE orders (...) WITH ('connector' = 'flowsql-memory', 'table-id' = '3',
                                    'chunk.max-rows' = '500', 'chunk.seed' = '7')

``chunk.max-rows`` with ``chunk.seed`` cuts the stream into random chunks of 1..max rows (each
poll returns at most one chunk), so interleaving across tables differs run to run by seed. The
position is a row offset: the source is replayable.

``pause.group`` with ``pause.at-row`` (default: the end) holds the rows from that offset on until
every source of the group has handed out the rows before its own pause: a job then processes a
whole initial load before any of the changes that follow it. ``resumed_at(group)`` is the
``time.perf_counter()`` of the first poll after the pause, when the initial load has gone through
every operator (pushes are synchronous), so the TPC-H benchmark times an incremental refresh
within one run.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import weakref

import numpy as np
import pyarrow as pa
from flowsql.common.changelog import ChangelogMode
from flowsql.common.changes import INSERT, ChangeBatch
from flowsql.common.connector import (Column, ConnectorContext, ConnectorFactory, SourceReader, TableSink,
                                      TableSource)

_tables: dict[str, tuple[pa.Table, np.ndarray | None]] = {}
_collected: dict[str, list[ChangeBatch]] = {}
_ids = itertools.count(1)
_lock = threading.Lock()


def put(table: pa.Table, kinds: np.ndarray | None = None) -> str:
    """Hold a changelog (rows and their kinds) for replay; returns its id for ``'table-id'``."""
    if kinds is not None and len(kinds) != table.num_rows:
        raise ValueError(f"{len(kinds)} row kinds for {table.num_rows} rows")
    with _lock:
        table_id = str(next(_ids))
        _tables[table_id] = (table, None if kinds is None else np.asarray(kinds, dtype=np.int8))
        return table_id


def drop(table_id: str) -> None:
    with _lock:
        _tables.pop(table_id, None)
        _collected.pop(table_id, None)


class MemorySource(TableSource):
    bounded = True

    def __init__(self, context: ConnectorContext) -> None:
        table_id = context.option("table-id", required=True)
        if table_id not in _tables:
            raise context.error(f"no in-memory table with id {table_id}",
                                hint="in-memory tables live only in the process that created them")
        self.context = context
        self.table, self.kinds = _tables[table_id]
        self.columns = list(context.physical_columns)
        self.chunk_max = int(context.option("chunk.max-rows", "0") or 0)
        self.seed = int(context.option("chunk.seed", "0") or 0)
        self.pause_group = context.option("pause.group", "") or None
        self.pause_row = int(context.option("pause.at-row", "-1") or -1)

    def changelog_mode(self) -> ChangelogMode:
        if self.kinds is None or not (self.kinds != INSERT).any():
            return ChangelogMode.insert_only()
        return ChangelogMode.retract()

    def apply_projection(self, columns: list[str]) -> bool:
        by_name = {c.name: c for c in self.context.physical_columns}
        self.columns = [by_name[n] for n in columns]
        return True

    def produced_columns(self) -> list[Column]:
        return list(self.columns)

    def create_reader(self) -> SourceReader:
        schema = pa.schema([pa.field(c.name, c.type.to_arrow()) for c in self.columns])
        table = self.table.select([c.name for c in self.columns])
        if table.schema != schema:
            table = table.cast(schema, safe=False)
        bounds = None
        if self.chunk_max > 0:
            rng = random.Random(self.seed)
            sizes = [rng.randint(1, self.chunk_max) for _ in range(table.num_rows // max(1, self.chunk_max // 2) + 2)]
            bounds = np.append(np.minimum(np.cumsum(sizes), table.num_rows), table.num_rows)
        reader = MemoryReader(table, self.kinds, bounds)
        if self.pause_group is not None:
            pause = self.pause_row if 0 <= self.pause_row <= table.num_rows else table.num_rows
            reader.pause = (_pause_group(self.pause_group), pause)
            reader.pause[0].join(reader)
        return reader

    def describe(self) -> str:
        return f"flowsql-memory rows={self.table.num_rows}"


class _PauseGroup:
    """Sources that pause together: each holds its rows from its pause offset on until all are there."""

    def __init__(self) -> None:
        self.readers: weakref.WeakSet = weakref.WeakSet()
        self.resumed_at: float | None = None

    def join(self, reader: MemoryReader) -> None:
        with _lock:
            self.readers.add(reader)
            self.resumed_at = None

    def open(self) -> bool:
        with _lock:
            if self.resumed_at is None and all(r.offset >= r.pause[1] for r in self.readers):
                self.resumed_at = time.perf_counter()
            return self.resumed_at is not None


_pause_groups: dict[str, _PauseGroup] = {}


def _pause_group(name: str) -> _PauseGroup:
    with _lock:
        return _pause_groups.setdefault(name, _PauseGroup())


def resumed_at(group: str) -> float | None:
    """When the sources of ``pause.group`` ``group`` went on after their pause (``time.perf_counter()``)."""
    with _lock:
        found = _pause_groups.get(group)
        return None if found is None else found.resumed_at


class MemoryReader(SourceReader):
    def __init__(self, table: pa.Table, kinds: np.ndarray | None, bounds: np.ndarray | None) -> None:
        self.table = table
        self.kinds = kinds
        self.bounds = bounds
        self.offset = 0
        self.pause: tuple[_PauseGroup, int] | None = None  # (group, offset to pause at)

    @property
    def finished(self) -> bool:
        return self.offset >= self.table.num_rows

    def poll(self, max_rows: int) -> ChangeBatch | None:
        if self.finished:
            return None
        end = self.offset + max_rows
        if self.pause is not None:
            group, at = self.pause
            if self.offset < at:
                end = min(end, at)
            elif self.offset == at and not group.open():
                return None  # held until every source of the group has reached its pause
        if self.bounds is not None:
            next_bound = self.bounds[np.searchsorted(self.bounds, self.offset, "right")]
            end = min(end, int(next_bound))
        end = min(end, self.table.num_rows)
        batch = self.table.slice(self.offset, end - self.offset)
        kinds = None if self.kinds is None else self.kinds[self.offset: end]
        self.offset = end
        return ChangeBatch(batch, kinds)

    def snapshot_position(self):
        return {"offset": self.offset}

    def restore_position(self, position) -> None:
        self.offset = int(position["offset"])

    def progress(self) -> tuple[int, int]:
        return self.offset, self.table.num_rows


class MemorySink(TableSink):
    """Collects every change written to it under its ``table-id`` (``collected(id)``): the
    ``flowsql test`` harness reads a pipeline's output from here, updates and deletes included."""

    def __init__(self, context: ConnectorContext) -> None:
        self.table_id = context.option("table-id", required=True)
        self.columns = [c.name for c in context.physical_columns if not c.virtual]

    def accepted_changelog_mode(self) -> ChangelogMode:
        return ChangelogMode.retract()

    def write(self, batch: ChangeBatch) -> None:
        with _lock:
            _collected.setdefault(self.table_id, []).append(batch)

    def describe(self) -> str:
        return f"flowsql-memory table-id={self.table_id}"


def collected(table_id: str) -> list[ChangeBatch]:
    """The changes a ``flowsql-memory`` sink received, in order."""
    with _lock:
        return list(_collected.get(table_id, []))


class MemoryFactory(ConnectorFactory):
    identifier = "flowsql-memory"
    required_options = ("table-id",)
    optional_options = ("chunk.max-rows", "chunk.seed", "pause.group", "pause.at-row")

    def create_source(self, context: ConnectorContext) -> TableSource:
        return MemorySource(context)

    def create_sink(self, context: ConnectorContext) -> TableSink:
        return MemorySink(context)


FACTORY = MemoryFactory()

__all__ = ["FACTORY", "MemoryFactory", "MemoryReader", "MemorySink", "MemorySource", "collected", "drop", "put",
           "resumed_at"]
