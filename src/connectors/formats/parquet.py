"""The ``parquet`` format: columnar files read column-pruned and row-group-filtered.

Only the needed columns are read. Filters pushed by the planner become a ``pyarrow.dataset``
filter, so row groups whose statistics exclude them are skipped; columns are then cast to the
declared types (a column missing from a file reads as NULL).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from flowsql.connectors.formats import Format, FormatWriter
from flowsql.connectors.formats.conversion import conform


class ParquetFormat(Format):
    name = "parquet"
    extension = "parquet"
    option_keys = ("compression",)

    def __init__(self, columns, options, location) -> None:
        super().__init__(columns, options, location)
        self.compression = options.get("compression", "snappy")
        self.filter: ds.Expression | None = None

    def read_file(self, path: str, columns: list[str], chunk_rows: int = 65536, **_) -> Iterator[pa.Table]:
        dataset = ds.dataset(path, format="parquet")
        present = [c for c in columns if c in dataset.schema.names]
        scan_filter = self.filter if self.filter is not None and _covers(dataset.schema, self.filter) else None
        try:
            batches = dataset.to_batches(columns=present, filter=scan_filter, batch_size=chunk_rows)
            for batch in batches:
                if batch.num_rows:
                    yield self._conform(pa.Table.from_batches([batch]), columns, path)
        except (pa.ArrowInvalid, OSError) as e:
            if isinstance(e, pa.ArrowInvalid) and "Parquet" not in str(e):
                raise
            raise self.error(f"cannot read Parquet file {path}: {e}") from None

    def _conform(self, table: pa.Table, columns: list[str], path: str) -> pa.Table:
        arrays = []
        for name in columns:
            t = self.column(name).type
            if name not in table.column_names:
                arrays.append(pa.nulls(table.num_rows, t.to_arrow()))
                continue
            try:
                arrays.append(conform(table.column(name), t))
            except pa.ArrowException as e:
                raise self.error(f"column `{name}` of {table.column(name).type} in file {path} cannot be read "
                                 f"as {t.sql(False)}: {e}", hint="declare the column with the file's type") from None
        if not columns:
            return table.select([])
        return pa.table(arrays, schema=pa.schema([pa.field(n, self.column(n).type.to_arrow()) for n in columns]))

    def open_writer(self, file: BinaryIO) -> FormatWriter:
        return _ParquetWriter(self, file)


def _covers(schema: pa.Schema, expression: ds.Expression) -> bool:
    """True if every field the filter names is in the file (else the file is read unfiltered)."""
    try:
        schema.empty_table().filter(expression)
        return True
    except (pa.ArrowException, TypeError):
        return False


class _ParquetWriter(FormatWriter):
    def __init__(self, fmt: ParquetFormat, file: BinaryIO) -> None:
        self.fmt, self.file = fmt, file
        self.writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.file, table.schema, compression=self.fmt.compression)
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


FORMAT = ParquetFormat
