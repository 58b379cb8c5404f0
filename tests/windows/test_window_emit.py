"""Window emit strategies (early firing, allowed lateness, late firing), the late-rows side table,
and late rows counted by every window operator.

Exact changelogs come from one-row micro-batches; clock-driven firing is tested on the operator
itself, fed by hand under a ``ManualClock``."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from flowsql.common.changes import ChangeBatch
from flowsql.common.errors import FlowSqlError
from flowsql.common.rowkind import RowKind
from flowsql.exec.clock import ManualClock
from flowsql.exec.job import arrow_schema
from flowsql.exec.operator import RuntimeContext
from window_helpers import BASE, changes, make_env, make_job, operator

I, UB, UA = RowKind.INSERT, RowKind.UPDATE_BEFORE, RowKind.UPDATE_AFTER
TVF_COUNT = ("SELECT window_start, COUNT(*), SUM(v) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '5' SECOND)) "
             "GROUP BY window_start, window_end")
LEGACY_COUNT = ("SELECT TUMBLE_START(ts, INTERVAL '5' SECOND), COUNT(*), SUM(v) FROM t "
                "GROUP BY TUMBLE(ts, INTERVAL '5' SECOND)")
# 10:00:02 arrives after the watermark (ts - 2 s) has reached 10:00:10: its window [0, 5) has fired.
LATE_LINES = ["a,1,2024-01-01 10:00:01", "a,2,2024-01-01 10:00:12", "a,3,2024-01-01 10:00:02",
              "a,4,2024-01-01 10:00:11", "a,5,2024-01-01 10:00:30"]


def at(seconds: float) -> dt.datetime:
    return BASE + dt.timedelta(seconds=seconds)


def _late_env(tmp_path, **options):
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "e.csv").write_text("\n".join(LATE_LINES) + "\n")
    return make_env(tmp_path, max_rows=1, watermark="ts - INTERVAL '2' SECOND", **options)


def _short(result):
    return [(kind, (row[0].second, *row[1:])) for kind, row in result]


def test_allowed_lateness_retracts_the_fired_result(tmp_path):
    env = _late_env(tmp_path, **{"table.exec.emit.allow-lateness": "1 min"})
    assert _short(changes(env, TVF_COUNT)) == [
        (I, (0, 1, 1)), (UB, (0, 1, 1)), (UA, (0, 2, 4)), (I, (10, 2, 6)), (I, (30, 1, 5))]


def test_without_allowed_lateness_the_late_row_is_dropped(tmp_path):
    env = _late_env(tmp_path)
    assert _short(changes(env, TVF_COUNT)) == [(I, (0, 1, 1)), (I, (10, 2, 6)), (I, (30, 1, 5))]


def test_rows_later_than_the_allowed_lateness_are_dropped_and_counted(tmp_path):
    env = _late_env(tmp_path, **{"table.exec.emit.allow-lateness": "5 s"})
    job = make_job(env, TVF_COUNT)
    job.run()
    job.wait()
    # The window [0, 5) is kept until the watermark passes 10:00:09.999; it reached 10:00:10.
    assert operator(job, "WindowAggregate").metrics.late_rows_dropped == 1


def test_early_firing_every_batch_on_the_legacy_syntax(tmp_path):
    env = _late_env(tmp_path, **{"table.exec.emit.early-fire.enabled": "true",
                                 "table.exec.emit.early-fire.delay": "0 ms"})
    assert _short(changes(env, LEGACY_COUNT)) == [
        (I, (0, 1, 1)), (I, (10, 1, 2)), (UB, (10, 1, 2)), (UA, (10, 2, 6)), (I, (30, 1, 5))]


def test_early_firing_does_not_apply_to_window_tvf_aggregations(tmp_path):
    env = _late_env(tmp_path, **{"table.exec.emit.early-fire.enabled": "true",
                                 "table.exec.emit.early-fire.delay": "0 ms"})
    assert _short(changes(env, TVF_COUNT)) == [(I, (0, 1, 1)), (I, (10, 2, 6)), (I, (30, 1, 5))]


# -- clock-driven firing, on the operator -------------------------------------------------------------

def _hand_driven(tmp_path, sql: str, **options):
    (tmp_path / "e.csv").write_text("")
    env = make_env(tmp_path, **options)
    clock = ManualClock(start_ms=0)
    job = make_job(env, sql, clock=clock)
    window = operator(job, "WindowAggregate")
    window.open(RuntimeContext(job.config, clock, job.state_backend))
    schema = arrow_schema(window.node.inputs[0])

    def feed(*rows):
        values = {"v": [], "window_start": [], "window_end": [], "window_time": [], "k": [], "ts": []}
        for v, seconds in rows:
            start = seconds - seconds % 5
            for name, value in (("v", v), ("window_start", at(start)), ("window_end", at(start + 5)),
                                ("window_time", at(start + 5 - 0.001)), ("k", "a"), ("ts", at(seconds))):
                values[name].append(value)
        table = pa.Table.from_arrays([pa.array(values[f.name], f.type) for f in schema], schema=schema)
        return _rows(window.process(ChangeBatch(table)))

    return window, clock, feed


def _rows(batches):
    """(kind, (window start second, aggregates...)) of the operator's output (start, end, aggregates)."""
    out = []
    for b in batches:
        out += [(kind, (row[0].second, *row[2:])) for kind, row in b.rows_with_kinds()]
    return out


