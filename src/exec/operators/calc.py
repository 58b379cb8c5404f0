"""Calc: projection and filter, evaluated together in DuckDB over each batch.

Stateless; passes row kinds through (a filtered-out row's kind goes with it), so it accepts and
emits any changelog.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from flowsql.common.changes import ChangeBatch
from flowsql.exec import engine
from flowsql.exec.expression import BatchEvaluator
from flowsql.exec.operator import Operator
from flowsql.planner.expressions import Expr
from flowsql.planner.functions.temporal import WATERMARK_VARIABLE

_KIND = "__kind"
_LATEST_MS = 253402300799999  # 9999-12-31 23:59:59.999: the final watermark, as a timestamp


def _watermark_sql(watermark: int | None) -> str:
    return "NULL" if watermark is None else str(min(watermark, _LATEST_MS))


class Calc(Operator):
    name = "Calc"

    def __init__(self, projections: list[Expr], condition: Expr | None, output_schema: pa.Schema) -> None:
        super().__init__()
        self.condition = condition
        connection = engine.connect()
        self.plain = BatchEvaluator(projections, condition, output_schema, connection)
        self.with_kinds = BatchEvaluator(projections, condition, output_schema, connection,
                                         extra_columns=[_KIND]) if condition is not None else None
        self.reads_clock = "flowsql_proctime_ms" in self.plain.sql
        self.reads_watermark = WATERMARK_VARIABLE in self.plain.sql

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if batch.num_rows == 0:
            return []
        if self.reads_clock:  # PROCTIME() is the job clock's time when the batch passes
            self.plain.connection.execute(f"SET VARIABLE flowsql_proctime_ms = {self.context.clock.now_ms()}")
        if self.reads_watermark:  # CURRENT_WATERMARK(ts): this operator's watermark when the batch passes
            self.plain.connection.execute(f"SET VARIABLE {WATERMARK_VARIABLE} = {_watermark_sql(self.metrics.watermark)}")
        if batch.kinds is None or self.with_kinds is None:
            result = self.plain.evaluate(batch.table)
            return [ChangeBatch(result, batch.kinds)]
        table = batch.table.append_column(_KIND, pa.array(batch.kinds, pa.int8()))
        result = self.with_kinds.evaluate(table)
        kinds = result.column(_KIND).to_numpy().astype(np.int8)
        return [ChangeBatch(result.drop_columns([_KIND]), kinds)]
