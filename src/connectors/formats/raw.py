"""Flink's ``raw`` format: a single STRING or BYTES column; in files, one value a line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
from flowsql.connectors.formats import Format, FormatWriter
from flowsql.connectors.formats.lines import BLOCK_BYTES, line_blocks


class RawFormat(Format):
    name = "raw"
    extension = "txt"
    option_keys = ("charset", "endianness")

    def __init__(self, columns, options, location) -> None:
        super().__init__(columns, options, location)
        if len(columns) != 1 or columns[0].type.name not in ("CHAR", "VARCHAR", "BINARY", "VARBINARY"):
            raise self.error("the raw format needs exactly one physical column of type STRING or BYTES",
                             hint="declare the table as (line STRING) or (payload BYTES)")
        self.charset = options.get("charset", "UTF-8")
        if self.charset.upper().replace("_", "-") not in ("UTF-8", "UTF8"):
            raise self.error(f"unsupported 'raw.charset': '{self.charset}'", hint="flowsql reads UTF-8 only")
        self.is_text = columns[0].type.is_string

    def read_file(self, path: str, columns: list[str], chunk_rows: int = 65536,
                  block_bytes: int = BLOCK_BYTES) -> Iterator[pa.Table]:
        name = self.columns[0].name
        for _, block in line_blocks(path, block_bytes):
            lines = block.split(b"\n")[:-1]
            values = pa.array(lines, pa.binary())
            if self.is_text:
                values = pc.utf8_rtrim(values.cast(pa.string()), characters="\r")
            table = pa.table({name: values})
            yield table.select(columns)

    def open_writer(self, file: BinaryIO) -> FormatWriter:
        return _RawWriter(self.columns[0].name, file)


class _RawWriter(FormatWriter):
    def __init__(self, name: str, file: BinaryIO) -> None:
        self.name, self.file = name, file

    def write(self, table: pa.Table) -> None:
        values = table.column(self.name).cast(pa.binary()).fill_null(b"")
        lines = pc.binary_join_element_wise(values, pa.scalar(b"\n", pa.binary()), pa.scalar(b"", pa.binary()))
        self.file.write(b"".join(lines.to_pylist()))


FORMAT = RawFormat
