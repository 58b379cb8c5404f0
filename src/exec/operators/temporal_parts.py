"""Pieces shared by the temporal and lookup join operators: join keys evaluated over a batch,
the residual condition tested on (left row, right row) pairs, and output rows assembled from a
left row and its (possibly absent) right row."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from flowsql.common.types import BOOLEAN
from flowsql.exec.expression import BatchEvaluator
from flowsql.planner.expressions import Expr, InputRef


class KeyColumns:
    """Evaluates key expressions over a batch; each key column cast to its join key type."""

    def __init__(self, exprs: tuple[Expr, ...], types: list[pa.DataType | None]) -> None:
        self.exprs = exprs
        self.types = types
        self.evaluator = None
        if not all(isinstance(e, InputRef) for e in exprs):
            schema = pa.schema([pa.field(f"k{i}", e.type.to_arrow()) for i, e in enumerate(exprs)])
            self.evaluator = BatchEvaluator(list(exprs), None, schema)

    def columns(self, table: pa.Table) -> list[pa.Array]:
        if self.evaluator is None:
            columns = [table.column(e.index) for e in self.exprs]
        else:
            columns = list(self.evaluator.evaluate(table).columns)
        out = []
        for c, t in zip(columns, self.types):
            c = c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c
            out.append(c.cast(t) if t is not None and c.type != t else c)
        return out


def null_rows(columns: list[pa.Array], n: int) -> np.ndarray:
    """Rows where any key column is NULL (such keys match nothing)."""
    nulls = np.zeros(n, dtype=bool)
    for c in columns:
        if c.null_count:
            nulls |= pc.is_null(c).to_numpy(zero_copy_only=False)
    return nulls


class Residual:
    """The non-key part of a join condition, evaluated by DuckDB over joined pairs."""

    def __init__(self, condition: Expr | None) -> None:
        self.evaluator = None
        if condition is not None:
            self.evaluator = BatchEvaluator([condition], None, pa.schema([pa.field("ok", BOOLEAN().to_arrow())]))

    def passes(self, left: pa.Table, right: pa.Table) -> np.ndarray:
        if self.evaluator is None or not left.num_rows:
            return np.ones(left.num_rows, dtype=bool)
        pair = pa.Table.from_arrays(list(left.columns) + list(right.columns),
                                    names=[f"c{i}" for i in range(left.num_columns + right.num_columns)])
        ok = self.evaluator.evaluate(pair).column(0).fill_null(False)
        return ok.to_numpy(zero_copy_only=False).astype(bool)


def take_or_null(table: pa.Table, indices: np.ndarray) -> pa.Table:
    """Rows at ``indices``; an index < 0 gives a row of NULLs."""
    missing = indices < 0
    if not table.num_rows:
        return pa.Table.from_arrays([pa.nulls(len(indices), f.type) for f in table.schema], schema=table.schema)
    return table.take(pa.array(np.where(missing, 0, indices), pa.int64(), mask=missing if missing.any() else None))


def assemble(left: pa.Table, right: pa.Table, schema: pa.Schema) -> pa.Table:
    columns = []
    for c, f in zip(list(left.columns) + list(right.columns), schema):
        c = c.cast(f.type) if c.type != f.type else c
        columns.append(c if isinstance(c, pa.ChunkedArray) else pa.chunked_array([c], f.type))
    return pa.Table.from_arrays(columns, schema=schema)
