"""The runtime operator interface: a function of (state, input change batch) → output change batches.

Operators are driven by the job: ``process`` for each input batch, ``on_watermark`` when the
combined event time of their inputs advances, ``finish`` at end of input. State lives in objects
obtained from the ``RuntimeContext``'s state backend, never in ad-hoc attributes, so a checkpoint
can capture it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowsql.common.changes import ChangeBatch
from flowsql.common.config import Config


@dataclass
class OperatorMetrics:
    rows_in: int = 0
    rows_out: int = 0
    late_rows_dropped: int = 0
    watermark: int | None = None
    skipped_records: int = 0  # sources: malformed records skipped under '<format>.ignore-parse-errors'
    busy_ns: int = 0  # time spent in the operator's own work (process; a source's poll)
    backpressured_ns: int = 0  # time spent handing its output downstream (the push waits for consumers)


@dataclass
class RuntimeContext:
    config: Config
    clock: Any = None  # flowsql.exec.clock.Clock
    state: Any = None  # flowsql.exec.state.backend.StateBackend
    extras: dict = field(default_factory=dict)


class Operator:
    """Base class. Subclasses document their changelog contract: what they accept and emit."""

    name = "Operator"
    generates_watermarks = False  # True for operators that derive event time from rows

    def __init__(self) -> None:
        self.metrics = OperatorMetrics()
        self.context: RuntimeContext | None = None

    def open(self, context: RuntimeContext) -> None:
        self.context = context

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        raise NotImplementedError

    def on_watermark(self, watermark: int) -> list[ChangeBatch]:
        return []

    def finish(self) -> list[ChangeBatch]:
        return []

    def close(self) -> None:
        pass

    def state_size(self) -> int:
        """Number of keyed entries held (for metrics and memory-bound tests)."""
        return 0
