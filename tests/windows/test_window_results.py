"""Window TVFs, window aggregation, window Top-N/dedup and OVER aggregation: streaming (small
random batches, disorder within the watermark bound) equals batch mode equals DuckDB written by
hand (``time_bucket`` and generated ranges), and streaming output is insert-only."""

from __future__ import annotations

import random

import duckdb
import pytest
from window_helpers import make_env, rows, write_events

TUMBLE = "TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '5' SECOND))"

# (flowsql query, DuckDB query over table e(k, v, ts) or None where batch mode is the oracle)
CASES = {
    "tumble": (
        f"SELECT k, window_start, window_end, SUM(v), COUNT(*) FROM {TUMBLE} GROUP BY k, window_start, window_end",
        ("SELECT k, time_bucket(INTERVAL 5 SECOND, ts) AS s, s + INTERVAL 5 SECOND, SUM(v)::INT, COUNT(*) "
        "FROM e GROUP BY ALL")),
    "tumble_offset": (
        ("SELECT window_start, window_end, MAX(v), MIN(v) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), "
        "INTERVAL '10' SECOND, INTERVAL '3' SECOND)) GROUP BY window_start, window_end"),
        ("SELECT time_bucket(INTERVAL 10 SECOND, ts, TIMESTAMP '1970-01-01 00:00:03') AS s, "
        "s + INTERVAL 10 SECOND, MAX(v), MIN(v) FROM e GROUP BY ALL")),
    "hop": (
        ("SELECT k, window_start, window_end, COUNT(*), AVG(v) FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), "
        "INTERVAL '2' SECOND, INTERVAL '6' SECOND)) GROUP BY k, window_start, window_end"),
        ("SELECT k, time_bucket(INTERVAL 2 SECOND, ts) - i * INTERVAL 2 SECOND AS s, s + INTERVAL 6 SECOND, "
        "COUNT(*), trunc(AVG(v))::INT FROM e, range(3) r(i) GROUP BY ALL")),
    "cumulate": (
        ("SELECT window_start, window_end, SUM(v) FROM TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), "
        "INTERVAL '2' SECOND, INTERVAL '8' SECOND)) GROUP BY window_start, window_end"),
        ("SELECT time_bucket(INTERVAL 8 SECOND, ts) AS s, s + (i + 1) * INTERVAL 2 SECOND AS en, SUM(v)::INT "
        "FROM e, range(4) r(i) WHERE en > ts GROUP BY ALL")),
    "session": (
        ("SELECT k, window_start, window_end, COUNT(*), SUM(v) FROM TABLE(SESSION(TABLE t PARTITION BY k, "
        "DESCRIPTOR(ts), INTERVAL '2' SECOND)) GROUP BY k, window_start, window_end"), None),
    "session_global": (
        ("SELECT window_start, window_end, COUNT(*) FROM TABLE(SESSION(TABLE t, DESCRIPTOR(ts), "
        "INTERVAL '600' MILLISECOND)) GROUP BY window_start, window_end"), None),
    "legacy_tumble": (
        ("SELECT k, TUMBLE_START(ts, INTERVAL '5' SECOND), TUMBLE_END(ts, INTERVAL '5' SECOND), "
        "TUMBLE_ROWTIME(ts, INTERVAL '5' SECOND), COUNT(*) FROM t GROUP BY TUMBLE(ts, INTERVAL '5' SECOND), k"),
        ("SELECT k, time_bucket(INTERVAL 5 SECOND, ts) AS s, s + INTERVAL 5 SECOND, "
        "s + INTERVAL 5 SECOND - INTERVAL 1 MILLISECOND, COUNT(*) FROM e GROUP BY ALL")),
    "legacy_hop": (
        ("SELECT HOP_START(ts, INTERVAL '2' SECOND, INTERVAL '4' SECOND) AS s, SUM(v) FROM t "
        "GROUP BY HOP(ts, INTERVAL '2' SECOND, INTERVAL '4' SECOND)"),
        ("SELECT time_bucket(INTERVAL 2 SECOND, ts) - i * INTERVAL 2 SECOND AS s, SUM(v)::INT "
        "FROM e, range(2) r(i) GROUP BY ALL")),
    "legacy_session": (
        ("SELECT k, SESSION_START(ts, INTERVAL '2' SECOND), SESSION_END(ts, INTERVAL '2' SECOND), COUNT(*) "
        "FROM t GROUP BY k, SESSION(ts, INTERVAL '2' SECOND)"), None),
    "grouping_sets": (
        (f"SELECT window_start, window_end, k, COUNT(*) FROM {TUMBLE} "
        "GROUP BY GROUPING SETS ((window_start, window_end, k), (window_start, window_end))"),
        ("SELECT s, en, k, COUNT(*) FROM (SELECT time_bucket(INTERVAL 5 SECOND, ts) AS s, "
         "time_bucket(INTERVAL 5 SECOND, ts) + INTERVAL 5 SECOND AS en, k FROM e) "
         "GROUP BY GROUPING SETS ((s, en, k), (s, en))")),
    "window_top_n": (
        ("SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY c DESC, k) "
        f"AS rn FROM (SELECT window_start, window_end, k, COUNT(*) AS c FROM {TUMBLE} "
        "GROUP BY window_start, window_end, k)) WHERE rn <= 2"),
        ("SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY s, en ORDER BY c DESC, k) AS rn FROM "
        "(SELECT time_bucket(INTERVAL 5 SECOND, ts) AS s, s + INTERVAL 5 SECOND AS en, k, COUNT(*) AS c "
        "FROM e GROUP BY ALL)) WHERE rn <= 2")),
    "window_dedup": (
        ("SELECT k, v, ts, window_start FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, k "
        f"ORDER BY ts, v) AS rn FROM {TUMBLE}) WHERE rn = 1"),
        ("SELECT k, v, ts, s FROM (SELECT *, time_bucket(INTERVAL 5 SECOND, ts) AS s, row_number() OVER "
        "(PARTITION BY time_bucket(INTERVAL 5 SECOND, ts), k ORDER BY ts, v) AS rn FROM e) WHERE rn = 1")),
    "over_rows": (
        ("SELECT k, v, ts, SUM(v) OVER w, COUNT(v) OVER w FROM t "
        "WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)"),
        ("SELECT k, v, ts, SUM(v) OVER w::INT, COUNT(v) OVER w FROM e "
        "WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)")),
    "over_range": (
        ("SELECT k, ts, MAX(v) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '3' SECOND PRECEDING "
        "AND CURRENT ROW) FROM t"),
        ("SELECT k, ts, MAX(v) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL 3 SECOND PRECEDING "
        "AND CURRENT ROW) FROM e")),
    "over_unbounded": (
        "SELECT k, ts, SUM(v) OVER (PARTITION BY k ORDER BY ts) FROM t",
        "SELECT k, ts, SUM(v) OVER (PARTITION BY k ORDER BY ts)::INT FROM e"),
}


