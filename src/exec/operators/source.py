"""Source: reads change batches from a connector's reader and conforms them to the plan's schema.

Emits what the connector produces (insert-only for most; a changelog for CDC/upsert sources).
One poll gathers the reader's small reads into one micro-batch while the reader keeps producing,
until the batch holds ``max_rows`` rows or its first row has waited
``flowsql.exec.batch.max-latency`` on the job's clock (see ``flowsql.exec.micro_batch``); when
the reader has nothing more right now, what was gathered goes at once. So a slow source's rows
appear promptly, a trickling one is handed over at least every latency bound, and nothing is
held between polls (a checkpoint between polls finds no rows in flight).
"""

from __future__ import annotations

import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.common.connector import SourceReader
from flowsql.common.errors import ConnectorError, ExecutionError
from flowsql.exec.expression import conform
from flowsql.exec.micro_batch import micro_batch_bounds
from flowsql.exec.operator import Operator, RuntimeContext


class Source(Operator):
    name = "Source"

    def __init__(self, reader: SourceReader, schema: pa.Schema, description: str) -> None:
        super().__init__()
        self.reader = reader
        self.schema = schema
        self.description = description
        self.max_latency_ms = 0

    def open(self, context: RuntimeContext) -> None:
        super().open(context)
        self.max_latency_ms = micro_batch_bounds(context.config).max_latency_ms

    @property
    def finished(self) -> bool:
        return self.reader.finished

    @property
    def skipped_records(self) -> int:
        """Malformed records the reader skipped (under a format's ignore-parse-errors)."""
        return int(getattr(self.reader, "skipped_records", 0) or 0)

    @property
    def current_split(self) -> str | None:
        """The split (file) the reader read last, for per-split watermarks; None if it has none."""
        return getattr(self.reader, "current_split", None)

    def poll(self, max_rows: int) -> ChangeBatch | None:
        first = self._read(max_rows)
        if first is None or self.context is None or self.max_latency_ms <= 0:
            return self._handed_over(first)
        clock = self.context.clock
        started = clock.now_ms()
        gathered, held = [first], first.num_rows
        while held < max_rows and not self.reader.finished and clock.now_ms() - started < self.max_latency_ms:
            batch = self._read(max_rows - held)
            if batch is None:  # the reader has caught up: hand over now
                break
            gathered.append(batch)
            held += batch.num_rows
        return self._handed_over(first if len(gathered) == 1 else ChangeBatch.concat(gathered))

    def _read(self, max_rows: int) -> ChangeBatch | None:
        try:
            batch = self.reader.poll(max_rows)
        except (ConnectorError, ExecutionError):
            raise
        except Exception as e:  # a connector bug or an I/O error: name the source
            raise ConnectorError(f"{type(e).__name__}: {e}", location=self.description) from e
        finally:
            self.metrics.skipped_records = self.skipped_records
        if batch is None or batch.num_rows == 0:
            return None
        table = batch.table
        if table.schema != self.schema:
            table = conform(table, self.schema)
        return ChangeBatch(table, batch.kinds)

    def _handed_over(self, batch: ChangeBatch | None) -> ChangeBatch | None:
        if batch is not None:
            self.metrics.rows_out += batch.num_rows
        return batch

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        return [batch]

    def close(self) -> None:
        self.reader.close()
