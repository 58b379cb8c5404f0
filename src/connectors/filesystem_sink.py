"""The ``filesystem`` connector's sink: rolling part files committed in two phases, like Flink's FileSink.

Rows go to hidden in-progress files (``.part-<uuid>-<n>.<ext>.inprogress``), optionally in
``k=v/`` partition folders (partition columns name the folder and are not written, as in Flink).
A file rolls (is closed and becomes *pending*) when it reaches ``sink.rolling-policy.file-size``,
when it is older than ``.rollover-interval`` or idle for ``.inactivity-interval`` (checked every
``.check-interval`` as rows arrive), and at every checkpoint. A pending file is *committed*,
renamed to its final visible name ``part-<uuid>-<n>.<ext>`` in one step, only when the checkpoint
it was rolled for completes; restoring from a checkpoint commits that checkpoint's pending files
(again, harmlessly, if they were committed already) and deletes this sink's in-progress
leftovers, so the committed output holds every row exactly once. Without checkpoints, files are
committed at the end of input.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

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
from flowsql.connectors.options import duration_option, memory_option

DEFAULT_FILE_SIZE = 128 << 20
DEFAULT_ROLLOVER_MS = 30 * 60_000
DEFAULT_CHECK_MS = 60_000
logger = logging.getLogger("flowsql.connectors.filesystem")


@dataclass
class _OpenFile:
    directory: str
    name: str
    handle: BinaryIO
    writer: FormatWriter
    opened_at: float
    written_at: float


class FileSystemSink(TableSink):
    delivery_guarantee = "exactly-once"

    def __init__(self, context: ConnectorContext, clock: Callable[[], float] = time.monotonic) -> None:
        self.context = context
        self.clock = clock
        self.path = local_path(context.option("path", required=True))
        self.partition_keys = list(context.partition_keys)
        physical = [c for c in context.physical_columns if not c.virtual]
        missing = [k for k in self.partition_keys if k not in {c.name for c in physical}]
        if missing:
            raise context.error(f"partition column(s) {missing} are not columns of the table")
        self.data_columns = [c for c in physical if c.name not in self.partition_keys]
        self.format = table_format(context, self.data_columns)
        self.file_size = memory_option(context, "sink.rolling-policy.file-size", DEFAULT_FILE_SIZE)
        self.rollover_ms = duration_option(context, "sink.rolling-policy.rollover-interval", DEFAULT_ROLLOVER_MS)
        self.inactivity_ms = duration_option(context, "sink.rolling-policy.inactivity-interval", DEFAULT_ROLLOVER_MS)
        self.check_ms = duration_option(context, "sink.rolling-policy.check-interval", DEFAULT_CHECK_MS)
        self.last_check = clock()
        self.default_partition = context.option("partition.default-name", DEFAULT_PARTITION_NAME)
        policy = context.option("sink.partition-commit.policy.kind", "") or ""
        self.success_file = (context.option("sink.partition-commit.success-file.name", "_SUCCESS")
                             if "success-file" in policy else None)
        self.prefix = f"part-{uuid.uuid4()}"
        self.counter = 0
        self.open_files: dict[str, _OpenFile] = {}  # by partition folder
        # Closed files awaiting their commit: [checkpoint id (None until a checkpoint takes them),
        # folder, final name].
        self.pending: list[list] = []
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
        self._roll_by_time()

    def _roll_by_time(self) -> None:
        now = self.clock()
        if (now - self.last_check) * 1000 < self.check_ms:
            return
        self.last_check = now
        for folder, current in list(self.open_files.items()):
            if (now - current.opened_at) * 1000 >= self.rollover_ms or \
                    (now - current.written_at) * 1000 >= self.inactivity_ms:
                self._roll(folder)

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
        current.written_at = self.clock()
        if current.handle.tell() >= self.file_size:
            self._roll(folder)

    def _new_file(self, folder: str) -> _OpenFile:
        directory = os.path.join(self.path, folder) if folder else self.path
        os.makedirs(directory, exist_ok=True)
        name = f"{self.prefix}-{self.counter}.{self.format.extension}"
        self.counter += 1
        handle = open(os.path.join(directory, f".{name}.inprogress"), "wb")  # noqa: SIM115 - closed at roll
        now = self.clock()
        current = _OpenFile(directory, name, handle, self.format.open_writer(handle), now, now)
        self.open_files[folder] = current
        return current

    def _roll(self, folder: str) -> None:
        current = self.open_files.pop(folder)
        current.writer.close()
        current.handle.close()
        self.pending.append([None, current.directory, current.name])

    def _commit(self, directory: str, name: str) -> None:
        hidden = os.path.join(directory, f".{name}.inprogress")
        if os.path.exists(hidden):
            os.replace(hidden, os.path.join(directory, name))
        elif not os.path.exists(os.path.join(directory, name)):
            logger.warning("WARNING: the pending file %s of %s is gone; its rows are lost",
                           hidden, self.context.table_name)

    # -- two-phase commit with checkpoints ------------------------------------------------------
    def snapshot_state(self, checkpoint_id: int) -> Any:
        for folder in list(self.open_files):
            self._roll(folder)
        for entry in self.pending:
            if entry[0] is None:
                entry[0] = checkpoint_id
        return {"prefix": self.prefix, "counter": self.counter, "pending": [list(e) for e in self.pending]}

    def notify_checkpoint_complete(self, checkpoint_id: int) -> None:
        done = [e for e in self.pending if e[0] is not None and e[0] <= checkpoint_id]
        for _, directory, name in done:
            self._commit(directory, name)
        self.pending = [e for e in self.pending if e not in done]

    def restore_state(self, state: Any) -> None:
        self.close()
        self.pending = []
        if state is not None:
            self.prefix, self.counter = state["prefix"], int(state["counter"])
            for _, directory, name in state["pending"]:
                self._commit(directory, name)
        # Whatever this sink left in progress after that checkpoint is written again by the replay.
        leftover = f".{self.prefix}-"
        for directory, _, names in os.walk(self.path):
            for name in names:
                if name.startswith(leftover) and name.endswith(".inprogress"):
                    os.remove(os.path.join(directory, name))

    def finish(self) -> None:
        for folder in list(self.open_files):
            self._roll(folder)
        directories = {directory for _, directory, _ in self.pending}
        for _, directory, name in self.pending:
            self._commit(directory, name)
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
