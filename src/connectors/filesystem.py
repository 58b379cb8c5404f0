"""The ``filesystem`` connector's source: files of one format under a path, bounded or monitored.

Without ``source.monitor-interval`` the source reads every file once (sorted by path) and ends;
with it, it keeps listing the path and reads files it has not seen. Its position is (file index,
rows read from that file), so a restore re-opens the file and skips exactly those rows.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.dataset as ds
from flowsql.common.changes import ChangeBatch
from flowsql.common.connector import (
    Column,
    ColumnPredicate,
    ConnectorContext,
    ConnectorFactory,
    LookupFunction,
    LookupTableSource,
    SourceReader,
    TableSink,
    TableSource,
)
from flowsql.connectors.files import DEFAULT_PARTITION_NAME, DataFile, discover, local_path, partition_value
from flowsql.connectors.formats import Format, create_format, format_class
from flowsql.connectors.options import check_options, duration_option

METADATA = {"file.path": "STRING", "file.name": "STRING", "file.size": "BIGINT",
            "file.modification-time": "TIMESTAMP_LTZ(3)"}

SOURCE_SINK_OPTIONS = (
    "path", "format", "source.monitor-interval", "source.path.regex-pattern", "source.report-statistics",
    "partition.default-name", "partition.time-extractor.kind", "partition.time-extractor.class",
    "partition.time-extractor.timestamp-pattern", "partition.time-extractor.timestamp-formatter",
    "sink.rolling-policy.file-size", "sink.rolling-policy.rollover-interval",
    "sink.rolling-policy.inactivity-interval", "sink.rolling-policy.check-interval",
    "sink.partition-commit.trigger", "sink.partition-commit.delay", "sink.partition-commit.policy.kind",
    "sink.partition-commit.success-file.name", "sink.partition-commit.watermark-time-zone",
    "auto-compaction", "compaction.file-size", "sink.parallelism", "sink.shuffle-by-partition.enable",
    "scan.parallelism",
)


def table_format(context: ConnectorContext, data_columns: list[Column]) -> Format:
    """The table's format, given its own (unprefixed) options; unknown options are rejected first."""
    name = context.option("format", required=True)
    cls = format_class(name, f"table {context.table_name}")
    from flowsql.connectors.lookup_cache import LOOKUP_OPTIONS

    check_options(context, "filesystem",
                  SOURCE_SINK_OPTIONS + LOOKUP_OPTIONS + tuple(f"{name}.{k}" for k in cls.option_keys))
    prefix = f"{name}."
    own = {k[len(prefix):]: v for k, v in context.options.items() if k.startswith(prefix)}
    return create_format(name, data_columns, own, f"table {context.table_name}")


