"""LookupJoin: a processing-time temporal join that asks the table's connector for each batch's keys.

Changelog contract: accepts any changelog; every input row is joined, when it arrives, with the
rows the lookup function returns for its key (one vectorized lookup per batch), tested against the
residual condition, and emitted with the input row's kind; a row without a match is dropped
(INNER) or padded with NULLs (LEFT). Output order follows the input. NULL keys match nothing.

The operator itself is stateless: the table's rows live in the connector's lookup cache, which
can always be rebuilt from the table (as in Flink, checkpoints leave it out).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.exec.operator import Operator, RuntimeContext
from flowsql.exec.operators.join import _conform
from flowsql.exec.operators.temporal_parts import KeyColumns, Residual, assemble, null_rows, take_or_null
from flowsql.planner.expressions import Expr


class LookupJoinOperator(Operator):
    name = "LookupJoin"

    def __init__(self, join_type: str, left_keys: tuple[Expr, ...], key_names: list[str], residual: Expr | None,
                 input_schema: pa.Schema, right_schema: pa.Schema, output_schema: pa.Schema, source) -> None:
        super().__init__()
        self.join_type = join_type
        self.key_names = key_names
        self.input_schema, self.right_schema = input_schema, right_schema
        self.output_schema = output_schema
        self.keys = KeyColumns(left_keys, [right_schema.field(n).type for n in key_names])
        self.residual = Residual(residual)
        self.source = source
        self.function = None

    @classmethod
    def from_node(cls, node, schema: pa.Schema) -> LookupJoinOperator:
        """The operator of a physical LookupJoin node (whose ``source`` is the table's LookupTableSource)."""
        from flowsql.exec.job import arrow_schema

        j = node.logical
        right = pa.schema([pa.field(f.name, f.type.to_arrow()) for f in j.right_fields])
        return cls(j.join_type, j.left_keys, [j.right_fields[k].name for k in j.right_keys], j.residual,
                   arrow_schema(j.input), right, schema, node.source)

    def open(self, context: RuntimeContext) -> None:
        super().open(context)
        self.function = self.source.create_lookup_function(self.key_names)
        self.function.open(context.clock)

    def close(self) -> None:
        if self.function is not None:
            self.function.close()

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if not batch.num_rows:
            return []
        table = _conform(batch.table, self.input_schema)
        columns = self.keys.columns(table)
        nulls = null_rows(columns, table.num_rows)
        if nulls.any():  # a NULL key matches nothing: no need to ask for it
            columns = [c.filter(pa.array(~nulls)) for c in columns]
        asked = np.flatnonzero(~nulls)
        positions, found = self.function.lookup(pa.Table.from_arrays(columns, names=self.key_names))
        left_rows = asked[positions] if len(positions) else np.zeros(0, dtype=np.int64)
        order = np.argsort(left_rows, kind="stable")
        left_rows, found = left_rows[order], found.take(pa.array(order, pa.int64()))
        mine = table.take(pa.array(left_rows, pa.int64()))
        ok = self.residual.passes(mine, found)
        left_rows, mine, found = left_rows[ok], mine.filter(pa.array(ok)), found.filter(pa.array(ok))
        if self.join_type == "LEFT":
            unmatched = np.setdiff1d(np.arange(table.num_rows), left_rows)
            if len(unmatched):
                left_rows = np.concatenate([left_rows, unmatched])
                order = np.argsort(left_rows, kind="stable")
                left_rows = left_rows[order]
                found = take_or_null(found, np.concatenate([np.arange(found.num_rows),
                                                            np.full(len(unmatched), -1)])[order])
                mine = table.take(pa.array(left_rows, pa.int64()))
        if not len(left_rows):
            return []
        kinds = None if batch.kinds is None else batch.kinds[left_rows]
        return [ChangeBatch(assemble(mine, found, self.output_schema), kinds)]
