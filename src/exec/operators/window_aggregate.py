"""WindowAggregate: one result row per window and group, emitted when time passes the window end.

Accepts insert-only rows carrying their window bounds (from a window TVF); emits insert-only
results. Rows wait in the state backend per window end and are aggregated in DuckDB when the
window fires (with the same SQL batch mode uses), then freed. SESSION windows arrive as one-row
windows [t, t + gap); at each watermark the buffered rows of a group are merged into sessions
(windows that touch or overlap merge, Flink's rule), and the sessions that have ended fire.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from flowsql.exec.operators.window_buffer import WindowOperator, ms_array, numbered
from flowsql.exec.window_batch import aggregate_select


class WindowAggregate(WindowOperator):
    name = "WindowAggregate"

    def __init__(self, operator_id: str, aggregate, schema: pa.Schema) -> None:
        super().__init__(operator_id, aggregate.end_key, aggregate.spec.time_kind, schema)
        self.aggregate = aggregate
        self.sql = aggregate_select(aggregate.group_keys, aggregate.aggregates, "SELECT * FROM fired")
        self.session = aggregate.spec.kind == "SESSION"
        if self.session:
            self._session_sql()

    def fire(self, rows: pa.Table) -> pa.Table:
        return self.duck.run(self.sql, fired=rows)

    # -- sessions --------------------------------------------------------------------------------
    def _session_sql(self) -> None:
        a = self.aggregate
        keys = [f"_{k}" for k in a.group_keys if k not in (a.start_key, a.end_key, a.time_key)]
        by = f"PARTITION BY {', '.join(keys)} " if keys else ""
        whole = f"PARTITION BY {', '.join(keys + ['__sid'])}"
        self.merge_sql = (
            f"SELECT *, min(__s) OVER ({whole}) AS __ms, max(__e) OVER ({whole}) AS __me FROM ("
            f"SELECT *, sum(__new) OVER ({by}ORDER BY __s, __e ROWS UNBOUNDED PRECEDING) AS __sid FROM ("
            f"SELECT *, CASE WHEN __s <= max(__e) OVER ({by}ORDER BY __s, __e ROWS BETWEEN UNBOUNDED PRECEDING "
            f"AND 1 PRECEDING) THEN 0 ELSE 1 END AS __new FROM ("
            f"SELECT *, epoch_ms(CAST(_{a.start_key} AS TIMESTAMP)) AS __s, "
            f"epoch_ms(CAST(_{a.end_key} AS TIMESTAMP)) AS __e FROM buffered)))")

    def buffer(self, table: pa.Table, ends: np.ndarray) -> None:
        if self.session:  # sessions merge across windows: one bucket, merged when time advances
            ends = np.zeros(len(ends), dtype=np.int64) + np.iinfo(np.int64).max
        super().buffer(table, ends)

    def take_fired(self, limit: int) -> pa.Table | None:
        if not self.session:
            return super().take_fired(limit)
        tables = self.windows.value.pop_until(np.iinfo(np.int64).max)
        if not tables:
            return None
        original = pa.concat_tables(tables)
        width = original.num_columns
        merged = self.duck.run(self.merge_sql, buffered=numbered(original))
        session_end = merged.column("__me").to_numpy(zero_copy_only=False)
        due = session_end - 1 <= limit
        rest = merged.filter(pa.array(~due)).select(list(range(width))).rename_columns(original.column_names)
        if rest.num_rows:
            self.windows.value.add(rest, np.full(rest.num_rows, np.iinfo(np.int64).max, dtype=np.int64))
        fired = merged.filter(pa.array(due))
        columns = list(fired.columns[:width])
        a = self.aggregate
        starts = fired.column("__ms").to_numpy(zero_copy_only=False)
        ends = fired.column("__me").to_numpy(zero_copy_only=False)
        columns[a.start_key] = ms_array(starts, original.schema.field(a.start_key).type)
        columns[a.end_key] = ms_array(ends, original.schema.field(a.end_key).type)
        if a.time_key is not None:
            columns[a.time_key] = ms_array(ends - 1, original.schema.field(a.time_key).type)
        return pa.Table.from_arrays(columns, names=original.column_names)
