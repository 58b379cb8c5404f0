"""DuckDB table expressions for bounded filesystem scans, so batch mode can hand them to DuckDB.

Only scans whose meaning DuckDB reproduces exactly get one: Parquet files, and CSV files without
comments, skipped errors or types that need Flink-specific parsing. CSV columns are read as text
and cast, which keeps Flink's rule that an empty field is NULL except for strings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowsql.common.types import DataType

if TYPE_CHECKING:
    from flowsql.connectors.filesystem import FileSystemSource

_CSV_TYPES = {"BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE", "DECIMAL", "CHAR",
              "VARCHAR", "DATE", "TIME", "TIMESTAMP"}


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def scan_sql(source: FileSystemSource) -> str | None:
    partition = set(source.partition_keys)
    if any(c.metadata_key is not None or c.name in partition for c in source.columns):
        return None
    files = source.files()
    if not files:
        return None
    file_list = "[" + ", ".join(quote_literal(f.path) for f in files) + "]"
    fmt = source.format
    if fmt.name == "parquet":
        select = ", ".join(f"CAST({quote_name(c.name)} AS {c.type.to_duckdb()}) AS {quote_name(c.name)}"
                           for c in source.columns) or "1 AS _"
        return f"(SELECT {select} FROM read_parquet({file_list}, union_by_name = true))"
    if fmt.name == "csv":
        return _csv_sql(source, file_list)
    return None


def _csv_sql(source: FileSystemSource, file_list: str) -> str | None:
    fmt = source.format
    if fmt.allow_comments or fmt.ignore_parse_errors or fmt.escape is not None:
        return None
    if any(c.type.name not in _CSV_TYPES for c in fmt.columns):
        return None
    # Every field is read as text (no NULL spelling can match: a NUL byte), then cast like Flink.
    columns = "{" + ", ".join(f"{quote_literal(c.name)}: 'VARCHAR'" for c in fmt.columns) + "}"
    quote = quote_literal(fmt.quote) if fmt.quote else "''"
    reader = (f"read_csv({file_list}, header = false, auto_detect = false, delim = {quote_literal(fmt.delimiter)}, "
              f"quote = {quote}, columns = {columns}, nullstr = '\\0', strict_mode = true)")
    select = ", ".join(f"{_cast(quote_name(c.name), c.type, fmt.null_literal)} AS {quote_name(c.name)}"
                       for c in source.columns) or "1 AS _"
    return f"(SELECT {select} FROM {reader})"


def _cast(column: str, t: DataType, null_literal: str | None) -> str:
    if t.is_string:
        return f"NULLIF({column}, {quote_literal(null_literal)})" if null_literal is not None else column
    text = f"NULLIF(trim({column}), '')"
    if null_literal is not None:
        text = f"NULLIF({text}, {quote_literal(null_literal)})"
    if t.name == "BOOLEAN":
        text = f"lower({text})"
    if t.name in ("TIMESTAMP", "TIMESTAMP_LTZ"):
        text = f"replace({text}, 'T', ' ')"
    return f"CAST({text} AS {t.to_duckdb()})"
