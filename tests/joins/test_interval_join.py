"""Interval joins at run time: insert-only output, state freed as the watermark passes (and flat
over a long stream), late rows dropped and counted, the output watermark held back, processing
time on a hand-driven clock; and their plans (EXPLAIN, batch mode, updating inputs)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.exec.clock import ManualClock
from flowsql.exec.operator import RuntimeContext
from flowsql.exec.state.backend import StateBackend
from flowsql.exec.watermarks import MAX, WatermarkTracker
from flowsql.table import EnvironmentSettings, TableEnvironment
from time_join_helpers import backend_rows, make_env, make_job, operator, run

LEFT = [(1, 10, "10:00:00"), (2, 20, "10:00:03"), (1, 11, "10:00:02"), (3, 30, "10:00:09"),
        (1, 12, "10:00:20"), (1, 13, "10:00:40")]
RIGHT = [(1, 100, "10:00:01"), (2, 200, "10:00:02"), (4, 400, "10:00:11"), (1, 101, "10:00:21"),
         (1, 102, "10:00:41")]
JOIN = ("SELECT l.id, l.v, r.v FROM l {kind} JOIN r ON l.id = r.id "
        "AND l.ts BETWEEN r.ts - INTERVAL '2' SECOND AND r.ts + INTERVAL '1' SECOND")


def test_explain_shows_bounds_and_insert_only_mode(tmp_path):
    env = make_env(tmp_path, LEFT, RIGHT)
    plan = env.explain_sql("SELECT * FROM l JOIN r ON l.id = r.id AND "
                           "l.ts BETWEEN r.ts - INTERVAL '1' HOUR AND r.ts + INTERVAL '10' MINUTE")
    assert ("IntervalJoin(joinType=[InnerJoin], windowBounds=[isRowTime=true, leftLowerBound=-3600000, "
            "leftUpperBound=600000, leftTimeIndex=2, rightTimeIndex=2]") in plan
    line = next(x for x in plan.splitlines() if "IntervalJoin" in x and "changelogMode" in x)
    assert line.endswith("changelogMode=[I])")
    strict = env.explain_sql("SELECT * FROM l FULL JOIN r ON l.id = r.id AND l.ts > r.ts AND "
                             "r.ts + INTERVAL '1' SECOND > l.ts")
    assert "joinType=[FullOuterJoin], windowBounds=[isRowTime=true, leftLowerBound=1, leftUpperBound=999" in strict
    proctime = env.explain_sql("SELECT * FROM l JOIN r ON l.pt BETWEEN r.pt AND r.pt + INTERVAL '1' SECOND")
    assert "isRowTime=false, leftLowerBound=0, leftUpperBound=1000, leftTimeIndex=3, rightTimeIndex=3" in proctime


def test_one_sided_bound_and_mixed_time_kinds_stay_regular_joins(tmp_path):
    env = make_env(tmp_path, LEFT, RIGHT)
    for condition in ("l.ts >= r.ts", "l.ts BETWEEN r.pt AND r.pt + INTERVAL '1' SECOND"):
        plan = env.explain_sql(f"SELECT l.v, r.v FROM l JOIN r ON l.id = r.id AND {condition}")
        assert "IntervalJoin" not in plan and "Join(joinType=[INNER]" in plan


def test_batch_mode_runs_a_plain_join(tmp_path):
    make_env(tmp_path, LEFT, RIGHT)
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    for name in ("l", "r"):
        env.execute_sql(f"CREATE TABLE {name} (id INT, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) "
                        f"WITH ('connector'='filesystem', 'path'='{tmp_path / name}', 'format'='csv')")
    sql = JOIN.format(kind="LEFT")
    assert "IntervalJoin" not in env.explain_sql(sql)
    rows = sorted(tuple(r) for r in env.execute_sql(sql).collect())
    assert rows == [(1, 10, 100), (1, 11, 100), (1, 12, 101), (1, 13, 102), (2, 20, 200), (3, 30, None)]


def test_outer_join_is_insert_only_and_frees_its_state(tmp_path):
    env = make_env(tmp_path, LEFT, RIGHT)
    job = make_job(env, JOIN.format(kind="FULL"))
    join = operator(job, "IntervalJoin")
    sizes = []
    original = join.on_watermark

    def watched(watermark):
        out = original(watermark)
        sizes.append(backend_rows(job, join))
        return out

    join.on_watermark = watched
    changes = run(job)
    assert {kind for kind, _ in changes} == {0}  # +I only: padded rows wait until they expire
    assert sorted(changes, key=repr) == sorted([
        (0, (1, 10, 100)), (0, (1, 11, 100)), (0, (2, 20, 200)), (0, (3, 30, None)), (0, (None, None, 400)),
        (0, (1, 12, 101)), (0, (1, 13, 102))], key=repr)
    assert max(sizes) > 0 and sizes[-1] == 0 and backend_rows(job, join) == 0 == join.state_size()
    # Rows leave as time passes, not only at the end: the state never holds all 11 rows.
    assert max(sizes) < len(LEFT) + len(RIGHT)


def test_state_stays_flat_over_a_long_stream():
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("flowsql.exec.batch.max-rows", "500")
    env.get_config().set("pipeline.auto-watermark-interval", "0 ms")
    for name in ("l", "r"):
        env.execute_sql(
            f"CREATE TABLE {name} (seq BIGINT, k INT, ts AS TO_TIMESTAMP_LTZ(seq * 100, 3), "
            f"WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector'='datagen', "
            f"'fields.seq.kind'='sequence', 'fields.seq.start'='1', 'fields.seq.end'='20000', "
            f"'fields.k.min'='0', 'fields.k.max'='9', 'seed'='{len(name)}')")
    job = make_job(env, "SELECT l.seq, r.seq FROM l JOIN r ON l.k = r.k AND "
                        "l.ts BETWEEN r.ts - INTERVAL '2' SECOND AND r.ts + INTERVAL '2' SECOND")
    join = operator(job, "IntervalJoin")
    sizes = []
    original = join.process

    def watched(batch, index=0):
        out = original(batch, index)
        sizes.append(backend_rows(job, join))
        return out

    join.process = watched
    job.run()
    job.wait()
    half = len(sizes) // 2
    assert len(sizes) > 40
    # 20 000 rows a side, 10 rows a second: a row is kept ~2 s past the ~1 s watermark delay, plus
    # a batch; the state of the second half is no larger than that of the first.
    assert max(sizes[half:]) <= max(sizes[:half]) + 500 and max(sizes) < 3000
    assert backend_rows(job, join) == 0


def test_late_rows_are_dropped_and_counted(tmp_path):
    left = [(1, 10, "10:00:00"), (1, 11, "10:00:30"), (1, 12, "10:00:31"), (1, 13, "10:00:01")]
    right = [(1, 100, "10:00:01"), (1, 101, "10:00:30"), (1, 102, "10:00:31"), (1, 103, "10:00:32")]
    env = make_env(tmp_path, left, right)
    job = make_job(env, JOIN.format(kind="LEFT"))
    changes = run(job)
    # 10:00:01 arrives on the left when both watermarks are past 10:00:28: it is dropped, not
    # joined with the freed right row of 10:00:01 and not padded.
    assert sorted(r for _, r in changes) == [(1, 10, 100), (1, 11, 101), (1, 11, 102), (1, 11, 103), (1, 12, 101),
                                             (1, 12, 102), (1, 12, 103)]
    assert operator(job, "IntervalJoin").metrics.late_rows_dropped == 1


def test_output_watermark_is_held_back_by_the_larger_bound(tmp_path, monkeypatch):
    env = make_env(tmp_path, LEFT, RIGHT)
    job = make_job(env, "SELECT l.v, r.v FROM l JOIN r ON l.id = r.id AND "
                        "l.ts BETWEEN r.ts - INTERVAL '3' SECOND AND r.ts + INTERVAL '1' SECOND")
    join = operator(job, "IntervalJoin")
    assert join.watermark_delay == 3000
    given, forwarded = [], []
    original_watermark = join.on_watermark
    original_forward = WatermarkTracker._forward

    def on_watermark(watermark):
        given.append(watermark)
        return original_watermark(watermark)

    def forward(self, op, watermark):
        if op is join:
            forwarded.append(watermark)
        original_forward(self, op, watermark)

    join.on_watermark = on_watermark
    monkeypatch.setattr(WatermarkTracker, "_forward", forward)
    run(job)
    assert len(given) > 2 and given[-1] == forwarded[-1] == MAX
    assert forwarded[:-1] == [w - 3000 for w in given[:-1]]


def test_processing_time_join_on_a_hand_driven_clock(tmp_path):
    env = make_env(tmp_path, LEFT, RIGHT)
    job = make_job(env, "SELECT l.id, l.v, r.v FROM l LEFT JOIN r ON l.id = r.id AND "
                        "l.pt BETWEEN r.pt - INTERVAL '1' SECOND AND r.pt + INTERVAL '1' SECOND")
    join = operator(job, "IntervalJoin")
    assert join.uses_processing_time and join.watermark_delay == 0
    clock = ManualClock(10_000)
    join.open(RuntimeContext(env.config, clock, StateBackend()))
    schemas = join.schemas

    def rows(side, ids, values, at_ms):
        columns = {"id": pa.array(ids, pa.int32()), "v": pa.array(values, pa.int32()),
                   "ts": pa.nulls(len(ids), pa.timestamp("ms")),
                   "pt": pa.array(np.full(len(ids), at_ms), pa.int64()).view(schemas[side].field(3).type)}
        return ChangeBatch(pa.table(columns).cast(schemas[side]))

    def ids_and_values(out):  # the operator emits whole joined rows: (id, v, ts, pt) per side
        return [(r[0], r[1], r[4], r[5]) for _, r in out[0].rows_with_kinds()]

    assert join.process(rows(0, [1, 2], [10, 20], 10_000), 0) == []
    out = join.process(rows(1, [1], [100], 10_500), 1)
    assert ids_and_values(out) == [(1, 10, 1, 100)]
    clock.advance(1_000)  # 11 000: left rows can still meet right rows up to 11 000
    assert join.on_processing_time(clock.now_ms()) == [] and join.state_size() == 3
    clock.advance(1)  # past it: both left rows are freed, the unmatched one padded
    out = join.on_processing_time(clock.now_ms())
    assert ids_and_values(out) == [(2, 20, None, None)]
    assert join.state_size() == 1  # the right row can still meet left rows until 11 500
    clock.advance(500)
    assert join.on_processing_time(clock.now_ms()) == [] and join.state_size() == 0
    assert join.on_watermark(5) == []  # event time does not move a processing-time join


def test_over_an_updating_input_it_stays_a_regular_join():
    import datetime as dt

    from flowsql.connectors import memory

    at_ten = dt.datetime(2024, 1, 1, 10)
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    for name, n, kinds in (("a", 3, np.array([0, 0, 3], dtype=np.int8)), ("b", 1, None)):
        rows = pa.table({"id": pa.array([1] * n, pa.int32()), "ts": pa.array([at_ten] * n, pa.timestamp("ms"))})
        env.execute_sql(f"CREATE TABLE {name} (id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ("
                        f"'connector' = 'flowsql-memory', 'table-id' = '{memory.put(rows, kinds)}')")
    sql = "SELECT a.id, b.id FROM a JOIN b ON a.id = b.id AND a.ts BETWEEN b.ts AND b.ts + INTERVAL '1' SECOND"
    plan = env.explain_sql(sql)
    assert "IntervalJoin" not in plan and "Join(joinType=[INNER]" in plan
    changes = [int(k) for batch in env.execute_sql(sql).change_batches() for k, _ in batch.rows_with_kinds()]
    assert sum(1 if k == 0 else -1 for k in changes) == 1  # +I +I -D joined with one row: one pair left