class FileSystemSource(TableSource, LookupTableSource):
    def __init__(self, context: ConnectorContext) -> None:
        self.context = context
        self.path = context.option("path", required=True)
        self.partition_keys = list(context.partition_keys)
        self.data_columns = [c for c in context.physical_columns if c.name not in self.partition_keys]
        self.format = table_format(context, self.data_columns)
        for c in context.metadata_columns:
            if c.metadata_key not in METADATA:
                raise context.error(f"metadata key '{c.metadata_key}' of column `{c.name}` is not provided by "
                                    "the filesystem connector", hint="available: " + ", ".join(METADATA))
        self.monitor_interval_ms = duration_option(context, "source.monitor-interval")
        self.bounded = self.monitor_interval_ms is None
        pattern = context.option("source.path.regex-pattern")
        try:
            self.regex = re.compile(pattern) if pattern else None
        except re.error as e:
            raise context.error(f"'source.path.regex-pattern' is not a valid regex: {e}") from None
        self.default_partition = context.option("partition.default-name", DEFAULT_PARTITION_NAME)
        self.columns = list(context.columns)
        self.predicates: list[ColumnPredicate] = []
        from flowsql.connectors.lookup_cache import LookupCacheOptions

        self.lookup_options = LookupCacheOptions.from_context(context)  # checked here, used by lookup joins

    def apply_projection(self, columns: list[str]) -> bool:
        by_name = {c.name: c for c in self.context.columns}
        self.columns = [by_name[name] for name in columns]
        return True

    def apply_filters(self, predicates: list[ColumnPredicate]) -> list[ColumnPredicate]:
        # Parquet skips row groups (and rows) with a dataset filter; the engine still re-applies all.
        if self.format.name == "parquet":
            data = {c.name for c in self.data_columns}
            expressions = [e for e in (_expression(p) for p in predicates if p.column in data) if e is not None]
            if expressions:
                combined = expressions[0]
                for e in expressions[1:]:
                    combined = combined & e
                self.format.filter = combined
                self.predicates = list(predicates)
        return predicates

    def produced_columns(self) -> list[Column]:
        return list(self.columns)

    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type.to_arrow()) for c in self.columns])

    def files(self) -> list[DataFile]:
        return discover(self.path, self.regex)

    def create_reader(self) -> FileSystemReader:
        return FileSystemReader(self)

    def batch_scan_sql(self) -> str | None:
        from flowsql.connectors.filesystem_sql import scan_sql
        return scan_sql(self) if self.bounded else None

    def skipped_records(self) -> list[tuple[str, int, str]]:
        option = f"{self.format.name}.ignore-parse-errors = true"
        return [(path, count, option) for path, count in self.format.skipped_by_file.items()]

    def create_lookup_function(self, key_columns: list[str]) -> LookupFunction:
        """Lookups read the files whole (there is no index), cached as 'lookup.cache' says."""
        from flowsql.connectors.lookup_cache import CachingLookupFunction

        return CachingLookupFunction(self._read_all, self.schema(), key_columns, self.lookup_options)

    def _read_all(self) -> pa.Table:
        reader = FileSystemReader(self)
        tables = []
        while not reader.finished:
            batch = reader.poll(1 << 20)
            if batch is None:
                break
            tables.append(batch.table)
        return pa.concat_tables(tables) if tables else self.schema().empty_table()

    def describe(self) -> str:
        text = f"filesystem path={self.path} format={self.format.name}"
        if self.monitor_interval_ms is not None:
            text += f" monitor-interval={self.monitor_interval_ms}ms"
        if self.predicates:
            text += " filter=[" + ", ".join(f"{p.column} {p.op} {p.value!r}" for p in self.predicates) + "]"
        return text


_OPS = {"=": "__eq__", "==": "__eq__", "<>": "__ne__", "!=": "__ne__", "<": "__lt__", "<=": "__le__",
        ">": "__gt__", ">=": "__ge__"}


def _expression(p: ColumnPredicate) -> ds.Expression | None:
    field = ds.field(p.column)
    op = p.op.upper()
    if op == "IS NULL":
        return field.is_null()
    if op == "IS NOT NULL":
        return field.is_valid()
    if op == "IN" and isinstance(p.value, (list, tuple)):
        return field.isin(list(p.value))
    if op in _OPS and p.value is not None:
        return getattr(field, _OPS[op])(ds.scalar(p.value))
    return None


