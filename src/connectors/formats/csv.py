"""Flink's ``csv`` format: header-less delimited text, one record a line.

Reading parses a block at once with ``pyarrow.csv`` using the declared column types (Arrow's own
parsers for numbers, booleans, dates, times and timestamps; text then ``conversion`` for the
rest). As in Flink, an empty unquoted field is NULL for non-string columns and an empty string for
string columns unless ``csv.null-literal`` says otherwise.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from flowsql.common.types import DataType
from flowsql.connectors.formats import Format, FormatWriter
from flowsql.connectors.formats.conversion import conform, decimal_read_type, from_strings, render_text
from flowsql.connectors.formats.lines import BLOCK_BYTES, LineParser

_NATIVE = {"BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE", "CHAR", "VARCHAR", "DATE"}
_TEXT_READABLE = _NATIVE | {"DECIMAL", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ", "BINARY", "VARBINARY"}


def read_type(t: DataType) -> pa.DataType:
    """What pyarrow.csv parses a field into before ``conform`` casts it to the declared type."""
    if t.name in _NATIVE:
        return t.to_arrow()
    if t.name == "DECIMAL":
        return decimal_read_type(t)
    if t.name == "TIME":
        return pa.time64("ns")
    if t.name == "TIMESTAMP":
        return pa.timestamp("ns")
    return pa.string()


class CsvFormat(Format):
    name = "csv"
    extension = "csv"
    option_keys = ("field-delimiter", "quote-character", "disable-quote-character", "allow-comments",
                   "ignore-parse-errors", "array-element-delimiter", "escape-character", "null-literal",
                   "write-bigdecimal-in-scientific-notation")

    def __init__(self, columns, options, location) -> None:
        super().__init__(columns, options, location)
        for c in columns:
            element = c.type.children[0] if c.type.name in ("ARRAY", "MULTISET") else c.type
            if element.name not in _TEXT_READABLE:
                raise self.error(f"the csv format does not support type {c.type} (column `{c.name}`)",
                                 hint="use the json or parquet format for nested types")
        self.delimiter = self._char("field-delimiter", ",")
        self.quote = None if self.flag("disable-quote-character") else self._char("quote-character", '"')
        self.escape = self._char("escape-character", None)
        self.allow_comments = self.flag("allow-comments")
        self.ignore_parse_errors = self.flag("ignore-parse-errors")
        self.null_literal = options.get("null-literal")
        self.array_delimiter = options.get("array-element-delimiter", ";")
        self.flag("write-bigdecimal-in-scientific-notation", True)

    def _char(self, key: str, default: str | None) -> str | None:
        value = self.options.get(key, default)
        if value is None:
            return None
        value = {"\\t": "\t"}.get(value, value)
        if len(value) != 1:
            raise self.error(f"option 'csv.{key}' must be a single character, found '{value}'")
        return value

    def parse_options(self) -> pa_csv.ParseOptions:
        return pa_csv.ParseOptions(delimiter=self.delimiter, quote_char=self.quote or False,
                                   escape_char=self.escape or False, double_quote=self.escape is None,
                                   ignore_empty_lines=True)

    def read_file(self, path: str, columns: list[str], chunk_rows: int = 65536,
                  block_bytes: int = BLOCK_BYTES) -> Iterator[pa.Table]:
        parser = _CsvParser(self, columns)
        try:
            yield from parser.read(path, block_bytes)
        finally:
            self.count_skipped(path, parser.skipped_records)

    def open_writer(self, file: BinaryIO) -> FormatWriter:
        return _CsvWriter(self, file)


class _CsvParser(LineParser):
    def __init__(self, fmt: CsvFormat, columns: list[str]) -> None:
        super().__init__(fmt.location)
        self.fmt = fmt
        self.columns = columns
        self.ignore_parse_errors = fmt.ignore_parse_errors
        self.hint = "set 'csv.ignore-parse-errors' = 'true' to skip malformed rows"
        names = [c.name for c in fmt.columns]
        null_values = [""] + ([fmt.null_literal] if fmt.null_literal else [])
        self.read_options = pa_csv.ReadOptions(column_names=names, autogenerate_column_names=False)
        self.convert_options = pa_csv.ConvertOptions(
            column_types={c.name: read_type(c.type) for c in fmt.columns},
            include_columns=columns or names[:1], null_values=null_values, strings_can_be_null=False,
            quoted_strings_can_be_null=False, true_values=["true", "True", "TRUE"],
            false_values=["false", "False", "FALSE"])
        self.text_options = pa_csv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False)

    def is_record(self, line: bytes) -> bool:
        return bool(line.strip()) and not (self.fmt.allow_comments and line.startswith(b"#"))

    def needs_filtering(self, block: bytes) -> bool:
        return self.fmt.allow_comments and b"#" in block

    def parse(self, records: bytes) -> pa.Table:
        if not records.strip():
            return self.fmt.empty_table(self.columns)
        raw = pa_csv.read_csv(io.BytesIO(records), read_options=self.read_options,
                              parse_options=self.fmt.parse_options(), convert_options=self.convert_options)
        if not self.columns:
            return raw.select([])
        return pa.table({name: self._convert(raw.column(name), self.fmt.column(name).type)
                         for name in self.columns}, schema=self._schema())

    def _schema(self) -> pa.Schema:
        return pa.schema([pa.field(n, self.fmt.column(n).type.to_arrow()) for n in self.columns])

    def _convert(self, array: pa.ChunkedArray, t: DataType) -> pa.Array:
        array = array.combine_chunks()
        if t.is_string and self.fmt.null_literal is not None:
            array = pc.if_else(pc.equal(array, self.fmt.null_literal), pa.scalar(None, array.type), array)
        elif not t.is_string and pa.types.is_string(array.type):
            array = pc.if_else(pc.equal(array, ""), pa.scalar(None, array.type), array)
        return conform(array, t, self.fmt.array_delimiter)

    def diagnose(self, line: bytes) -> str:
        try:
            text = pa_csv.read_csv(io.BytesIO(line + b"\n"), read_options=self.read_options,
                                   parse_options=self.fmt.parse_options(), convert_options=self.text_options)
        except pa.ArrowException as e:
            return f"expected {len(self.fmt.columns)} fields separated by '{self.fmt.delimiter}' ({e})"
        for name in self.columns:
            value = text.column(name)[0].as_py()
            t = self.fmt.column(name).type
            if value == "" or value == self.fmt.null_literal:
                continue
            try:
                from_strings(pa.array([value]), t, self.fmt.array_delimiter)
            except pa.ArrowException:
                return f"cannot parse '{value}' as {t.sql(False)} for column `{name}`"
        return "the record does not match the declared columns"


class _CsvWriter(FormatWriter):
    def __init__(self, fmt: CsvFormat, file: BinaryIO) -> None:
        self.fmt, self.file = fmt, file

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        columns = []
        for name in table.column_names:
            t = self.fmt.column(name).type
            array = render_text(table.column(name), t)
            if t.name in ("BINARY", "VARBINARY"):
                # Flink writes bytes as base64; Arrow has no kernel for it, so this loops per value.
                array = pa.array([None if v is None else base64.b64encode(v).decode("ascii")
                                  for v in array.to_pylist()], pa.string())
            elif t.name in ("ARRAY", "MULTISET"):
                array = pc.binary_join(render_text(array, t).cast(pa.list_(pa.string())), self.fmt.array_delimiter)
            if self.fmt.null_literal is not None:
                array = pc.fill_null(array.cast(pa.string()), self.fmt.null_literal)
            columns.append(array)
        options = pa_csv.WriteOptions(include_header=False, delimiter=self.fmt.delimiter,
                                      quoting_style="needed" if self.fmt.quote else "none")
        pa_csv.write_csv(pa.table(columns, names=table.column_names), self.file, options)


FORMAT = CsvFormat