@pytest.fixture(scope="module")
def events(tmp_path_factory):
    path = tmp_path_factory.mktemp("events")
    write_events(path, n=200)  # distinct timestamps: OVER ROWS frames are then deterministic
    return path


def duckdb_rows(path, sql: str) -> list[tuple]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE e AS SELECT * FROM read_csv('{path}/events.csv', header = false, "
                "columns = {'k': 'VARCHAR', 'v': 'INTEGER', 'ts': 'TIMESTAMP'})")
    return sorted(con.execute(sql).fetchall(), key=repr)


@pytest.mark.parametrize("case", sorted(CASES))
def test_streaming_equals_batch_and_duckdb(events, case):
    sql, oracle = CASES[case]
    batch = rows(make_env(events, batch=True), sql)
    assert batch, "the case must produce rows"
    # Small random batches (seeded per case), watermarks after every batch; a few cases also
    # run with large batches and periodic (200 ms) watermarks.
    runs = [(random.Random(case).randrange(3, 17), "0 ms")]
    if case in ("tumble", "session", "over_rows"):
        runs.append((64, "200 ms"))
    for max_rows, interval in runs:
        streaming = rows(make_env(events, max_rows=max_rows, interval=interval), sql)
        assert streaming == batch, f"{case}: streaming (max-rows {max_rows}) differs from batch"
    if oracle is not None:
        assert duckdb_rows(events, oracle) == batch


def test_tvf_rows(events):
    """The TVF alone: HOP replicates each row size / slide times, window_time = window_end - 1 ms."""
    sql = "SELECT * FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '15' SECOND))"
    env = make_env(events)
    streamed = rows(env, sql.replace("*", "k, v, ts, window_start, window_end, window_time"))
    assert len(streamed) == 3 * 200
    assert all(r[2] >= r[3] and r[2] < r[4] and (r[4] - r[5]).total_seconds() == 0.001 for r in streamed)
    assert streamed == rows(make_env(events, batch=True), sql.replace("*", "k, v, ts, window_start, window_end, "
                                                                           "window_time"))
