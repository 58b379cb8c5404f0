"""Sort with OFFSET/FETCH on a bounded input: materializes the changelog, emits the ordered rows
as inserts at end of input. ``LIMIT n`` without ORDER BY on an insert-only input instead passes the
first rows straight through (Flink's insert-only streaming LIMIT)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from flowsql.common.changes import ChangeBatch
from flowsql.exec import engine
from flowsql.exec.operator import Operator, RuntimeContext


class SortLimit(Operator):
    name = "SortLimit"

    def __init__(self, operator_id: str, keys: tuple[tuple[int, bool, bool], ...], offset: int,
                 fetch: int | None, schema: pa.Schema, streaming_limit: bool) -> None:
        super().__init__()
        self.operator_id = operator_id
        self.keys, self.offset, self.fetch = keys, offset, fetch
        self.schema = schema
        self.streaming_limit = streaming_limit

    def open(self, context: RuntimeContext) -> None:
        super().open(context)
        self.buffer = context.state.value_state(self.operator_id, "rows", [])
        self.seen = context.state.value_state(self.operator_id, "seen", 0)

    def state_size(self) -> int:
        return sum(b.num_rows for b in self.buffer.value)

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if self.streaming_limit:
            start = self.seen.value
            self.seen.value += batch.num_rows
            lo = max(self.offset - start, 0)
            hi = batch.num_rows if self.fetch is None else min(batch.num_rows, self.offset + self.fetch - start)
            if hi <= lo:
                return []
            return [ChangeBatch(batch.table.slice(lo, hi - lo))]
        self.buffer.value.append(batch)
        return []

    def finish(self) -> list[ChangeBatch]:
        if self.streaming_limit:
            return []
        rows = materialize(self.buffer.value, self.schema)
        self.buffer.value = []
        con = engine.connect()
        names = [f"_{i}" for i in range(rows.num_columns)]
        con.register("rows", rows.rename_columns(names))
        order = ", ".join(f"_{i} {'ASC' if asc else 'DESC'} NULLS {'FIRST' if nf else 'LAST'}"
                          for i, asc, nf in self.keys)
        sql = "SELECT * FROM rows" + (f" ORDER BY {order}" if order else "")
        if self.fetch is not None:
            sql += f" LIMIT {self.fetch}"
        if self.offset:
            sql += f" OFFSET {self.offset}"
        result = con.sql(sql).to_arrow_table().rename_columns(self.schema.names).cast(self.schema)
        return [ChangeBatch(result)]


def materialize(batches: list[ChangeBatch], schema: pa.Schema) -> pa.Table:
    """Apply a changelog: the multiset of rows it leaves (each row repeated by its net count)."""
    if not batches:
        return schema.empty_table()
    if all(b.kinds is None for b in batches):
        return pa.concat_tables([b.table for b in batches]).cast(schema)
    log = ChangeBatch.concat(batches, schema)
    names = [f"_{i}" for i in range(len(schema))]
    table = log.table.rename_columns(names).append_column("__w", pa.array(log.signs()))
    con = engine.connect()
    con.register("log", table)
    cols = ", ".join(f'"{n}"' for n in names)
    counted = con.sql(f"SELECT {cols}, SUM(__w) AS __n FROM log GROUP BY ALL HAVING SUM(__w) > 0").to_arrow_table()
    times = counted.column("__n").to_numpy()
    index = np.repeat(np.arange(counted.num_rows), times.astype(np.int64))
    return counted.drop_columns(["__n"]).take(pa.array(index, pa.int64())).rename_columns(schema.names).cast(schema)
