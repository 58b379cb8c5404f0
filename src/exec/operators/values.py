"""A reader for VALUES: the rows, evaluated once, as a bounded insert-only source.

Rows of plain literals (numbers, strings, booleans, NULL) are decoded by Arrow's JSON reader; any
other expression is evaluated in DuckDB. The literal path keeps ``SELECT 1`` from paying DuckDB's
import at start-up (``pa.array`` is no alternative: it imports pandas).
"""

from __future__ import annotations

import io
import json
import math
from decimal import Decimal

import pyarrow as pa

from flowsql.common.changes import ChangeBatch
from flowsql.common.connector import SourceReader
from flowsql.exec.expression import SqlTranslator, conform
from flowsql.planner.expressions import Expr, Literal


class ValuesReader(SourceReader):
    def __init__(self, rows: tuple[tuple[Expr, ...], ...], schema: pa.Schema) -> None:
        self.rows = rows
        self.schema = schema
        self.offset = 0
        self.table: pa.Table | None = None

    @property
    def finished(self) -> bool:
        return self.offset >= len(self.rows)

    def poll(self, max_rows: int) -> ChangeBatch | None:
        if self.finished:
            return None
        if self.table is None:
            self.table = self._evaluate()
        count = min(max_rows, len(self.rows) - self.offset)
        batch = self.table.slice(self.offset, count)
        if batch.num_columns == 0:  # a slice of a column-less table does not know its length
            batch = _empty_rows(count)
        self.offset += count
        return ChangeBatch(batch)

    def _evaluate(self) -> pa.Table:
        if not self.schema.names:
            return _empty_rows(len(self.rows))
        literal = _literal_table(self.rows, self.schema)
        if literal is not None:
            return literal
        translator = SqlTranslator()
        selects = [
            "SELECT " + ", ".join(f"{translator.sql(v)} AS c{i}" for i, v in enumerate(row)) for row in self.rows
        ]
        from flowsql.exec import engine

        con = engine.connect()
        con.execute("SET TimeZone = 'UTC'")
        result = con.sql(" UNION ALL ".join(selects)).to_arrow_table()
        return conform(result, self.schema)

    def snapshot_position(self):
        return {"offset": self.offset}

    def restore_position(self, position) -> None:
        self.offset = int(position["offset"])


def _literal_table(rows, schema: pa.Schema) -> pa.Table | None:
    """The rows as a table if every value is a JSON-encodable literal of a JSON-readable type."""
    for field in schema:
        t = field.type
        if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)
                or pa.types.is_string(t) or pa.types.is_decimal(t)):
            return None
    lines = []
    for row in rows:
        record = {}
        for field, value in zip(schema, row):
            if not isinstance(value, Literal):
                return None
            v = value.value
            if isinstance(v, Decimal):
                v = str(v)
            elif isinstance(v, float) and not math.isfinite(v):
                return None
            elif v is not None and not isinstance(v, (bool, int, float, str)):
                return None
            record[field.name] = v
        lines.append(json.dumps(record))
    import pyarrow.json as pa_json

    options = pa_json.ParseOptions(explicit_schema=schema)
    return pa_json.read_json(io.BytesIO("\n".join(lines).encode()), parse_options=options)


def _empty_rows(n: int) -> pa.Table:
    """A table with n rows and no columns (SELECT without FROM)."""
    return pa.table({"x": pa.nulls(n)}).select([])
