"""Flink's ``json`` format: one JSON object a line, fields matched by name.

Reading parses a block at once with ``pyarrow.json`` under an explicit schema (numbers, booleans,
strings, arrays and rows natively; dates, times and timestamps as text, then ``conversion``).
Writing renders timestamps as ``json.timestamp-format.standard`` says (SQL: ``2024-01-01
10:00:00.5``, ISO-8601: ``2024-01-01T10:00:00.5``; LTZ values end in ``Z``) and bytes as base64.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import BinaryIO

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
from flowsql.common.types import DataType
from flowsql.connectors.formats import Format, FormatWriter
from flowsql.connectors.formats.conversion import conform, decimal_read_type, render_text
from flowsql.connectors.formats.lines import BLOCK_BYTES, LineParser


def read_type(t: DataType) -> pa.DataType | None:
    """What pyarrow.json parses a field into before ``conform``; None when it cannot (MAP)."""
    n = t.name
    if n in ("BOOLEAN", "CHAR", "VARCHAR"):
        return t.to_arrow()
    if t.is_integer:
        return pa.int64()
    if n in ("FLOAT", "DOUBLE"):
        return pa.float64()
    if n == "DECIMAL":
        return decimal_read_type(t)
    if n in ("ARRAY", "MULTISET"):
        inner = read_type(t.children[0])
        return None if inner is None else pa.list_(inner)
    if n == "ROW":
        inner = [read_type(c) for c in t.children]
        return None if any(i is None for i in inner) else pa.struct(list(zip(t.field_names, inner)))
    if n == "MAP":
        return None
    return pa.string()


class JsonFormat(Format):
    name = "json"
    extension = "json"
    option_keys = ("fail-on-missing-field", "ignore-parse-errors", "timestamp-format.standard",
                   "map-null-key.mode", "map-null-key.literal", "encode.decimal-as-plain-number")

    def __init__(self, columns, options, location) -> None:
        super().__init__(columns, options, location)
        self.fail_on_missing_field = self.flag("fail-on-missing-field")
        self.ignore_parse_errors = self.flag("ignore-parse-errors")
        if self.fail_on_missing_field and self.ignore_parse_errors:
            raise self.error("'json.fail-on-missing-field' and 'json.ignore-parse-errors' cannot both be true")
        self.timestamp_standard = options.get("timestamp-format.standard", "SQL").upper()
        if self.timestamp_standard not in ("SQL", "ISO-8601"):
            raise self.error(f"unsupported 'json.timestamp-format.standard': '{self.timestamp_standard}'",
                             hint="use 'SQL' or 'ISO-8601'")

    def read_file(self, path: str, columns: list[str], chunk_rows: int = 65536,
                  block_bytes: int = BLOCK_BYTES) -> Iterator[pa.Table]:
        parser = _JsonParser(self, columns)
        try:
            yield from parser.read(path, block_bytes)
        finally:
            self.count_skipped(path, parser.skipped_records)

    def open_writer(self, file: BinaryIO) -> FormatWriter:
        return _JsonWriter(self, file)


class _JsonParser(LineParser):
    def __init__(self, fmt: JsonFormat, columns: list[str]) -> None:
        super().__init__(fmt.location)
        self.fmt = fmt
        self.columns = columns
        self.ignore_parse_errors = fmt.ignore_parse_errors
        self.hint = "set 'json.ignore-parse-errors' = 'true' to skip malformed rows"
        self.read_types = {n: read_type(fmt.column(n).type) for n in columns}
        native = [pa.field(n, t) for n, t in self.read_types.items() if t is not None]
        self.parse_options = pa_json.ParseOptions(explicit_schema=pa.schema(native),
                                                  unexpected_field_behavior="ignore")

    def parse(self, records: bytes) -> pa.Table:
        if not records.strip():
            return self.fmt.empty_table(self.columns)
        raw = pa_json.read_json(io.BytesIO(records), parse_options=self.parse_options)
        objects = None
        if any(t is None for t in self.read_types.values()) or self._may_miss_fields(raw):
            # MAP columns and missing-field checks need the objects themselves: a per-record loop,
            # taken only for MAP columns or when 'json.fail-on-missing-field' meets a NULL.
            objects = [json.loads(line) for line in records.split(b"\n") if line.strip()]
            self._check_fields(objects)
        arrays = []
        for name in self.columns:
            t = self.fmt.column(name).type
            if self.read_types[name] is None:
                arrays.append(pa.array([o.get(name) for o in objects], t.to_arrow()))
            else:
                arrays.append(conform(raw.column(name), t))
        return pa.table(arrays, schema=pa.schema([pa.field(n, self.fmt.column(n).type.to_arrow())
                                                  for n in self.columns])) if self.columns \
            else raw.select([])

    def _may_miss_fields(self, raw: pa.Table) -> bool:
        return self.fmt.fail_on_missing_field and any(
            raw.column(n).null_count for n in raw.column_names)

    def _check_fields(self, objects: list) -> None:
        if not self.fmt.fail_on_missing_field:
            return
        for obj in objects:
            for name in self.columns:
                if name not in obj:
                    raise ValueError(f"field `{name}` is missing")

    def diagnose(self, line: bytes) -> str:
        try:
            obj = json.loads(line)
        except ValueError as e:
            return f"invalid JSON ({e})"
        if not isinstance(obj, dict):
            return "expected a JSON object"
        for name in self.columns:
            t = self.fmt.column(name).type
            if name not in obj:
                if self.fmt.fail_on_missing_field:
                    return f"field `{name}` is missing"
                continue
            value = obj[name]
            try:
                read = self.read_types[name]
                if read is None:
                    pa.array([value], t.to_arrow())
                else:
                    conform(pa.array([value], read), t)
            except (pa.ArrowException, ValueError, TypeError, OverflowError):
                return f"cannot parse {json.dumps(value)[:60]} as {t.sql(False)} for column `{name}`"
        return "the record does not match the declared columns"


class _JsonWriter(FormatWriter):
    def __init__(self, fmt: JsonFormat, file: BinaryIO) -> None:
        self.fmt, self.file = fmt, file

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        arrays = [self._render(table.column(n), self.fmt.column(n).type) for n in table.column_names]
        rendered = pa.table(arrays, names=table.column_names)
        # DuckDB's to_json serializes whole Arrow columns at once, keeping the column order.
        with duckdb.connect() as con:
            con.register("rendered", rendered)
            lines = con.sql("SELECT to_json(struct_pack(*COLUMNS(*))) FROM rendered").to_arrow_table().column(0)
        text = pc.binary_join_element_wise(lines.cast(pa.string()), "\n", "")
        self.file.write("".join(text.to_pylist()).encode("utf-8"))

    def _render(self, array: pa.ChunkedArray, t: DataType) -> pa.Array:
        if t.name in ("BINARY", "VARBINARY"):
            # JSON carries bytes as base64 text; Arrow has no kernel for it, so this loops per value.
            return pa.array([None if v is None else base64.b64encode(v).decode("ascii")
                             for v in array.to_pylist()], pa.string())
        return render_text(array, t, self.fmt.timestamp_standard)


FORMAT = JsonFormat
