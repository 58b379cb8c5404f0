"""WatermarkAssigner: forwards rows and tracks the event-time watermark of its input
(the largest ``expr`` value seen, e.g. ``ts - INTERVAL '5' SECOND``). Any changelog in and out."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from flowsql.common.changes import ChangeBatch
from flowsql.exec.expression import BatchEvaluator
from flowsql.exec.operator import Operator
from flowsql.planner.expressions import Expr


class WatermarkAssigner(Operator):
    name = "WatermarkAssigner"
    generates_watermarks = True

    def __init__(self, rowtime_index: int, expr: Expr) -> None:
        super().__init__()
        self.rowtime_index = rowtime_index
        self.evaluator = BatchEvaluator([expr], None, pa.schema([pa.field("wm", pa.timestamp("ms"))]))
        self.current: int | None = None

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if batch.num_rows:
            values = self.evaluator.evaluate(batch.table).column(0)
            largest = pc.max(values.cast(pa.timestamp("ms")).cast(pa.int64())).as_py()
            if largest is not None and (self.current is None or largest > self.current):
                self.current = largest
                self.metrics.watermark = largest
        return [batch]
