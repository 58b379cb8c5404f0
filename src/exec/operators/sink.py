"""Sinks: writing a job's final changelog into a connector, or collecting it for a query result."""

from __future__ import annotations

import queue

import pyarrow as pa

from flowsql.common.changes import ChangeBatch
from flowsql.common.connector import TableSink
from flowsql.common.errors import ConnectorError, ExecutionError
from flowsql.exec.operator import Operator, RuntimeContext


class TableSinkOperator(Operator):
    """Writes into a connector sink. For an upsert sink (one with a primary key), -U rows are
    dropped: the following +U overwrites the key."""

    name = "Sink"

    def __init__(self, sink: TableSink, description: str, drop_update_before: bool) -> None:
        super().__init__()
        self.sink = sink
        self.description = description
        self.drop_update_before = drop_update_before

    def open(self, context: RuntimeContext) -> None:
        super().open(context)
        self._call(self.sink.open)

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if self.drop_update_before and batch.kinds is not None:
            batch = batch.filter(batch.kinds != 1)
        if batch.num_rows:
            self._call(self.sink.write, batch)
        return []

    def finish(self) -> list[ChangeBatch]:
        self._call(self.sink.finish)
        return []

    def close(self) -> None:
        self._call(self.sink.close)

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except (ConnectorError, ExecutionError):
            raise
        except Exception as e:
            raise ConnectorError(f"{type(e).__name__}: {e}", location=self.description) from e


class CollectSink(Operator):
    """Hands result batches to a consumer through a queue (TableResult iteration)."""

    name = "Collect"

    def __init__(self, schema: pa.Schema) -> None:
        super().__init__()
        self.schema = schema
        self.queue: queue.Queue = queue.Queue()

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if batch.num_rows:
            self.queue.put(ChangeBatch(batch.table.rename_columns(self.schema.names), batch.kinds))
        return []
