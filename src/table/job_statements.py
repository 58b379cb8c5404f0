"""The job statements of a session: ``SHOW JOBS``, ``DESCRIBE JOB 'id'``, ``SHOW JOB 'id'`` and
``STOP JOB 'id'``, answered from the session's ``JobRegistry``.

``SHOW JOBS`` and ``DESCRIBE JOB`` print Flink's columns (job id, job name, status, start time);
``SHOW JOB`` is flowsql's own: one row per operator with its changelog mode, rows and rates,
watermark and lag, backpressure and state size. ``STOP JOB`` cancels a running job and answers as
Flink does ("Execute statement succeeded."); ``WITH SAVEPOINT`` stops it at a savepoint
(``Job.stop_with_savepoint``) and answers with its path; stopping a job that has ended is an error.
"""

from __future__ import annotations

from flowsql.common.errors import FlowSqlError, ValidationError
from flowsql.common.types import BIGINT, BOOLEAN, DOUBLE, STRING
from flowsql.exec.job_overview import TERMINAL_STATES, job_detail, job_summary
from flowsql.planner.parser import statements as st
from flowsql.table.result import ResultKind, TableResult

JOB_COLUMNS = ["job id", "job name", "status", "start time"]
OPERATOR_COLUMNS = ["operator id", "operator", "changelog mode", "rows in", "rows out", "rows in/s", "rows out/s",
                    "watermark", "watermark lag ms", "idle", "backpressure", "busy %", "state size"]
OPERATOR_TYPES = [STRING(), STRING(), STRING(), BIGINT(), BIGINT(), DOUBLE(), DOUBLE(), STRING(), BIGINT(),
                  BOOLEAN(), STRING(), DOUBLE(), BIGINT()]


def _rows(names: list[str], rows: list[tuple], types=None) -> TableResult:
    return TableResult(ResultKind.SUCCESS_WITH_CONTENT, names, types or [STRING()] * len(names), rows=rows)


def _zone(env) -> str:
    return env.config.get("table.local-time-zone") or "UTC"


def show_jobs(env) -> TableResult:
    rows = []
    for job in env.jobs.list():
        summary = job_summary(job, env.jobs.meter(job), _zone(env))
        rows.append((summary["id"], summary["name"], summary["status"], summary["start_time"]))
    return _rows(JOB_COLUMNS, rows)


def describe_job(env, s: st.DescribeJob) -> TableResult:
    job = env.jobs.get(s.job_id, s.line, s.column)
    if not s.operators:
        summary = job_summary(job, env.jobs.meter(job), _zone(env))
        return _rows(JOB_COLUMNS, [(summary["id"], summary["name"], summary["status"], summary["start_time"])])
    detail = job_detail(job, env.jobs.meter(job), _zone(env))
    rows = []
    for node in detail["nodes"]:
        m = node["metrics"] or {}
        busy = m.get("busy")
        rows.append((node["id"], node["name"], node["changelog_mode"], m.get("rows_in"), m.get("rows_out"),
                     m.get("rows_in_per_second"), m.get("rows_out_per_second"), m.get("watermark_text"),
                     m.get("watermark_lag_ms"), m.get("idle"), m.get("backpressure"),
                     None if busy is None else round(busy * 100, 1), m.get("state_size")))
    return _rows(OPERATOR_COLUMNS, rows, OPERATOR_TYPES)


def stop_job(env, s: st.StopJob) -> TableResult:
    job = env.jobs.get(s.job_id, s.line, s.column)
    if job.status.state in TERMINAL_STATES:
        raise ValidationError(f"job '{job.job_id}' ({job.name}) has already ended: it is {job.status.state}",
                              line=s.line, column=s.column, hint="only a CREATED or RUNNING job can be stopped")
    if s.with_savepoint:  # Flink answers with the savepoint's path
        try:
            path = job.stop_with_savepoint(drain=s.with_drain)
        except FlowSqlError as error:
            raise error.at(s.line, s.column) from None
        return _rows(["savepoint path"], [(str(path),)])
    job.cancel()
    if job.start_time is not None:  # running: let SHOW JOBS right after see it CANCELED
        job.done_event.wait(5)
    return TableResult(ResultKind.SUCCESS, ["result"], [STRING()], rows=[("OK",)])
