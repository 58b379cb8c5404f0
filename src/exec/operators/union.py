"""Union (ALL): forwards every input's batches under the output's column names. Any changelog."""

from __future__ import annotations

import pyarrow as pa

from flowsql.common.changes import ChangeBatch
from flowsql.exec.expression import conform
from flowsql.exec.operator import Operator


class UnionAll(Operator):
    name = "Union"

    def __init__(self, output_schema: pa.Schema) -> None:
        super().__init__()
        self.output_schema = output_schema

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        return [ChangeBatch(conform(batch.table, self.output_schema), batch.kinds)]