def _ms(seconds: float) -> int:
    return int(at(seconds).replace(tzinfo=dt.timezone.utc).timestamp() * 1000)


def test_early_firing_on_the_clock(tmp_path):
    window, clock, feed = _hand_driven(tmp_path, LEGACY_COUNT, **{"table.exec.emit.early-fire.enabled": "true",
                                                                  "table.exec.emit.early-fire.delay": "1 s"})
    assert feed((1, 1), (2, 2)) == []  # arms the timer for 1 000 ms
    clock.advance(999)
    assert _rows(window.on_processing_time(clock.now_ms())) == []
    clock.advance(1)
    assert _rows(window.on_processing_time(clock.now_ms())) == [(I, (0, 2, 3))]
    clock.advance(5_000)
    assert _rows(window.on_processing_time(clock.now_ms())) == []  # nothing changed, no timer
    assert feed((4, 3)) == []
    clock.advance(1_000)
    assert _rows(window.on_processing_time(clock.now_ms())) == [(UB, (0, 2, 3)), (UA, (0, 3, 7))]
    assert _rows(window.on_watermark(_ms(5))) == []  # the window closes unchanged: nothing to send
    assert window.state_size() == 0  # no lateness: rows and emitted results are freed


def test_late_firing_on_the_clock_and_state_freed_after_the_lateness(tmp_path):
    window, clock, feed = _hand_driven(tmp_path, LEGACY_COUNT, **{
        "table.exec.emit.late-fire.enabled": "true", "table.exec.emit.late-fire.delay": "2 s",
        "table.exec.emit.allow-lateness": "10 s"})
    assert feed((1, 1)) == []
    assert _rows(window.on_watermark(_ms(6))) == [(I, (0, 1, 1))]
    assert window.state_size() == 2  # the window's row and its result wait out the lateness
    assert feed((2, 2), (3, 3)) == []  # late rows: their update waits for the late-fire timer
    clock.advance(2_000)
    assert _rows(window.on_processing_time(clock.now_ms())) == [(UB, (0, 1, 1)), (UA, (0, 3, 6))]
    assert feed((4, 4)) == []
    # The window expires (end + 10 s) before the timer: its pending update goes out, then it is freed.
    assert _rows(window.on_watermark(_ms(15))) == [(UB, (0, 3, 6)), (UA, (0, 4, 10))]
    assert window.state_size() == 0
    assert feed((5, 4.5)) == [] and window.metrics.late_rows_dropped == 1


# -- planning: EXPLAIN and errors ---------------------------------------------------------------------

