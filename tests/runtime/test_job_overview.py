"""Jobs as users see them: SHOW JOBS / DESCRIBE JOB / SHOW JOB / STOP JOB through the Table API, the
job detail (operator graph with labels, changelog modes and metrics) and the rate meter."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from flowsql.common.errors import ExecutionError, ValidationError
from flowsql.exec.job_overview import format_time, job_detail, job_summary
from flowsql.exec.job_rates import RateMeter, backpressure_level
from flowsql.exec.operator import OperatorMetrics
from flowsql.planner.parser import parse_statement
from flowsql.planner.parser.statements import Describe, DescribeJob, StopJob
from flowsql.table import EnvironmentSettings, TableEnvironment


def _env(batch: bool = False) -> TableEnvironment:
    return TableEnvironment.create(EnvironmentSettings.in_batch_mode() if batch
                                   else EnvironmentSettings.in_streaming_mode())


def _rows(result) -> list[tuple]:
    return [tuple(r) for r in result.collect()]


def _bounded_job(env: TableEnvironment, rows: int = 40):
    env.execute_sql(f"CREATE TABLE src (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '{rows}', "
                    f"'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '{rows}')")
    env.execute_sql("CREATE TABLE snk (k INT, c BIGINT) WITH ('connector' = 'blackhole')")
    env.execute_sql("SET 'pipeline.name' = 'counting'")
    result = env.execute_sql("INSERT INTO snk SELECT id % 2, COUNT(*) FROM src GROUP BY id % 2")
    result.wait()
    return result.job


# -- statements ---------------------------------------------------------------------------------
def test_the_job_statements_parse():
    def parsed(sql: str) -> tuple:
        statement = parse_statement(sql)
        return type(statement), statement.job_id, getattr(statement, "operators", None)

    assert parsed("DESCRIBE JOB 'abc'") == (DescribeJob, "abc", False)
    assert parsed("DESC JOB 'abc'") == (DescribeJob, "abc", False)
    assert parsed("SHOW JOB 'abc'") == (DescribeJob, "abc", True)
    assert parse_statement("STOP JOB 'abc' WITH SAVEPOINT").with_savepoint
    assert isinstance(parse_statement("STOP JOB 'abc'"), StopJob)
    assert isinstance(parse_statement("DESCRIBE job"), Describe)  # a table named job is still a table


def test_show_jobs_has_flinks_columns_and_describe_job_one_row():
    env = _env()
    job = _bounded_job(env)
    shown = env.execute_sql("SHOW JOBS")
    assert shown.get_table_schema().get_field_names() == ["job id", "job name", "status", "start time"]
    ((job_id, name, status, started),) = _rows(shown)
    assert (job_id, name, status) == (job.job_id, "counting", "FINISHED")
    assert started == format_time(job.start_time) and len(started) == len("2024-01-01T10:00:05.123")
    assert _rows(env.execute_sql(f"DESCRIBE JOB '{job.job_id}'")) == _rows(shown)


def test_show_job_lists_every_operator_with_its_metrics():
    env = _env()
    job = _bounded_job(env)
    result = env.execute_sql(f"SHOW JOB '{job.job_id[:6]}'")
    names = result.get_table_schema().get_field_names()
    rows = [dict(zip(names, row)) for row in _rows(result)]
    assert rows[0]["operator"] == "Source: default_catalog.default_database.src"
    aggregate = next(r for r in rows if r["operator"] == "GroupAggregate")
    assert aggregate["changelog mode"] == "I,UB,UA,D"
    assert aggregate["rows in"] == 40 and aggregate["state size"] == 2
    sink = rows[-1]
    assert sink["operator"] == "Sink: blackhole"
    assert sink["rows in"] == next(r for r in rows if r["operator"] == "Calc" and r["rows in"] != 40)["rows out"]


def test_stop_job_cancels_a_running_job_and_refuses_an_ended_one():
    env = _env()
    env.execute_sql("CREATE TABLE gen (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '100')")
    env.execute_sql("CREATE TABLE snk (id INT) WITH ('connector' = 'blackhole')")
    job = env.execute_sql("INSERT INTO snk SELECT id FROM gen").job
    deadline = time.monotonic() + 20
    while job.status.state != "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.02)
    stopped = env.execute_sql(f"STOP JOB '{job.job_id}'")
    assert stopped.get_result_kind().name == "SUCCESS"
    assert job.status.state == "CANCELED" and job.end_time is not None
    with pytest.raises(ValidationError, match="has already ended: it is CANCELED"):
        env.execute_sql(f"STOP JOB '{job.job_id}'")
    with pytest.raises(ValidationError, match="there is no job with id 'nope'") as raised:
        env.execute_sql("STOP JOB 'nope'")
    assert raised.value.hint == "SHOW JOBS lists this session's jobs"


def test_stop_job_with_savepoint_errors_point_at_the_statement():
    env = _env()
    env.execute_sql("CREATE TABLE gen (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '10')")
    env.execute_sql("CREATE TABLE snk (id INT) WITH ('connector' = 'blackhole')")
    job = env.execute_sql("INSERT INTO snk SELECT id FROM gen").job
    try:
        with pytest.raises(ValidationError, match="needs a folder for the savepoint") as raised:
            env.execute_sql(f"STOP JOB '{job.job_id}' WITH SAVEPOINT")
        assert (raised.value.line, raised.value.column) == (1, 1)
    finally:
        job.cancel()


# -- the job detail -----------------------------------------------------------------------------
def test_the_detail_of_a_finished_job_is_its_graph_with_metrics():
    env = _env()
    job = _bounded_job(env)
    detail = job_detail(job, env.jobs.meter(job))
    assert detail["status"] == "FINISHED" and detail["duration_ms"] >= 0 and detail["error"] is None
    kinds = [n["kind"] for n in detail["nodes"]]
    assert kinds == ["TableSourceScan", "Calc", "GroupAggregate", "Calc", "Sink"]
    assert [(e["source"], e["target"]) for e in detail["edges"]] == [
        (a["id"], b["id"]) for a, b in zip(detail["nodes"], detail["nodes"][1:])]
    source = detail["nodes"][0]
    assert source["label"].startswith("TableSourceScan(table=[[default_catalog, default_database, src]]")
    assert source["metrics"]["rows_out"] == 40
    # A job that has ended reports its averages over the run.
    seconds = (job.end_time - job.start_time)
    assert source["metrics"]["rows_out_per_second"] == pytest.approx(40 / seconds, rel=1e-3)
    assert detail["rows_per_second"] == pytest.approx(40 / seconds, rel=1e-3)
    assert detail["checkpoints"] is None and detail["restarts"] == 0


def test_a_failed_job_reports_its_error():
    env = _env()
    env.execute_sql("CREATE TABLE src (s STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '3')")
    env.execute_sql("CREATE TABLE snk (n INT) WITH ('connector' = 'blackhole')")
    result = env.execute_sql("INSERT INTO snk SELECT CAST(s AS INT) FROM src")
    with pytest.raises(ExecutionError):
        result.wait()
    summary = job_summary(result.job, env.jobs.meter(result.job))
    assert summary["status"] == "FAILED"
    error = summary["error"]
    assert error["type"] == "Runtime error" and "CAST(s AS INT)" in error["message"]
    assert (error["line"], error["column"]) == (1, 29) and error["hint"].startswith("check the values")


def test_a_batch_mode_insert_has_a_graph_without_runtime_metrics():
    env = _env(batch=True)
    job = _bounded_job(env)
    detail = job_detail(job, env.jobs.meter(job))
    assert detail["status"] == "FINISHED"
    assert detail["nodes"] and all(n["metrics"] is None for n in detail["nodes"])


# -- the rate meter -----------------------------------------------------------------------------
class _FakeJob:
    """Two operators whose counters the test moves by hand."""

    def __init__(self) -> None:
        self.operators = [SimpleNamespace(metrics=OperatorMetrics()), SimpleNamespace(metrics=OperatorMetrics())]
        self.start_time = time.time() - 10
        self.end_time = None


def test_rates_are_differences_over_the_window():
    job, meter = _FakeJob(), RateMeter(window=5.0, min_interval=0.25)
    meter.rates(job, now=100.0)
    source, sink = (op.metrics for op in job.operators)
    source.rows_out, source.busy_ns, source.backpressured_ns = 500, 250_000_000, 500_000_000
    sink.rows_in = 500
    first, second = meter.rates(job, now=101.0)
    assert first.rows_out_per_second == 500 and second.rows_in_per_second == 500
    assert (first.busy, first.backpressured) == (0.25, 0.5) and first.idle == pytest.approx(0.25)
    assert backpressure_level(first.backpressured) == "LOW"
    # Samples older than the window drop out: the rate follows the recent past.
    source.rows_out = 600
    for now in (102.0, 103.0, 104.0, 105.0, 106.0, 107.0):
        meter.rates(job, now=now)
    assert meter.rates(job, now=108.0)[0].rows_out_per_second == pytest.approx(0.0, abs=1e-9)


def test_a_restart_with_fresh_counters_starts_the_samples_again():
    job, meter = _FakeJob(), RateMeter()
    job.operators[0].metrics.rows_out = 1000
    meter.rates(job, now=50.0)
    job.operators[0].metrics = OperatorMetrics(rows_out=10)  # rebuilt operators
    assert meter.rates(job, now=51.0)[0].rows_out_per_second >= 0


def test_the_meter_is_safe_to_share_between_threads():
    job, meter = _FakeJob(), RateMeter(min_interval=0.0)
    errors = []

    def poll() -> None:
        try:
            for _ in range(200):
                job.operators[0].metrics.rows_out += 1
                meter.rates(job)
        except Exception as error:  # noqa: BLE001 - the assertion below reports it
            errors.append(error)

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_backpressure_levels_follow_flinks_thresholds():
    assert [backpressure_level(x) for x in (0.0, 0.1, 0.11, 0.5, 0.51, 1.0)] == ["OK", "OK", "LOW", "LOW", "HIGH",
                                                                                 "HIGH"]
