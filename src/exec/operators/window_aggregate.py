"""WindowAggregate: one result row per window and group, emitted when time passes the window end.

Accepts insert-only rows carrying their window bounds (from a window TVF); emits insert-only
results. Rows wait in the state backend per window end and are aggregated in DuckDB when the
window fires (with the same SQL batch mode uses), then freed. SESSION windows arrive already
merged (``SessionWindowTableFunction`` emits a session's rows with its final bounds once it has
closed), so they fire like any other window.
"""

from __future__ import annotations

import pyarrow as pa
from flowsql.exec.operators.window_buffer import WindowOperator
from flowsql.exec.window_batch import aggregate_select


class WindowAggregate(WindowOperator):
    name = "WindowAggregate"

    def __init__(self, operator_id: str, aggregate, schema: pa.Schema) -> None:
        super().__init__(operator_id, aggregate.end_key, aggregate.spec.time_kind, schema)
        self.aggregate = aggregate
        self.sql = aggregate_select(aggregate.group_keys, aggregate.aggregates, "SELECT * FROM fired")

    def fire(self, rows: pa.Table) -> pa.Table:
        return self.duck.run(self.sql, fired=rows)
