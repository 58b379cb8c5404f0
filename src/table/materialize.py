"""The current rows of a changelog, for views that show a result updating in place.

``+I``/``+U`` add a row and ``-U``/``-D`` remove one; what remains, in the order rows first
appeared, is the result a table-mode view shows (the shell's ``table`` result mode, a notebook's
live table). Changes are buffered and consolidated only when a view asks for the rows — one
vectorized GROUP BY in DuckDB over the previous rows and the new changes — so a fast stream costs
one consolidation per refresh, not per batch.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from flowsql.common.changes import ChangeBatch

_WEIGHT = "__flowsql_weight"
_SEQUENCE = "__flowsql_sequence"


class MaterializedResult:
    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.changes = 0  # change rows received
        self._sequence = 0
        self._pending: list[pa.Table] = []
        self._rows = self._weighted(schema.empty_table(), np.empty(0, np.int64))  # distinct rows, weight, order

    def apply(self, batch: ChangeBatch) -> None:
        if not batch.num_rows:
            return
        self.changes += batch.num_rows
        weights = batch.signs()
        table = batch.table.rename_columns(self.schema.names).cast(self.schema)
        self._pending.append(self._weighted(table, weights))

    def table(self) -> pa.Table:
        """The current rows (a row added twice appears twice), in order of first appearance."""
        self._consolidate()
        counts = self._rows.column(_WEIGHT).to_numpy()
        take = np.repeat(np.arange(len(counts)), counts)
        return self._rows.select(list(range(len(self.schema)))).take(pa.array(take, pa.int64()))

    @property
    def row_count(self) -> int:
        self._consolidate()
        return int(self._rows.column(_WEIGHT).to_numpy().sum())

    def _weighted(self, table: pa.Table, weights: np.ndarray) -> pa.Table:
        sequence = np.arange(self._sequence, self._sequence + len(weights), dtype=np.int64)
        self._sequence += len(weights)
        return table.append_column(_WEIGHT, pa.array(weights, pa.int64())).append_column(
            _SEQUENCE, pa.array(sequence, pa.int64()))

    def _consolidate(self) -> None:
        if not self._pending:
            return
        import duckdb

        changes = pa.concat_tables([self._rows] + self._pending)
        self._pending = []
        columns = [f"c{i}" for i in range(len(self.schema))]
        changes = changes.rename_columns(columns + [_WEIGHT, _SEQUENCE])
        keys = ", ".join(f'"{c}"' for c in columns)
        select = f"{keys}, " if columns else ""
        group = f"GROUP BY {keys}" if columns else ""
        con = duckdb.connect()
        result = con.sql(
            f'SELECT {select}SUM("{_WEIGHT}")::BIGINT AS w, MIN("{_SEQUENCE}") AS s FROM changes {group} '
            f'HAVING SUM("{_WEIGHT}") > 0 ORDER BY s').to_arrow_table()
        con.close()
        values = [result.column(i).cast(field.type) for i, field in enumerate(self.schema)]
        self._rows = pa.Table.from_arrays(values + [result.column("w"), result.column("s")],
                                          names=self.schema.names + [_WEIGHT, _SEQUENCE])
