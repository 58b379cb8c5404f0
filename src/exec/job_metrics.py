"""What a job reports about itself: per-operator counters and watermarks, and warnings for users.

Read from the operators' ``metrics`` and the job's ``WatermarkTracker``; safe to call while the
job runs (the numbers are a moment's snapshot). The same view backs ``SHOW WATERMARKS``,
``JobClient.get_metrics()`` and the warnings the shell prints when a query ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from flowsql.common.changes import MAX_WATERMARK

# Operators that hold rows until event time passes them: a stalled watermark stalls their output.
WATERMARK_DRIVEN = ("WindowAggregate", "WindowRank", "WindowDeduplicate", "OverAggregate", "WindowJoin",
                    "IntervalJoin", "WindowTableFunction")


@dataclass(frozen=True)
class OperatorReport:
    """One operator's counters. ``watermark`` is epoch milliseconds (None before the first)."""

    operator: str  # kind and what it works on, e.g. "Source: default_catalog.default_database.t"
    operator_id: str
    rows_in: int
    rows_out: int
    late_rows_dropped: int
    skipped_records: int
    watermark: int | None
    idle: bool
    state_size: int

    def as_dict(self) -> dict:
        return asdict(self)


def operator_label(op) -> str:
    node = getattr(op, "node", None)
    if node is None:
        return op.name
    if node.kind == "TableSourceScan":
        return "Source: " + ".".join(node.logical.path)
    if node.kind == "Values":
        return "Source: VALUES"
    if node.kind == "Sink":
        return "Sink: " + (node.sink.describe() if node.sink is not None else "collect")
    if node.kind == "WatermarkAssigner":
        return node.label()
    return node.kind


def operator_reports(job) -> list[OperatorReport]:
    tracker = getattr(job, "watermarks", None)
    reports = []
    for op in job.operators:
        watermark, idle = op.metrics.watermark, False
        if tracker is not None:
            watermark, idle = tracker.watermark_of(op), tracker.idle.get(id(op), False)
        reports.append(OperatorReport(
            operator_label(op), getattr(getattr(op, "node", None), "operator_id", "") or op.name,
            op.metrics.rows_in, op.metrics.rows_out, op.metrics.late_rows_dropped,
            op.metrics.skipped_records, watermark, idle, op.state_size()))
    return reports


def format_watermark(watermark: int | None) -> str | None:
    """A watermark as a UTC timestamp ('2024-01-01 10:00:05.000'); the final one as '+INF'."""
    if watermark is None:
        return None
    if watermark >= MAX_WATERMARK.timestamp:
        return "+INF"
    moment = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=watermark)
    return moment.isoformat(sep=" ", timespec="milliseconds")


def watermark_rows(jobs: Iterable, now_ms: int) -> list[tuple]:
    """``SHOW WATERMARKS``: (job id, job name, status, operator, watermark, lag ms, idle) rows."""
    rows = []
    for job in jobs:
        for report in operator_reports(job):
            w = report.watermark
            lag = None if w is None or w >= MAX_WATERMARK.timestamp else now_ms - w
            rows.append((job.job_id, job.name, job.status.state, report.operator, format_watermark(w), lag,
                         report.idle))
    return rows


def skipped_record_warnings(sources: Iterable) -> list[str]:
    """One line per file in which malformed records were skipped (``TableSource.skipped_records``)."""
    lines = []
    for source in sources:
        for place, count, option in source.skipped_records():
            noun = "record" if count == 1 else "records"
            lines.append(f"Skipped {count} malformed {noun} in {place} ({option})")
    return lines


def plan_sources(roots: Iterable) -> list:
    """The connector sources (``TableSource``) of physical plans, each once."""
    found: dict[int, object] = {}
    stack = list(roots)
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.kind == "TableSourceScan" and node.source is not None:
            found[id(node.source)] = node.source
        stack.extend(node.inputs)
    return list(found.values())


def job_warnings(job) -> list[str]:
    """Everything a user should hear about once the job ends: skipped records, stalled windows."""
    sources = [op.node.source for op in job.operators
               if getattr(getattr(op, "node", None), "kind", None) == "TableSourceScan"]
    tracker = getattr(job, "watermarks", None)
    return skipped_record_warnings(sources) + (list(tracker.warnings) if tracker is not None else [])
