"""The ``flowsql-memory`` connector: a bounded source over an Arrow table (or changelog) held in
this process.

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
"""

from __future__ import annotations

import itertools
import random
import threading

import numpy as np
import pyarrow as pa
from flowsql.common.changelog import ChangelogMode
from flowsql.common.changes import INSERT, ChangeBatch
from flowsql.common.connector import Column, ConnectorContext, ConnectorFactory, SourceReader, TableSource

_tables: dict[str, tuple[pa.Table, np.ndarray | None]] = {}
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
    _tables.pop(table_id, None)


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
        return MemoryReader(table, self.kinds, bounds)

    def describe(self) -> str:
        return f"flowsql-memory rows={self.table.num_rows}"


class MemoryReader(SourceReader):
    def __init__(self, table: pa.Table, kinds: np.ndarray | None, bounds: np.ndarray | None) -> None:
        self.table = table
        self.kinds = kinds
        self.bounds = bounds
        self.offset = 0

    @property
    def finished(self) -> bool:
        return self.offset >= self.table.num_rows

    def poll(self, max_rows: int) -> ChangeBatch | None:
        if self.finished:
            return None
        end = self.offset + max_rows
        if self.bounds is not None:
            next_bound = self.bounds[np.searchsorted(self.bounds, self.offset, "right")]
            end = min(end, int(next_bound))
        end = min(end, self.table.num_rows)
        batch = self.table.slice(self.offset, end - self.offset)
        kinds = None if self.kinds is None else self.kinds[self.offset: end]
        self.offset = end
        return ChangeBatch(batch, kinds)

    def position(self):
        return {"offset": self.offset}

    def seek(self, position) -> None:
        self.offset = int(position["offset"])

    def progress(self) -> tuple[int, int]:
        return self.offset, self.table.num_rows


class MemoryFactory(ConnectorFactory):
    identifier = "flowsql-memory"
    required_options = ("table-id",)
    optional_options = ("chunk.max-rows", "chunk.seed")

    def create_source(self, context: ConnectorContext) -> TableSource:
        return MemorySource(context)


FACTORY = MemoryFactory()

__all__ = ["FACTORY", "MemoryFactory", "MemoryReader", "MemorySource", "drop", "put"]
