"""The ``datagen`` connector: random or sequential rows, vectorized with numpy, as Flink's options say.

Rows are generated in blocks of ``BLOCK_ROWS``, each from a ``numpy.random.Generator`` seeded
with (seed, block number), so the values do not depend on how the rows are polled. Flink has no
seed option; flowsql adds ``'seed' = '<int>'``: with it two runs produce the same rows
(timestamps excepted, which count back from the clock); without it a random seed is drawn. The
position is (rows emitted, seed), so a restore continues the exact same sequence.
``rows-per-second`` throttles: ``poll`` returns None until more rows are due.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.common.connector import Column, ConnectorContext, ConnectorFactory, SourceReader, TableSource
from flowsql.connectors.datagen_fields import FIELD_SUFFIXES, FieldGenerator, field_generator
from flowsql.connectors.options import check_options, int_option

BLOCK_ROWS = 4096


class DataGenSource(TableSource):
    def __init__(self, context: ConnectorContext) -> None:
        self.context = context
        if context.metadata_columns:
            raise context.error("the datagen connector provides no metadata columns")
        names = {c.name for c in context.physical_columns}
        for key in context.options:
            if key.startswith("fields."):
                name, _, suffix = key[len("fields."):].partition(".")
                if name not in names:
                    raise context.error(f"option '{key}' names no column of the table",
                                        hint="columns: " + ", ".join(sorted(names)))
                if suffix.rsplit(".", 1)[-1] not in FIELD_SUFFIXES:
                    raise context.error(f"Unsupported options found for 'datagen': '{key}'",
                                        hint="per-field options: " + ", ".join(f"fields.<name>.{s}" for s in FIELD_SUFFIXES))
        self.rows_per_second = int_option(context, "rows-per-second", 10000, minimum=1)
        self.number_of_rows = int_option(context, "number-of-rows", None, minimum=0)
        self.seed = int_option(context, "seed", None)
        self.columns = list(context.physical_columns)
        self.generators = {c.name: field_generator(context, f"fields.{c.name}", c.type) for c in self.columns}
        limits = [g.rows for g in self.generators.values() if g.rows is not None]
        if self.number_of_rows is not None:
            limits.append(self.number_of_rows)
        self.total_rows = min(limits) if limits else None
        self.bounded = self.total_rows is not None

    def apply_projection(self, columns: list[str]) -> bool:
        by_name = {c.name: c for c in self.context.physical_columns}
        self.columns = [by_name[n] for n in columns]
        return True

    def produced_columns(self) -> list[Column]:
        return list(self.columns)

    def create_reader(self, clock: Callable[[], float] | None = None) -> DataGenReader:
        # An injected clock (``context.clock``: the runtime's or a test's, with ``monotonic()`` and
        # ``now_ms()``) wins over the machine's clocks.
        injected = getattr(self.context, "clock", None)
        if clock is None:
            clock = getattr(injected, "monotonic", injected) if injected is not None else time.monotonic
        wall_ms = getattr(injected, "now_ms", None) or (lambda: int(time.time() * 1000))
        return DataGenReader(self, clock, wall_ms)

    def describe(self) -> str:
        rows = f" number-of-rows={self.total_rows}" if self.bounded else ""
        return f"datagen rows-per-second={self.rows_per_second}{rows}"


class DataGenReader(SourceReader):
    def __init__(self, source: DataGenSource, clock: Callable[[], float],
                 wall_ms: Callable[[], int] = lambda: int(time.time() * 1000)) -> None:
        self.source = source
        self.clock = clock
        self.wall_ms = wall_ms
        self.seed = source.seed if source.seed is not None else int(np.random.SeedSequence().entropy % 2**63)
        self.emitted = 0
        self._restart_clock()

    def _restart_clock(self) -> None:
        self.started_at = self.clock()
        self.emitted_at_start = self.emitted

    @property
    def finished(self) -> bool:
        return self.source.total_rows is not None and self.emitted >= self.source.total_rows

    def poll(self, max_rows: int) -> ChangeBatch | None:
        due = self.emitted_at_start + int((self.clock() - self.started_at) * self.source.rows_per_second) + 1
        n = min(max_rows, due - self.emitted)
        if self.source.total_rows is not None:
            n = min(n, self.source.total_rows - self.emitted)
        if n <= 0:
            return None
        now_ms = self.wall_ms()
        first, last = self.emitted // BLOCK_ROWS, (self.emitted + n - 1) // BLOCK_ROWS
        blocks = [self._block(b, now_ms) for b in range(first, last + 1)]
        table = pa.concat_tables(blocks).slice(self.emitted - first * BLOCK_ROWS, n)
        self.emitted += n
        return ChangeBatch(table.combine_chunks())

    def _block(self, number: int, now_ms: int) -> pa.Table:
        start = number * BLOCK_ROWS
        size = BLOCK_ROWS if self.source.total_rows is None else min(BLOCK_ROWS, self.source.total_rows - start)
        rng = np.random.default_rng([self.seed, number])
        # Every column is drawn (projected away or not) so the values do not depend on projection.
        arrays = {name: gen.generate(rng, size, start, now_ms) for name, gen in self.source.generators.items()}
        schema = pa.schema([pa.field(c.name, c.type.to_arrow()) for c in self.source.columns])
        return pa.Table.from_arrays([arrays[c.name] for c in self.source.columns], schema=schema)

    def snapshot_position(self) -> dict[str, Any]:
        return {"rows": self.emitted, "seed": self.seed}

    def restore_position(self, position: dict[str, Any]) -> None:
        self.emitted = int(position["rows"])
        self.seed = int(position["seed"])
        self._restart_clock()

    def progress(self) -> tuple[int, int] | None:
        return None if self.source.total_rows is None else (self.emitted, self.source.total_rows)


class DataGenFactory(ConnectorFactory):
    identifier = "datagen"
    optional_options = ("rows-per-second", "number-of-rows", "scan.parallelism", "seed")

    def create_source(self, context: ConnectorContext) -> TableSource:
        check_options(context, self.identifier, self.optional_options, prefixes=("fields.",))
        return DataGenSource(context)


FACTORY = DataGenFactory()

__all__ = ["FACTORY", "DataGenFactory", "DataGenReader", "DataGenSource", "FieldGenerator"]
