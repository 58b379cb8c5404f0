"""Validation errors of windows: each names the column or argument and where it is."""

from __future__ import annotations

import pytest
from flowsql.common.errors import FlowSqlError, PlanningError, ValidationError
from flowsql.table import EnvironmentSettings, TableEnvironment


@pytest.fixture(scope="module")
def env():
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.execute_sql("CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), pt AS PROCTIME(), "
                    "WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector'='datagen', 'number-of-rows'='1')")
    env.execute_sql("CREATE TABLE nw (k STRING, ts TIMESTAMP(3)) WITH ('connector'='datagen', 'number-of-rows'='1')")
    return env


def error_of(env, sql: str) -> FlowSqlError:
    with pytest.raises(FlowSqlError) as info:
        env.explain_sql(sql)
    return info.value


def test_descriptor_on_a_non_time_column(env):
    e = error_of(env, "SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(v), INTERVAL '5' SECOND))")
    assert isinstance(e, ValidationError)
    assert "'v'" in e.message and "argument 2 of TUMBLE" in e.message and "time attribute" in e.message
    assert (e.line, e.column) == (1, 48)  # the 1-based column of v


def test_event_time_window_without_a_watermark(env):
    e = error_of(env, "SELECT * FROM TABLE(HOP(TABLE nw, DESCRIPTOR(ts), INTERVAL '1' SECOND, INTERVAL '2' SECOND))")
    assert "'ts'" in e.message and "declares no watermark" in e.message
    assert "WATERMARK FOR ts" in e.hint and e.line == 1


@pytest.mark.parametrize("interval, found", [("INTERVAL '1' MONTH", "year-month"), ("5", "INT")])
def test_interval_of_the_wrong_type(env, interval, found):
    e = error_of(env, f"SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), {interval}))")
    assert "argument 3 (size) of TUMBLE" in e.message and found in e.message
    assert e.line == 1 and e.column >= 53  # at (or inside) the interval argument


def test_hop_size_must_be_a_multiple_of_the_slide(env):
    e = error_of(env, "SELECT * FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '5' SECOND))")
    assert "whole multiple" in e.message


def test_over_ordered_by_a_non_time_column(env):
    e = error_of(env, "SELECT SUM(v) OVER (ORDER BY v ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t")
    assert isinstance(e, PlanningError) and "'v'" in e.message and "time attribute" in e.message


def test_over_following_and_descending(env):
    e = error_of(env, "SELECT SUM(v) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t")
    assert "FOLLOWING" in e.message
    e = error_of(env, "SELECT SUM(v) OVER (ORDER BY ts DESC) FROM t")
    assert "ascending" in e.message


def test_describe_shows_time_attributes_and_window_time_stays_rowtime(env):
    rows = list(env.execute_sql("DESCRIBE t").collect())
    types = {r[0]: r[1] for r in rows}
    assert types["ts"] == "TIMESTAMP(3) *ROWTIME*" and types["pt"] == "TIMESTAMP_LTZ(3) *PROCTIME*"
    env.execute_sql("CREATE TEMPORARY VIEW w AS SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), "
                    "INTERVAL '5' SECOND))")
    types = {r[0]: r[1] for r in env.execute_sql("DESCRIBE w").collect()}
    assert types["window_time"] == "TIMESTAMP(3) *ROWTIME*" and types["window_start"] == "TIMESTAMP(3)"
