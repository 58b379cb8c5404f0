"""Watermark introspection: CURRENT_WATERMARK(ts), SHOW WATERMARKS, the warning for a window held
back by a source that sends no event time (an idle partition), and per-split (per-file) watermarks."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pyarrow as pa
import pytest
from flowsql.common.changes import ChangeBatch
from flowsql.common.errors import ValidationError
from flowsql.common.types import TIMESTAMP
from flowsql.exec.clock import ManualClock
from flowsql.exec.operators.watermark_assigner import WatermarkAssigner
from flowsql.planner.expressions import InputRef
from flowsql.table import EnvironmentSettings, TableEnvironment
from window_helpers import drained, make_env, make_job, operator

LINES = ["a,1,2024-01-01 10:00:01", "a,2,2024-01-01 10:00:12", "a,3,2024-01-01 10:00:02",  # 10 s late
         "a,4,2024-01-01 10:00:11", "a,5,2024-01-01 10:00:20"]


def _run(env, sql: str) -> list[tuple]:
    job = make_job(env, sql)
    job.run()
    job.wait()
    return drained(job)


def test_current_watermark_is_null_before_the_first_watermark_then_the_operators_watermark(tmp_path):
    (tmp_path / "e.csv").write_text("\n".join(LINES) + "\n")
    env = make_env(tmp_path, max_rows=1, watermark="ts - INTERVAL '2' SECOND")
    out = _run(env, "SELECT v, CURRENT_WATERMARK(ts) FROM t")
    at = dt.datetime(2024, 1, 1, 10, 0, 0)
    assert out == [(1, None), (2, at - dt.timedelta(seconds=1)), (3, at + dt.timedelta(seconds=10)),
                   (4, at + dt.timedelta(seconds=10)), (5, at + dt.timedelta(seconds=10))]


def test_current_watermark_filters_late_rows(tmp_path):
    (tmp_path / "e.csv").write_text("\n".join(LINES) + "\n")
    env = make_env(tmp_path, max_rows=1, watermark="ts - INTERVAL '2' SECOND")
    out = _run(env, "SELECT v FROM t WHERE CURRENT_WATERMARK(ts) IS NULL OR ts > CURRENT_WATERMARK(ts)")
    assert sorted(out) == [(1,), (2,), (4,), (5,)]  # 10:00:02 came after the watermark reached 10:00:10


def test_current_watermark_is_null_in_batch_mode(tmp_path):
    (tmp_path / "e.csv").write_text("\n".join(LINES) + "\n")
    env = make_env(tmp_path, batch=True)
    assert {r[0] for r in env.execute_sql("SELECT CURRENT_WATERMARK(ts) FROM t").collect()} == {None}


def test_current_watermark_needs_a_rowtime_attribute(tmp_path):
    env = make_env(tmp_path)
    with pytest.raises(ValidationError) as error:
        env.execute_sql("SELECT CURRENT_WATERMARK(pt) FROM t")
    assert "CURRENT_WATERMARK takes a rowtime attribute, found TIMESTAMP_LTZ(3) NOT NULL *PROCTIME*" in \
        error.value.message
    assert (error.value.line, error.value.column) == (1, 8)


def test_show_watermarks_lists_each_operator_of_a_finished_query(tmp_path):
    (tmp_path / "e.csv").write_text("\n".join(LINES) + "\n")
    env = make_env(tmp_path)
    list(env.execute_sql("SELECT v FROM t WHERE v > 1").collect())
    rows = list(env.execute_sql("SHOW WATERMARKS").collect())
    assert list(rows[0].as_dict()) == ["job id", "job name", "status", "operator", "watermark", "lag ms", "idle"]
    operators = [r[3] for r in rows]
    assert operators[0] == "Source: default_catalog.default_database.t"
    assert any(o.startswith("WatermarkAssigner(rowtime=[ts]") for o in operators)
    assert {r[2] for r in rows} == {"FINISHED"}
    assert {r[4] for r in rows} == {"+INF"} and {r[5] for r in rows} == {None}


def _monitored(tmp_path, names=("busy",)) -> TableEnvironment:
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    config = env.get_config()
    config.set("pipeline.auto-watermark-interval", "0 ms")
    for name in names:
        (tmp_path / name).mkdir()
        env.execute_sql(f"CREATE TABLE {name} (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ("
                        f"'connector'='filesystem', 'path'='{tmp_path / name}', 'format'='csv', "
                        f"'source.monitor-interval'='20 ms')")
    (tmp_path / "busy" / "e.csv").write_text("a,1,2024-01-01 10:00:01\na,2,2024-01-01 10:00:07\n")
    return env


def _start(job):
    thread = threading.Thread(target=job.run, daemon=True)
    thread.start()
    return thread


def _until(predicate, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_show_watermarks_shows_a_running_jobs_watermark_and_lag(tmp_path):
    env = _monitored(tmp_path)
    seven = int(dt.datetime(2024, 1, 1, 10, 0, 7, tzinfo=dt.timezone.utc).timestamp() * 1000)
    clock = ManualClock(start_ms=seven + 10_000)
    job = make_job(env, "SELECT v FROM busy", clock=clock)
    env.jobs.add(job)
    thread = _start(job)
    try:
        assert _until(lambda: operator(job, "Source").metrics.rows_out == 2)
        assert _until(lambda: getattr(job, "watermarks", None) and job.watermarks.watermark_of(job.sources[0]))
        rows = {r[3]: r for r in env.execute_sql("SHOW WATERMARKS").collect()}
        source = rows["Source: default_catalog.default_database.busy"]
        assert source[2] == "RUNNING"
        assert (source[4], source[5], source[6]) == ("2024-01-01 10:00:07.000", 10_000, False)
    finally:
        job.cancel()
        thread.join(5)


def test_a_window_held_back_by_a_silent_source_warns_once_naming_it(tmp_path, caplog):
    env = _monitored(tmp_path, names=("busy", "quiet"))
    env.get_config().set("flowsql.watermark.stall-warning", "60 s")
    clock = ManualClock(start_ms=1_000_000)
    sql = ("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE (SELECT * FROM busy UNION ALL "
           "SELECT * FROM quiet), DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY window_start, window_end")
    job = make_job(env, sql, clock=clock)
    window = operator(job, "WindowAggregate")
    thread = _start(job)
    try:
        assert _until(lambda: window.metrics.rows_in == 2)
        clock.advance(59_000)
        time.sleep(0.1)
        assert job.watermarks.warnings == []  # not yet 60 s without progress
        clock.advance(1_000)
        assert _until(lambda: job.watermarks.warnings)
        clock.advance(120_000)
        time.sleep(0.1)
    finally:
        job.cancel()
        thread.join(5)
    assert len(job.watermarks.warnings) == 1  # once, until the watermark moves again
    warning = job.watermarks.warnings[0]
    assert warning.startswith("WindowAggregate holds 2 rows but its watermark has not advanced for 60 s")
    assert "default_catalog.default_database.quiet" in warning and ".busy" not in warning
    assert "'table.exec.source.idle-timeout'" in warning
    assert any(warning in r.getMessage() for r in caplog.records)


def test_no_stall_warning_when_the_only_source_is_silent(tmp_path):
    env = _monitored(tmp_path)
    env.get_config().set("flowsql.watermark.stall-warning", "60 s")
    clock = ManualClock(start_ms=1_000_000)
    job = make_job(env, "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE busy, DESCRIPTOR(ts), "
                        "INTERVAL '5' SECOND)) GROUP BY window_start, window_end", clock=clock)
    thread = _start(job)
    try:
        assert _until(lambda: drained(job) != [])  # 10:00:07 fired the window [0, 5); [5, 10) holds a row
        clock.advance(61_000)
        time.sleep(0.2)
    finally:
        job.cancel()
        thread.join(5)
    # The window waits, but no input is ahead of another: the data stopped, no partition is idle.
    assert job.watermarks.warnings == []


def _assigner() -> WatermarkAssigner:
    assigner = WatermarkAssigner(0, InputRef(TIMESTAMP(3), 0, "ts"))
    return assigner


def _times(*seconds: int) -> ChangeBatch:
    base = dt.datetime(2024, 1, 1, 10, 0, 0)
    return ChangeBatch(pa.table({"ts": pa.array([base + dt.timedelta(seconds=s) for s in seconds],
                                                pa.timestamp("ms"))}))


def test_watermarks_are_generated_per_split_and_a_finished_split_is_released():
    assigner = _assigner()
    split = ["a.csv"]
    assigner.split_of = lambda: split[0]
    assigner.process(_times(1, 20))
    first = assigner.current
    split[0] = "b.csv"  # a.csv is done: its 10:00:20 no longer holds the watermark up
    assigner.process(_times(2, 3))
    assert assigner.current == first - 17_000
    assigner.process(_times(25))
    assert assigner.current == first + 5_000


def test_without_splits_the_largest_value_counts():
    assigner = _assigner()
    assigner.process(_times(1, 20))
    assigner.process(_times(2))
    assert assigner.current == int(dt.datetime(2024, 1, 1, 10, 0, 20, tzinfo=dt.timezone.utc).timestamp() * 1000)


def test_a_filesystem_source_gives_its_assigner_per_file_splits(tmp_path):
    (tmp_path / "a.csv").write_text("a,1,2024-01-01 10:00:20\n")
    (tmp_path / "b.csv").write_text("a,2,2024-01-01 10:00:03\n")
    env = make_env(tmp_path, max_rows=1, interval="1 h", watermark="ts")
    job = make_job(env, "SELECT v FROM t")
    job.run()
    job.wait()
    assigner = operator(job, "WatermarkAssigner")
    assert assigner.split_of() == str(tmp_path / "b.csv")
    three = int(dt.datetime(2024, 1, 1, 10, 0, 3, tzinfo=dt.timezone.utc).timestamp() * 1000)
    assert assigner.current == three  # b.csv's own watermark, not a.csv's 10:00:20
