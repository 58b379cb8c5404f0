"""WindowRank: window Top-N and window deduplication, once per window when time passes its end.

Accepts insert-only rows carrying their window end; emits, insert-only, the rows whose
``ROW_NUMBER()`` within their partition (which includes the window bounds) is at most N, with the
row number appended. Ties in the ORDER BY are broken by arrival order.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from flowsql.exec.operators.window_buffer import WindowOperator
from flowsql.exec.window_batch import rank_select


class WindowRank(WindowOperator):
    name = "WindowRank"

    def __init__(self, operator_id: str, rank, schema: pa.Schema) -> None:
        super().__init__(operator_id, rank.end_key, rank.spec.time_kind, schema)
        self.rank = rank
        self.sql = rank_select(rank, "SELECT * FROM fired", tie_breaker="__arrival")

    def fire(self, rows: pa.Table) -> pa.Table:
        rows = rows.append_column("__arrival", pa.array(np.arange(rows.num_rows, dtype=np.int64)))
        return self.duck.run(self.sql, fired=rows)
