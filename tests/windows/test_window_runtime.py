"""Runtime behaviour of event and processing time: late rows dropped and counted, idle sources
not stalling windows, processing-time windows fired by a hand-driven clock, bounded window state."""

from __future__ import annotations

import threading
import time

import pytest
from flowsql.exec.clock import ManualClock
from flowsql.table import EnvironmentSettings, TableEnvironment
from window_helpers import drained, make_env, make_job, operator

WINDOW_COUNT = ("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE {t}, DESCRIPTOR({time}), INTERVAL '5' SECOND)) "
                "GROUP BY window_start, window_end")


def test_late_rows_are_dropped_and_counted(tmp_path):
    lines = ["a,1,2024-01-01 10:00:01", "a,2,2024-01-01 10:00:12", "a,3,2024-01-01 10:00:02",  # 10 s late
             "a,4,2024-01-01 10:00:11", "a,5,2024-01-01 10:00:20"]
    (tmp_path / "e.csv").write_text("\n".join(lines) + "\n")
    env = make_env(tmp_path, max_rows=1, watermark="ts - INTERVAL '2' SECOND")
    job = make_job(env, WINDOW_COUNT.format(t="t", time="ts"))
    job.run()
    job.wait()
    result = sorted((r[0].second, r[1]) for r in drained(job))
    # 10:00:02 arrives after the watermark reached 10:00:10: its window [0, 5) has fired.
    assert result == [(0, 1), (10, 2), (20, 1)]
    assert operator(job, "WindowAggregate").metrics.late_rows_dropped == 1


def test_over_aggregate_drops_late_rows(tmp_path):
    lines = ["a,1,2024-01-01 10:00:01", "a,2,2024-01-01 10:00:10", "a,3,2024-01-01 10:00:02"]
    (tmp_path / "e.csv").write_text("\n".join(lines) + "\n")
    env = make_env(tmp_path, max_rows=1, watermark="ts")
    job = make_job(env, "SELECT v, SUM(v) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t")
    job.run()
    job.wait()
    assert sorted(drained(job)) == [(1, 1), (2, 3)]
    assert operator(job, "OverAggregate").metrics.late_rows_dropped == 1


def _monitored_env(tmp_path, idle_timeout: str) -> TableEnvironment:
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("table.exec.source.idle-timeout", idle_timeout)
    env.get_config().set("pipeline.auto-watermark-interval", "0 ms")
    for name in ("busy", "quiet"):
        (tmp_path / name).mkdir()
        env.execute_sql(f"CREATE TABLE {name} (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ("
                        f"'connector'='filesystem', 'path'='{tmp_path / name}', 'format'='csv', "
                        f"'source.monitor-interval'='20 ms')")
    (tmp_path / "busy" / "e.csv").write_text("a,1,2024-01-01 10:00:01\na,2,2024-01-01 10:00:07\n")
    return env


