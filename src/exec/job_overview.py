"""What a job looks like from outside: its summary (SHOW JOBS, the jobs page) and its detail — the
operator graph with each node's EXPLAIN label, changelog mode and live metrics (SHOW JOB, the REST
API's job detail, the web UI's graph).

Plain dicts and lists of JSON types, so the shell prints them as rows and the job server sends
them as they are. Counters come from ``job_metrics.operator_reports`` and rates from the job's
``RateMeter``; both are snapshots, safe to take while the job runs.
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flowsql.common.changes import MAX_WATERMARK
from flowsql.exec.job_metrics import format_watermark, operator_label, operator_reports
from flowsql.exec.job_rates import RateMeter, backpressure_level

TERMINAL_STATES = ("FINISHED", "FAILED", "CANCELED")


def format_time(epoch_seconds: float | None, zone: str = "UTC") -> str | None:
    """Flink's form of a job's start time: local date-time with milliseconds, '2024-01-01T10:00:05.123'."""
    if epoch_seconds is None:
        return None
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):  # an unknown zone name: the session reports it where it is set
        tz = dt.timezone.utc
    moment = dt.datetime.fromtimestamp(epoch_seconds, tz).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds")


def duration_ms(job) -> int | None:
    if job.start_time is None:
        return None
    end = job.end_time if job.end_time is not None else time.time()
    return int((end - job.start_time) * 1000)


def error_dict(error: BaseException | None) -> dict | None:
    """An error as JSON: kind, message, line, column and hint (line and column where known)."""
    if error is None:
        return None
    return {"type": getattr(error, "kind", type(error).__name__), "message": getattr(error, "message", str(error)),
            "line": getattr(error, "line", None), "column": getattr(error, "column", None),
            "hint": getattr(error, "hint", None), "location": getattr(error, "location", None),
            "text": str(error)}


def job_summary(job, meter: RateMeter, zone: str = "UTC") -> dict:
    """One job as the jobs list shows it; ``rows_per_second`` is what its sources read per second."""
    sources = {id(source) for source in job.sources}
    read = sum(r.rows_out_per_second for op, r in zip(job.operators, meter.rates(job)) if id(op) in sources)
    return {
        "id": job.job_id, "name": job.name, "status": job.status.state,
        "start_time": format_time(job.start_time, zone), "end_time": format_time(job.end_time, zone),
        "duration_ms": duration_ms(job), "rows_per_second": round(read, 3),
        "error": error_dict(job.status.error),
    }


def job_detail(job, meter: RateMeter, zone: str = "UTC") -> dict:
    """The summary plus the operator graph (``nodes`` in topological order, ``edges``) and checkpoints."""
    detail = job_summary(job, meter, zone)
    detail.update(job_graph(job, meter))
    coordinator = getattr(job, "checkpoints", None)
    enabled = coordinator is not None and coordinator.enabled
    detail["checkpoints"] = job.checkpoint_metrics() if enabled else None  # Flink's names: lastCheckpointSize, ...
    detail["restarts"] = len(getattr(job, "restarts", ()))
    return detail


def job_graph(job, meter: RateMeter) -> dict:
    """Nodes (one per physical plan node, sources first) with metrics where an operator runs them."""
    operators = {id(op.node): op for op in job.operators if getattr(op, "node", None) is not None}
    reports = dict(zip((id(op) for op in job.operators), operator_reports(job)))
    rates = dict(zip((id(op) for op in job.operators), meter.rates(job)))
    now_ms = job.clock.now_ms()
    nodes, edges, ids = [], [], {}

    def visit(node) -> str:
        if id(node) in ids:
            return ids[id(node)]
        inputs = [visit(i) for i in node.inputs]
        node_id = node.operator_id or f"{node.kind.lower()}-{len(nodes)}"
        while node_id in ids.values():  # the late-rows side plan is planned apart and may repeat an id
            node_id += "'"
        ids[id(node)] = node_id
        op = operators.get(id(node))
        nodes.append({
            "id": node_id, "kind": node.kind, "label": node.label(), "changelog_mode": node.mode.short(),
            "name": operator_label(op) if op is not None else node.kind,
            "metrics": _metrics(reports[id(op)], rates[id(op)], now_ms) if op is not None else None,
        })
        edges.extend({"source": source, "target": node_id, "input": index} for index, source in enumerate(inputs))
        return node_id

    for root in job.roots:
        visit(root)
    return {"nodes": nodes, "edges": edges}


def _metrics(report, rates, now_ms: int) -> dict:
    watermark = report.watermark
    lag = None if watermark is None or watermark >= MAX_WATERMARK.timestamp else max(0, now_ms - watermark)
    return {
        "rows_in": report.rows_in, "rows_out": report.rows_out,
        "rows_in_per_second": round(rates.rows_in_per_second, 3),
        "rows_out_per_second": round(rates.rows_out_per_second, 3),
        "watermark": watermark, "watermark_text": format_watermark(watermark), "watermark_lag_ms": lag,
        "idle": report.idle, "busy": round(rates.busy, 4), "backpressured": round(rates.backpressured, 4),
        "backpressure": backpressure_level(rates.backpressured), "state_size": report.state_size,
        "late_rows_dropped": report.late_rows_dropped, "skipped_records": report.skipped_records,
    }
