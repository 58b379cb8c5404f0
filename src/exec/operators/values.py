"""A reader for VALUES: the literal rows, evaluated once in DuckDB, as a bounded insert-only source."""

from __future__ import annotations

import pyarrow as pa

from flowsql.common.changes import ChangeBatch
from flowsql.common.connector import SourceReader
from flowsql.exec.expression import SqlTranslator, conform
from flowsql.planner.expressions import Expr


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
        translator = SqlTranslator()
        selects = [
            "SELECT " + ", ".join(f"{translator.sql(v)} AS c{i}" for i, v in enumerate(row)) for row in self.rows
        ]
        import duckdb

        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        result = con.sql(" UNION ALL ".join(selects)).to_arrow_table()
        return conform(result, self.schema)

    def position(self):
        return {"offset": self.offset}

    def seek(self, position) -> None:
        self.offset = int(position["offset"])


def _empty_rows(n: int) -> pa.Table:
    """A table with n rows and no columns (SELECT without FROM)."""
    return pa.table({"x": pa.nulls(n)}).select([])