def _output_within(job, seconds: float) -> list:
    thread = threading.Thread(target=job.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + seconds
    out = []
    while time.monotonic() < deadline and not out:
        time.sleep(0.02)
        out = drained(job)
    job.cancel()
    thread.join(5)
    return out


def test_idle_source_does_not_hold_back_windows(tmp_path):
    sql = WINDOW_COUNT.format(t="(SELECT * FROM busy UNION ALL SELECT * FROM quiet)", time="ts")
    env = _monitored_env(tmp_path, "100 ms")
    out = _output_within(make_job(env, sql), 30)  # returns as soon as the window fires
    assert [(r[0].second, r[1]) for r in out] == [(0, 1)]


def test_sources_going_idle_in_the_same_moment_keep_the_watermark_they_reached(tmp_path):
    # The busy source's rows and its watermark arrive; then one clock step makes both sources idle
    # at once (busy first): the union's watermark is the maximum over its idle inputs, as in Flink.
    sql = WINDOW_COUNT.format(t="(SELECT * FROM busy UNION ALL SELECT * FROM quiet)", time="ts")
    env = _monitored_env(tmp_path, "100 ms")
    clock = ManualClock(start_ms=1_000_000)
    job = make_job(env, sql, clock=clock)
    thread = threading.Thread(target=job.run, daemon=True)
    thread.start()
    try:
        window = operator(job, "WindowAggregate")
        deadline = time.monotonic() + 30
        while window.metrics.rows_in < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert window.metrics.rows_in == 2 and drained(job) == []
        clock.advance(1_000)
        out = []
        while not out and time.monotonic() < deadline:
            time.sleep(0.01)
            out = drained(job)
        assert [(r[0].second, r[1]) for r in out] == [(0, 1)]
    finally:
        job.cancel()
        thread.join(5)


def test_without_idle_timeout_a_silent_source_holds_back_windows(tmp_path):
    sql = WINDOW_COUNT.format(t="(SELECT * FROM busy UNION ALL SELECT * FROM quiet)", time="ts")
    env = _monitored_env(tmp_path, "0 ms")
    assert _output_within(make_job(env, sql), 0.6) == []


def test_processing_time_window_fires_from_a_manual_clock(tmp_path):
    (tmp_path / "e.csv").write_text("a,1,2024-01-01 10:00:01\nb,2,2024-01-01 10:00:02\n")
    env = make_env(tmp_path)
    env.execute_sql(f"CREATE TABLE live (k STRING, v INT, ts TIMESTAMP(3), pt AS PROCTIME()) WITH ("
                    f"'connector'='filesystem', 'path'='{tmp_path}', 'format'='csv', "
                    f"'source.monitor-interval'='20 ms')")
    clock = ManualClock(start_ms=1_000_000)
    sql = ("SELECT window_start, window_end, COUNT(*), SUM(v) FROM TABLE(TUMBLE(TABLE live, DESCRIPTOR(pt), "
           "INTERVAL '10' SECOND)) GROUP BY window_start, window_end")
    job = make_job(env, sql, clock=clock)
    thread = threading.Thread(target=job.run, daemon=True)
    thread.start()
    try:
        window = operator(job, "WindowAggregate")
        deadline = time.monotonic() + 5
        while window.metrics.rows_in < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        assert window.metrics.rows_in == 2 and drained(job) == []  # the clock has not moved
        clock.advance(9_000)  # 1 009 000: the window [1 000 000, 1 010 000) is still open
        time.sleep(0.1)
        assert drained(job) == []
        clock.advance(1_000)
        out = []
        while not out and time.monotonic() < deadline:
            time.sleep(0.01)
            out = drained(job)
        assert [(r[0].timestamp(), r[2], r[3]) for r in out] == [(1000.0, 2, 3)]
    finally:
        job.cancel()
        thread.join(5)


def _held_rows(backend) -> int:
    """Rows held in a job's state backend: tables, lists of tables, and window buffers."""
    total = 0
    for state in backend.states.values():
        value = getattr(state, "value", None)
        if isinstance(value, list):
            total += sum(getattr(t, "num_rows", 0) for t in value)
        else:
            total += getattr(value, "num_rows", 0) or 0
    return total


FLAT_CASES = {  # query over g (50 000 rows, 10 ms apart), the operator sampled, its windows' rows
    "tumble": (("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE g, DESCRIPTOR(ts), INTERVAL '1' SECOND)) "
               "GROUP BY window_start, window_end"), "WindowAggregate", 501),
    "tumble_allowed_lateness": (
        ("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE g, DESCRIPTOR(ts), INTERVAL '1' SECOND)) "
        "GROUP BY window_start, window_end"), "WindowAggregate", 501),
    "hop": (("SELECT window_start, COUNT(*) FROM TABLE(HOP(TABLE g, DESCRIPTOR(ts), INTERVAL '500' MILLISECOND, "
            "INTERVAL '1' SECOND)) GROUP BY window_start, window_end"), "WindowAggregate", 1002),
    "cumulate": (("SELECT window_start, window_end, COUNT(*) FROM TABLE(CUMULATE(TABLE g, DESCRIPTOR(ts), "
                 "INTERVAL '500' MILLISECOND, INTERVAL '1' SECOND)) GROUP BY window_start, window_end"),
                 "WindowAggregate", 1002),
    "session": (("SELECT window_start, COUNT(*) FROM TABLE(SESSION(TABLE g, DESCRIPTOR(st), INTERVAL '500' MILLISECOND)) "
                "GROUP BY window_start, window_end"), "SessionWindowTableFunction", 501),
    "over": ("SELECT id, SUM(id) OVER (ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) FROM g",
             "OverAggregate", 50_000),
}


@pytest.mark.parametrize("case", sorted(FLAT_CASES))
def test_window_state_stays_flat_over_a_long_stream(case):
    sql, name, expected_rows = FLAT_CASES[case]
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("flowsql.exec.batch.max-rows", "1000")
    env.get_config().set("flowsql.exec.batch.max-latency", "1 h")  # full batches however loaded the machine
    env.get_config().set("pipeline.auto-watermark-interval", "0 ms")  # else state grows by rate x interval
    if case == "tumble_allowed_lateness":
        env.get_config().set("table.exec.emit.allow-lateness", "2 s")
    env.execute_sql("CREATE TABLE g (id BIGINT, ts AS TO_TIMESTAMP_LTZ(id * 10, 3), "
                    "WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector'='datagen', "
                    "'fields.id.kind'='sequence', 'fields.id.start'='1', 'fields.id.end'='50000')")
    if case == "session":  # st: 100 rows 10 ms apart, then a 1 s pause: sessions of 100 rows
        env.execute_sql("CREATE TABLE g2 (id BIGINT, st AS TO_TIMESTAMP_LTZ(id * 10 + (id / 100) * 1000, 3), "
                        "WATERMARK FOR st AS st - INTERVAL '1' SECOND) WITH ('connector'='datagen', "
                        "'fields.id.kind'='sequence', 'fields.id.start'='1', 'fields.id.end'='50000')")
        sql = sql.replace("TABLE g,", "TABLE g2,")
    job = make_job(env, sql)
    window = operator(job, name)
    sizes = []
    fire = window.on_watermark

    def measured(watermark):  # state held in the backend, sampled at every watermark
        sizes.append(_held_rows(job.state_backend))
        return fire(watermark)

    window.on_watermark = measured
    job.run()
    job.wait()
    out = drained(job)
    assert len(out) == expected_rows
    # 1 000-row batches and a 1 s watermark delay (100 rows a second) keep a few thousand rows
    # buffered at most, however long the stream: windows are freed when they fire or expire.
    assert len(sizes) > 40 and max(sizes) <= 3_000, (case, max(sizes))
    assert window.state_size() == 0 or case == "over"
