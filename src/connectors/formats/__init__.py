"""File and message formats shared by connectors: ``csv``, ``json``, ``parquet``, ``raw``.

A format reads one file into Arrow tables of the declared column types and writes tables back.
Its options arrive without the ``<format>.`` prefix (``csv.field-delimiter`` → ``field-delimiter``).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
from flowsql.common.connector import Column
from flowsql.common.errors import ConnectorError, did_you_mean

_MODULES = {"csv": "csv", "json": "json", "parquet": "parquet", "raw": "raw"}


class FormatWriter:
    """Appends tables to one open file; ``close`` finishes the file (a Parquet footer, say)."""

    def write(self, table: pa.Table) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class Format:
    """Reads files into tables of the declared schema and writes tables into files."""

    name = ""
    extension = ""
    option_keys: tuple[str, ...] = ()
    # Position in a file can be restored by re-reading and skipping rows.

    def __init__(self, columns: list[Column], options: dict[str, str], location: str) -> None:
        self.columns = columns  # the data columns of a file, in file order
        self.options = options
        self.location = location  # "table `...`", for error messages
        self.skipped_records = 0  # malformed records skipped under '<format>.ignore-parse-errors'
        self.skipped_by_file: dict[str, int] = {}  # the same, by file, for the end-of-job warning

    def read_file(self, path: str, columns: list[str], chunk_rows: int = 65536) -> Iterator[pa.Table]:
        """Tables holding ``columns`` (a subset of the data columns, in that order) of one file."""
        raise NotImplementedError

    def open_writer(self, file: BinaryIO) -> FormatWriter:
        raise NotImplementedError

    def write(self, table: pa.Table, file: BinaryIO) -> None:
        writer = self.open_writer(file)
        writer.write(table)
        writer.close()

    # -- helpers for subclasses ------------------------------------------------------------
    def count_skipped(self, path: str, count: int) -> None:
        """Record ``count`` malformed records skipped in ``path`` (under ignore-parse-errors)."""
        if count:
            self.skipped_records += count
            self.skipped_by_file[path] = self.skipped_by_file.get(path, 0) + count

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def error(self, message: str, hint: str | None = None) -> ConnectorError:
        return ConnectorError(message, location=self.location, hint=hint)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.options.get(key)
        if value is None:
            return default
        if value.strip().lower() not in ("true", "false"):
            raise self.error(f"option '{self.name}.{key}' must be 'true' or 'false', found '{value}'")
        return value.strip().lower() == "true"

    def empty_table(self, columns: list[str]) -> pa.Table:
        return pa.schema([pa.field(c, self.column(c).type.to_arrow()) for c in columns]).empty_table()


def available_formats() -> list[str]:
    return sorted(_MODULES)


def format_class(name: str, location: str) -> type[Format]:
    if name not in _MODULES:
        hint = did_you_mean(name, _MODULES)
        raise ConnectorError(f"Could not find any format factory for identifier '{name}'", location=location,
                             hint=(hint + " " if hint else "") + "available formats: " + ", ".join(sorted(_MODULES)))
    return importlib.import_module(f"flowsql.connectors.formats.{_MODULES[name]}").FORMAT


def create_format(name: str, columns: list[Column], options: dict[str, str], location: str) -> Format:
    """The format ``name`` for these data columns; ``options`` holds only that format's keys, unprefixed."""
    return format_class(name, location)(columns, options, location)
