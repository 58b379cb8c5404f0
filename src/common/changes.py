"""Change batches and control events: what flows between sources, operators and sinks.

A ``ChangeBatch`` is an Arrow table plus one row kind per row (Flink's +I / -U / +U / -D). When
``kinds`` is None every row is an insert: the common case costs nothing extra.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from flowsql.common.rowkind import RowKind

INSERT = np.int8(RowKind.INSERT)
UPDATE_BEFORE = np.int8(RowKind.UPDATE_BEFORE)
UPDATE_AFTER = np.int8(RowKind.UPDATE_AFTER)
DELETE = np.int8(RowKind.DELETE)


@dataclass
class ChangeBatch:
    table: pa.Table
    kinds: np.ndarray | None = None  # int8 RowKind values, len == table.num_rows; None = all INSERT

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    @property
    def is_insert_only(self) -> bool:
        return self.kinds is None or not (self.kinds != INSERT).any()

    def kind_array(self) -> np.ndarray:
        if self.kinds is None:
            return np.zeros(self.table.num_rows, dtype=np.int8)
        return self.kinds

    def signs(self) -> np.ndarray:
        """+1 for INSERT / UPDATE_AFTER, -1 for UPDATE_BEFORE / DELETE (the weight of each row)."""
        if self.kinds is None:
            return np.ones(self.table.num_rows, dtype=np.int64)
        return np.where((self.kinds == INSERT) | (self.kinds == UPDATE_AFTER), 1, -1).astype(np.int64)

    def filter(self, mask: np.ndarray | pa.Array) -> "ChangeBatch":
        mask_np = mask if isinstance(mask, np.ndarray) else np.asarray(mask.to_numpy(zero_copy_only=False))
        table = self.table.filter(pa.array(mask_np, pa.bool_()))
        kinds = None if self.kinds is None else self.kinds[mask_np]
        return ChangeBatch(table, kinds)

    def take(self, indices: np.ndarray) -> "ChangeBatch":
        table = self.table.take(pa.array(indices, pa.int64()))
        kinds = None if self.kinds is None else self.kinds[indices]
        return ChangeBatch(table, kinds)

    def with_table(self, table: pa.Table) -> "ChangeBatch":
        return ChangeBatch(table, self.kinds)

    @staticmethod
    def concat(batches: list["ChangeBatch"], schema: pa.Schema | None = None) -> "ChangeBatch":
        batches = [b for b in batches if b.num_rows]
        if not batches:
            return ChangeBatch(pa.table({f.name: pa.array([], f.type) for f in schema}) if schema is not None
                               else pa.table({}))
        table = pa.concat_tables([b.table for b in batches], promote_options="none")
        if all(b.kinds is None for b in batches):
            return ChangeBatch(table)
        return ChangeBatch(table, np.concatenate([b.kind_array() for b in batches]))

    def rows_with_kinds(self) -> list[tuple[RowKind, tuple]]:
        """Python rows (for printing and tests; never on a hot path)."""
        columns = [c.to_pylist() for c in self.table.columns]
        kinds = self.kind_array()
        return [(RowKind(int(kinds[i])), tuple(col[i] for col in columns)) for i in range(self.num_rows)]


@dataclass(frozen=True)
class Watermark:
    """Event time has reached ``timestamp`` (epoch milliseconds): no row older than it follows."""

    timestamp: int


MAX_WATERMARK = Watermark(2**63 - 1)


@dataclass(frozen=True)
class CheckpointBarrier:
    checkpoint_id: int


@dataclass(frozen=True)
class EndOfInput:
    pass
