"""The ``flowsql-memory`` connector: a bounded source over an Arrow table held in this process.

``from_elements``, ``from_pandas`` and ``from_arrow`` register their data here (``put``) and
declare a table with ``'connector' = 'flowsql-memory', 'table-id' = '<id>'``, so large inputs are
scanned as Arrow slices instead of becoming giant VALUES lists. The position is a row offset, so
the source is replayable.
"""

from __future__ import annotations

import itertools
import threading

import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.common.connector import Column, ConnectorContext, ConnectorFactory, SourceReader, TableSource

_tables: dict[str, pa.Table] = {}
_ids = itertools.count(1)
_lock = threading.Lock()


def put(table: pa.Table) -> str:
    """Hold ``table`` for scanning; returns its id for the ``'table-id'`` option."""
    with _lock:
        table_id = str(next(_ids))
        _tables[table_id] = table
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
        self.table = _tables[table_id]
        self.columns = list(context.physical_columns)

    def apply_projection(self, columns: list[str]) -> bool:
        by_name = {c.name: c for c in self.context.physical_columns}
        self.columns = [by_name[n] for n in columns]
        return True

    def produced_columns(self) -> list[Column]:
        return list(self.columns)

    def create_reader(self) -> SourceReader:
        names = [c.name for c in self.columns]
        schema = pa.schema([pa.field(c.name, c.type.to_arrow()) for c in self.columns])
        table = self.table.select(names)
        if table.schema != schema:
            table = table.cast(schema, safe=False)
        return MemoryReader(table)

    def describe(self) -> str:
        return f"flowsql-memory rows={self.table.num_rows}"


class MemoryReader(SourceReader):
    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self.offset = 0

    @property
    def finished(self) -> bool:
        return self.offset >= self.table.num_rows

    def poll(self, max_rows: int) -> ChangeBatch | None:
        if self.finished:
            return None
        batch = self.table.slice(self.offset, max_rows)
        self.offset += batch.num_rows
        return ChangeBatch(batch)

    def position(self):
        return {"offset": self.offset}

    def seek(self, position) -> None:
        self.offset = int(position["offset"])

    def progress(self) -> tuple[int, int]:
        return self.offset, self.table.num_rows


class MemoryFactory(ConnectorFactory):
    identifier = "flowsql-memory"
    required_options = ("table-id",)

    def create_source(self, context: ConnectorContext) -> TableSource:
        return MemorySource(context)


FACTORY = MemoryFactory()

__all__ = ["FACTORY", "MemoryFactory", "MemoryReader", "MemorySource", "drop", "put"]
