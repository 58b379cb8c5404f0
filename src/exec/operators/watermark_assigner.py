"""WatermarkAssigner: forwards rows and tracks the event-time watermark of its input
(the largest ``expr`` value seen, e.g. ``ts - INTERVAL '5' SECOND``). Any changelog in and out.

Per split, as Flink's sources do: when the rows come from a source that reads splits (the files
of a filesystem table; the job sets ``split_of``), the watermark is generated per split and
combined as the minimum over the active splits. Files are read one after another, so the only
active split is the current one: a finished file is released and its largest value no longer
counts, and the rows of the next file are not made late by it before a watermark was emitted
(the emitted watermark never goes back; see ``flowsql.exec.watermarks``).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from flowsql.common.changes import ChangeBatch
from flowsql.exec.expression import BatchEvaluator
from flowsql.exec.operator import Operator
from flowsql.exec.state.backend import ValueState
from flowsql.planner.expressions import Expr


class WatermarkAssigner(Operator):
    name = "WatermarkAssigner"
    generates_watermarks = True

    def __init__(self, rowtime_index: int, expr: Expr) -> None:
        super().__init__()
        self.rowtime_index = rowtime_index
        self.evaluator = BatchEvaluator([expr], None, pa.schema([pa.field("wm", pa.timestamp("ms"))]))
        self.largest = ValueState(None)  # replaced by the backend's in open(), checkpointed there
        self.split_of = None  # () -> the split the rows come from, when the source reads splits
        self.split = ValueState(None)
        self.split_largest = ValueState(None)

    def open(self, context) -> None:
        super().open(context)
        operator_id = getattr(getattr(self, "node", None), "operator_id", "") or "watermark-assigner"
        self.largest = context.state.value_state(operator_id, "largest-watermark", None)
        self.split = context.state.value_state(operator_id, "split", None)
        self.split_largest = context.state.value_state(operator_id, "split-largest-watermark", None)

    @property
    def current(self) -> int | None:
        """The watermark generated so far (None before the first row): the largest value seen, or
        with splits, the largest of the current split."""
        return self.largest.value if self.split_of is None else self.split_largest.value

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if batch.num_rows:
            values = self.evaluator.evaluate(batch.table).column(0)
            largest = pc.max(values.cast(pa.timestamp("ms")).cast(pa.int64())).as_py()
            if largest is not None and (self.largest.value is None or largest > self.largest.value):
                self.largest.value = largest
                self.metrics.watermark = largest
            if self.split_of is not None:
                split = self.split_of()
                if split != self.split.value:  # the previous split ended: it no longer holds a value
                    self.split.value, self.split_largest.value = split, None
                if largest is not None and (self.split_largest.value is None or largest > self.split_largest.value):
                    self.split_largest.value = largest
        return [batch]
