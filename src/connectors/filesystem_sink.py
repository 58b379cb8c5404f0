"""The ``filesystem`` connector's sink: rolling part files, optionally in ``k=v/`` partition folders.

Rows go to hidden in-progress files (``.part-<uuid>-<n>.<ext>.inprogress``); a file rolls over
when it reaches ``sink.rolling-policy.file-size``. ``finish()`` closes every file and renames it
to its final name ``part-<uuid>-<n>.<ext>`` in one step, so readers never see a partial file.
Partition columns name the folder and are not written into the files, as in Flink.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
from flowsql.common.changes import ChangeBatch
from flowsql.common.connector import ConnectorContext, TableSink
from flowsql.common.errors import ConnectorError
from flowsql.common.types import from_arrow
from flowsql.connectors.files import DEFAULT_PARTITION_NAME, local_path, partition_path
from flowsql.connectors.filesystem import table_format
from flowsql.connectors.formats import FormatWriter
from flowsql.connectors.formats.conversion import render_text
from flowsql.connectors.options import memory_option

DEFAULT_FILE_SIZE = 128 << 20


@dataclass
class _OpenFile:
    directory: str
    name: str
    handle: BinaryIO
    writer: FormatWriter


class FileSystemSink(TableSink):
    delivery_guarantee = "exactly-once"

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context
        self.path = local_path(context.option("path", required=True))
        self.partition_keys = list(context.partition_keys)
        physical = [c for c in context.physical_columns if not c.virtual]
        missing = [k for k in self.partition_keys if k not in {c.name for c in physical}]
        if missing:
            raise context.error(f"partition column(s) {missing} are not columns of the table")
        self.data_columns = [c for c in physical if c.name not in self.partition_keys]
        self.format = table_format(context, self.data_columns)
        self.file_size = memory_option(context, "sink.rolling-policy.file-size", DEFAULT_FILE_SIZE)
        self.default_partition = context.option("partition.default-name", DEFAULT_PARTITION_NAME)
        policy = context.option("sink.partition-commit.policy.kind", "") or ""
        self.success_file = (context.option("sink.partition-commit.success-file.name", "_SUCCESS")
                             if "success-file" in policy else None)
        self.prefix = f"part-{uuid.uuid4()}"
        self.counter = 0
        self.open_files: dict[str, _OpenFile] = {}  # by partition folder
        self.pending: list[_OpenFile] = []  # closed, awaiting the rename at finish()
        self.rows_written = 0

    def open(self) -> None:
        os.makedirs(self.path, exist_ok=True)

    def write(self, batch: ChangeBatch) -> None:
        if not batch.is_insert_only:
            raise self.context.error(
                "the filesystem sink only accepts inserts but received updates or deletes",
                hint="write an insert-only query, or use a connector that accepts updates (e.g. upsert-kafka)")
        if batch.num_rows == 0:
            return
        table = batch.table
        if not self.partition_keys:
            self._append("", table)
        else:
            for folder, part in self._split(table):
                self._append(folder, part)
        self.rows_written += batch.num_rows

    def _split(self, table: pa.Table):
        """(partition folder, rows) groups, each group's rows in input order."""
        keys = table.select(self.partition_keys)
        texts = [pc.fill_null(self._partition_text(keys.column(k)), self.default_partition) for k in self.partition_keys]
        combos = pa.table(texts, names=self.partition_keys)
        distinct = combos.group_by(self.partition_keys, use_threads=False).aggregate([])
        data_names = [c.name for c in self.data_columns]
        for row in distinct.to_pylist():  # one loop turn per partition, not per row
            mask = None
            for k in self.partition_keys:
                eq = pc.equal(combos.column(k), row[k])
                mask = eq if mask is None else pc.and_(mask, eq)
            yield partition_path(self.partition_keys, [row[k] for k in self.partition_keys]), \
                table.filter(mask).select(data_names)

    @staticmethod
    def _partition_text(array: pa.ChunkedArray) -> pa.ChunkedArray:
        return render_text(array, from_arrow(array.type)).cast(pa.string())

    def _append(self, folder: str, table: pa.Table) -> None:
        table = table.select([c.name for c in self.data_columns])
        current = self.open_files.get(folder) or self._new_file(folder)
        current.writer.write(table)
        if current.handle.tell() >= self.file_size:
            self._roll(folder)

    def _new_file(self, folder: str) -> _OpenFile:
        directory = os.path.join(self.path, folder) if folder else self.path
        os.makedirs(directory, exist_ok=True)
        name = f"{self.prefix}-{self.counter}.{self.format.extension}"
        self.counter += 1
        handle = open(os.path.join(directory, f".{name}.inprogress"), "wb")  # noqa: SIM115 - closed at roll
        current = _OpenFile(directory, name, handle, self.format.open_writer(handle))
        self.open_files[folder] = current
        return current

    def _roll(self, folder: str) -> None:
        current = self.open_files.pop(folder)
        current.writer.close()
        current.handle.close()
        self.pending.append(current)

    def finish(self) -> None:
        for folder in list(self.open_files):
            self._roll(folder)
        directories = set()
        for done in self.pending:
            os.replace(os.path.join(done.directory, f".{done.name}.inprogress"),
                       os.path.join(done.directory, done.name))
            directories.add(done.directory)
        self.pending = []
        if self.success_file:
            for directory in directories or {self.path}:
                open(os.path.join(directory, self.success_file), "wb").close()

    def close(self) -> None:
        for current in self.open_files.values():
            try:
                current.writer.close()
            except (OSError, pa.ArrowException, ConnectorError):
                pass
            current.handle.close()
        self.open_files = {}

    def describe(self) -> str:
        parts = f" partitioned by {self.partition_keys}" if self.partition_keys else ""
        return f"filesystem path={self.path} format={self.format.name}{parts}"
