"""Source: reads change batches from a connector's reader and conforms them to the plan's schema.

Emits what the connector produces (insert-only for most; a changelog for CDC/upsert sources).
"""

from __future__ import annotations

import pyarrow as pa

from flowsql.common.changes import ChangeBatch
from flowsql.common.connector import SourceReader
from flowsql.common.errors import ConnectorError, ExecutionError
from flowsql.exec.expression import conform
from flowsql.exec.operator import Operator


class Source(Operator):
    name = "Source"

    def __init__(self, reader: SourceReader, schema: pa.Schema, description: str) -> None:
        super().__init__()
        self.reader = reader
        self.schema = schema
        self.description = description

    @property
    def finished(self) -> bool:
        return self.reader.finished

    def poll(self, max_rows: int) -> ChangeBatch | None:
        try:
            batch = self.reader.poll(max_rows)
        except (ConnectorError, ExecutionError):
            raise
        except Exception as e:  # a connector bug or an I/O error: name the source
            raise ConnectorError(f"{type(e).__name__}: {e}", location=self.description) from e
        if batch is None or batch.num_rows == 0:
            return None
        table = batch.table
        if table.schema != self.schema:
            table = conform(table, self.schema)
        self.metrics.rows_out += batch.num_rows
        return ChangeBatch(table, batch.kinds)

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        return [batch]

    def close(self) -> None:
        self.reader.close()