def test_explain_shows_the_emit_strategy_and_why_it_updates(tmp_path):
    env = _late_env(tmp_path, **{"table.exec.emit.allow-lateness": "1 min"})
    plan = env.explain_sql(TVF_COUNT)
    assert "emit=[late 0 ms, allowLateness 1 min], changelogMode=[I,UB,UA]" in plan
    assert "allowed lateness (table.exec.emit.allow-lateness = 1 min)" in plan
    env.get_config().set("table.exec.emit.allow-lateness", "0 ms")
    assert "emit=" not in env.explain_sql(TVF_COUNT) and "changelogMode=[I])" in env.explain_sql(TVF_COUNT)


@pytest.mark.parametrize("options, sql, message", [
    ({"table.exec.emit.early-fire.enabled": "true", "table.exec.emit.early-fire.delay": "1 s"},
     "SELECT COUNT(*) FROM t GROUP BY SESSION(ts, INTERVAL '1' SECOND)", "session windows do not support"),
    ({"table.exec.emit.late-fire.enabled": "true", "table.exec.emit.late-fire.delay": "1 s"},
     LEGACY_COUNT, "'table.exec.emit.allow-lateness' is 0"),
    ({"table.exec.emit.early-fire.enabled": "true"}, LEGACY_COUNT, "'table.exec.emit.early-fire.delay' is not set"),
    ({"table.exec.emit.allow-lateness": "-1 s"}, TVF_COUNT, "must not be negative"),
])
def test_bad_emit_options_are_planning_errors(tmp_path, options, sql, message):
    env = _late_env(tmp_path, **options)
    with pytest.raises(FlowSqlError, match=message) as error:
        env.execute_sql(sql)
    assert error.value.hint


# -- late rows: counted by every window operator, and the side table ----------------------------------

@pytest.mark.parametrize("sql, name", [
    (TVF_COUNT, "WindowAggregate"),
    (("SELECT * FROM (SELECT v, window_start, ROW_NUMBER() OVER (PARTITION BY window_start, window_end "
     "ORDER BY v DESC) AS rn FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '5' SECOND))) WHERE rn <= 1"),
     "WindowRank"),
    ("SELECT v, window_start FROM TABLE(SESSION(TABLE t, DESCRIPTOR(ts), INTERVAL '1' SECOND))",
     "SessionWindowTableFunction"),
    ("SELECT v, SUM(v) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t", "OverAggregate"),
])
def test_every_window_operator_counts_late_rows(tmp_path, sql, name):
    job = make_job(_late_env(tmp_path), sql)
    job.run()
    job.wait()
    assert operator(job, name).metrics.late_rows_dropped == 1


def test_late_rows_go_to_the_side_table(tmp_path):
    import csv
    import json

    env = _late_env(tmp_path / "in")
    out = tmp_path / "late"
    env.execute_sql(f"CREATE TABLE late_rows (watermark_time TIMESTAMP(3), operator STRING, payload STRING) WITH ("
                    f"'connector'='filesystem', 'path'='{out}', 'format'='csv')")
    env.get_config().set("flowsql.exec.late-rows.sink", "late_rows")
    assert _short(changes(env, TVF_COUNT)) == [(I, (0, 1, 1)), (I, (10, 2, 6)), (I, (30, 1, 5))]
    written = [row for f in sorted(out.rglob("*.csv")) for row in csv.reader(f.read_text().splitlines())]
    assert len(written) == 1
    watermark, op, payload = written[0]
    assert watermark.startswith("2024-01-01 10:00:10") and op.startswith("windowaggregate")
    assert json.loads(payload) == {"window_start": "2024-01-01 10:00:00", "window_end": "2024-01-01 10:00:05", "v": 3}


def test_the_side_table_must_have_the_expected_columns(tmp_path):
    env = _late_env(tmp_path / "in")
    env.execute_sql(f"CREATE TABLE bad (who STRING) WITH ('connector'='filesystem', 'path'='{tmp_path}/o', "
                    f"'format'='csv')")
    env.get_config().set("flowsql.exec.late-rows.sink", "bad")
    with pytest.raises(FlowSqlError, match="must be among: operator STRING, payload STRING"):
        env.execute_sql(TVF_COUNT)
    env.get_config().set("flowsql.exec.late-rows.sink", "missing")
    with pytest.raises(FlowSqlError, match="does not exist"):
        env.execute_sql(TVF_COUNT)