class FileSystemReader(SourceReader):
    """Reads the files in order, in batches of at most ``max_rows`` rows; see the module docstring."""

    progress_unit = "bytes"  # progress() counts the bytes of the files read to their end

    def __init__(self, source: FileSystemSource, clock=time.monotonic) -> None:
        self.source = source
        self.clock = clock
        self.schema = source.schema()
        produced = {c.name for c in source.columns}
        self.read_columns = [c.name for c in source.data_columns if c.name in produced]
        self.files: list[DataFile] = source.files()
        self.seen = {f.path for f in self.files}
        self.last_scan = clock()
        self.file_index = 0
        self.row_offset = 0  # rows of files[file_index] already returned
        self.chunks: Iterator[pa.Table] | None = None
        self.pending: pa.Table | None = None
        self.chunk_rows = 65536
        self.current_split: str | None = None  # the file the last batch came from (its watermark split)

    @property
    def skipped_records(self) -> int:
        """Malformed records skipped so far under '<format>.ignore-parse-errors'."""
        return self.source.format.skipped_records

    @property
    def finished(self) -> bool:
        return self.source.bounded and self.file_index >= len(self.files) and not self.pending

    def poll(self, max_rows: int) -> ChangeBatch | None:
        self.chunk_rows = max_rows  # files are decoded in chunks of the batch size the runtime asks for
        while True:
            if self.pending is not None and self.pending.num_rows:
                out = self.pending.slice(0, max_rows)
                self.pending = self.pending.slice(out.num_rows)
                self.row_offset += out.num_rows
                self.current_split = self.files[self.file_index].path
                return ChangeBatch(out)
            if self.chunks is None:
                if self.file_index >= len(self.files) and not self._rescan():
                    return None
                self.chunks = self._open(self.files[self.file_index], self.row_offset)
            chunk = next(self.chunks, None)
            if chunk is None:
                self.chunks, self.pending = None, None
                self.file_index += 1
                self.row_offset = 0
            else:
                self.pending = chunk

    def _rescan(self) -> bool:
        """Monitoring: list the path again when the interval has passed; True if new files came."""
        interval = self.source.monitor_interval_ms
        if interval is None or (self.clock() - self.last_scan) * 1000 < interval:
            return False
        self.last_scan = self.clock()
        new = [f for f in self.source.files() if f.path not in self.seen]
        self.files.extend(new)
        self.seen.update(f.path for f in new)
        return bool(new)

    def _open(self, file: DataFile, skip: int) -> Iterator[pa.Table]:
        constants = self._constants(file)
        fmt = self.source.format
        for chunk in fmt.read_file(local_path(file.path), self.read_columns, chunk_rows=self.chunk_rows):
            if skip:
                dropped = min(skip, chunk.num_rows)
                chunk, skip = chunk.slice(dropped), skip - dropped
            if chunk.num_rows:
                yield self._complete(chunk, constants)

    def _constants(self, file: DataFile) -> dict[str, pa.Scalar]:
        values: dict[str, pa.Scalar] = {}
        directories = dict(file.partition)
        for c in self.source.columns:
            if c.metadata_key is not None:
                meta = {"file.path": file.path, "file.name": file.path.rsplit("/", 1)[-1],
                        "file.size": file.size, "file.modification-time": file.modified_ms}[c.metadata_key]
                values[c.name] = pa.scalar(meta).cast(c.type.to_arrow())
            elif c.name in self.source.partition_keys:
                text = directories.get(c.name)
                try:
                    values[c.name] = partition_value(text, c.type, self.source.default_partition)
                except pa.ArrowException:
                    raise self.source.context.error(
                        f"cannot parse partition value '{text}' as {c.type.sql(False)} for column `{c.name}` "
                        f"in {file.path}") from None
        return values

    def _complete(self, chunk: pa.Table, constants: dict[str, pa.Scalar]) -> pa.Table:
        if not constants and chunk.column_names == self.schema.names:
            return chunk
        arrays = [constants[f.name] if f.name in constants else chunk.column(f.name) for f in self.schema]
        arrays = [pa.repeat(a, chunk.num_rows) if isinstance(a, pa.Scalar) else a for a in arrays]
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def snapshot_position(self) -> list:
        if self.source.bounded:
            return [self.file_index, self.row_offset]
        return [self.file_index, self.row_offset, [f.path for f in self.files]]

    def restore_position(self, position: list) -> None:
        self.file_index, self.row_offset = int(position[0]), int(position[1])
        if len(position) > 2:
            known = {f.path: f for f in self.source.files()}
            self.files = [known[p] for p in position[2] if p in known]
            self.seen = set(position[2])
        self.chunks, self.pending = None, None

    def progress(self) -> tuple[int, int] | None:
        if not self.source.bounded:
            return None
        total = sum(f.size for f in self.files)
        done = sum(f.size for f in self.files[: self.file_index])
        return done, total

    def close(self) -> None:
        self.chunks, self.pending = None, None


class FileSystemFactory(ConnectorFactory):
    identifier = "filesystem"
    supports_lookup = True
    required_options = ("path", "format")
    optional_options = SOURCE_SINK_OPTIONS[2:]

    def create_source(self, context: ConnectorContext) -> TableSource:
        return FileSystemSource(context)

    def create_sink(self, context: ConnectorContext) -> TableSink:
        from flowsql.connectors.filesystem_sink import FileSystemSink
        return FileSystemSink(context)


FACTORY = FileSystemFactory()
