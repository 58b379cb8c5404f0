"""SessionWindowTableFunction: the SESSION window TVF on a stream, emitting each row once its
session has closed, with the session's final bounds.

A row first gets its own window [t, t + gap); windows of one partition that touch or overlap
merge (Flink's rule), so a row's ``window_start``/``window_end`` are only known when time passes
the end of its merged session. Rows therefore wait in the state backend; at each watermark (or
clock tick, for processing time) the waiting rows are merged into sessions in one DuckDB query,
and the rows of the sessions that have ended are emitted with the session's bounds and
``window_time`` = end - 1 ms. Rows whose own window has already been passed by time are late:
dropped and counted. Accepts insert-only rows; emits insert-only rows, each once. A window
aggregate downstream sees final sessions, so it fires them like any other window.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.exec.operators.window_buffer import WindowOperator, ms_array, numbered
from flowsql.exec.operators.window_table_function import WindowTableFunction

_OPEN = np.iinfo(np.int64).max  # the one bucket waiting rows are kept in: their session end is unknown


def session_merge_sql(partition: list[str], start: str, end: str) -> str:
    """Over ``waiting``: every row with its session id's bounds ``__ms``/``__me`` (epoch ms).

    Windows sorted by start within a partition open a new session when they start after the
    largest end so far; windows that touch (start = end) merge, as Flink's ``intersects``.
    """
    by = f"PARTITION BY {', '.join(partition)} " if partition else ""
    whole = f"PARTITION BY {', '.join(partition + ['__sid'])}"
    return (
        f"SELECT *, min(__s) OVER ({whole}) AS __ms, max(__e) OVER ({whole}) AS __me FROM ("
        f"SELECT *, sum(__new) OVER ({by}ORDER BY __s, __e ROWS UNBOUNDED PRECEDING) AS __sid FROM ("
        f"SELECT *, CASE WHEN __s <= max(__e) OVER ({by}ORDER BY __s, __e ROWS BETWEEN UNBOUNDED PRECEDING "
        f"AND 1 PRECEDING) THEN 0 ELSE 1 END AS __new FROM ("
        f"SELECT *, epoch_ms(CAST({start} AS TIMESTAMP)) AS __s, epoch_ms(CAST({end} AS TIMESTAMP)) AS __e "
        f"FROM waiting)))")


class SessionWindowTableFunction(WindowOperator):
    name = "SessionWindowTableFunction"

    def __init__(self, operator_id: str, scan, schema: pa.Schema) -> None:
        n = len(scan.input.fields)
        super().__init__(operator_id, n + 1, scan.spec.time_kind, schema)
        self.assigner = WindowTableFunction(scan.spec, scan.time_index, schema)  # one-row windows
        self.width = n
        self.merge_sql = session_merge_sql([f"_{k}" for k in scan.partition_keys], f"_{n}", f"_{n + 1}")

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if not batch.num_rows:
            return []
        if not batch.is_insert_only:
            return super().process(batch)  # the base names the problem
        out = []
        for windowed in self.assigner.process(batch):
            out += super().process(windowed)
        return out

    def buffer(self, table: pa.Table, ends: np.ndarray) -> None:
        super().buffer(table, np.full(len(ends), _OPEN, dtype=np.int64))

    def take_fired(self, limit: int) -> pa.Table | None:
        tables = self.windows.value.pop_until(_OPEN)
        if not tables:
            return None
        waiting = pa.concat_tables(tables)
        merged = self.duck.run(self.merge_sql, waiting=numbered(waiting))
        session_end = merged.column("__me").to_numpy(zero_copy_only=False)
        due = session_end - 1 <= limit
        width = waiting.num_columns
        rest = merged.filter(pa.array(~due)).select(list(range(width)))
        rest = rest.rename_columns(waiting.column_names).cast(waiting.schema)  # DuckDB widens timestamps
        if rest.num_rows:
            self.windows.value.add(rest, np.full(rest.num_rows, _OPEN, dtype=np.int64))
        fired = merged.filter(pa.array(due))
        if not fired.num_rows:
            return None
        starts = fired.column("__ms").to_numpy(zero_copy_only=False)
        ends = fired.column("__me").to_numpy(zero_copy_only=False)
        n = self.width
        columns = list(fired.columns[:n]) + [ms_array(starts, self.schema.field(n).type),
                                             ms_array(ends, self.schema.field(n + 1).type),
                                             ms_array(ends - 1, self.schema.field(n + 2).type)]
        return pa.Table.from_arrays(columns, names=waiting.column_names)

    def fire(self, rows: pa.Table) -> pa.Table:
        return rows
