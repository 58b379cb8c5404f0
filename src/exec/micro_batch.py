"""The bounds of a micro-batch: how many rows, and how long its first row may wait.

A source hands its rows over when either bound is reached (or its input ends), so batches are
large under load and latency stays low under light load. ``flowsql.exec.batch.max-rows`` /
``flowsql.exec.batch.max-latency`` are flowsql's own options; Flink's mini-batch options
(``table.exec.mini-batch.enabled`` with ``allow-latency`` and ``size``) set the same bounds when
enabled, so a Flink job's settings carry over.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowsql.common.config import Config


@dataclass(frozen=True)
class MicroBatchBounds:
    max_rows: int
    max_latency_ms: int  # 0: hand over whatever a poll returns, at once


def micro_batch_bounds(config: Config) -> MicroBatchBounds:
    max_rows = max(1, config.get_int("flowsql.exec.batch.max-rows"))
    latency = max(0, config.get_duration_ms("flowsql.exec.batch.max-latency"))
    if config.get_bool("table.exec.mini-batch.enabled"):
        allow = config.get_duration_ms("table.exec.mini-batch.allow-latency")
        size = config.get_int("table.exec.mini-batch.size")
        latency = allow if allow > 0 else latency
        max_rows = size if size > 0 else max_rows
    return MicroBatchBounds(max_rows, latency)
