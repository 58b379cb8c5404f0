"""LateRowsSink: the job's late-rows side table (see ``flowsql.planner.late_rows``).

A sink with no input: window operators hand it the rows they drop as late (``write``), and it
writes one insert per row (the operator, the row as JSON, the watermark) into the table's
connector. It registers itself in the runtime context when opened, so the operators find it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.exec.operators.sink import TableSinkOperator
from flowsql.exec.operators.window_buffer import DuckRunner, ms_array


class LateRowsSink(TableSinkOperator):
    name = "LateRowsSink"

    def __init__(self, sink, description: str, schema: pa.Schema) -> None:
        super().__init__(sink, description, False)
        self.schema = schema
        self.duck = DuckRunner()

    def open(self, context) -> None:
        super().open(context)
        context.extras["late_rows"] = self

    def write(self, operator_id: str, rows: pa.Table, watermark: int) -> None:
        """Write the late ``rows`` one operator dropped at ``watermark`` (epoch ms)."""
        if not rows.num_rows:
            return
        # DuckDB turns whole rows into JSON objects in one vectorized pass.
        payload = self.duck.run("SELECT CAST(to_json(late) AS VARCHAR) AS payload FROM late AS late",
                                late=rows).column(0)
        n = rows.num_rows
        values = {"operator": pa.array([operator_id] * n, pa.string()), "payload": payload}
        columns = []
        for field in self.schema:
            key = field.name.lower()
            if key == "watermark_time":
                columns.append(ms_array(np.full(n, watermark, dtype=np.int64), field.type))
            else:
                columns.append(values[key].cast(field.type))
        self.process(ChangeBatch(pa.Table.from_arrays(columns, schema=self.schema)))
