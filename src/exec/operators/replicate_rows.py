"""ReplicateRows: repeats each row as often as its trailing count column says, then drops it.
Used for INTERSECT ALL / EXCEPT ALL; accepts and emits any changelog (kinds are repeated)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from flowsql.common.changes import ChangeBatch
from flowsql.exec.operator import Operator


class ReplicateRows(Operator):
    name = "ReplicateRows"

    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        times = np.maximum(batch.table.column(self.width).fill_null(0).to_numpy(zero_copy_only=False), 0)
        index = np.repeat(np.arange(batch.num_rows), times.astype(np.int64))
        table = batch.table.select(list(range(self.width))).take(pa.array(index, pa.int64()))
        kinds = None if batch.kinds is None else batch.kinds[index]
        return [ChangeBatch(table, kinds)]
