"""Window joins at run time: each window joined once when the watermark passes its end
(insert-only), its state freed then, late rows dropped and counted; processing-time windows fired
by a hand-driven clock; the plan's label, batch mode, and positioned errors."""

from __future__ import annotations

import pytest
from flowsql.common.errors import PlanningError
from flowsql.exec.clock import ManualClock
from flowsql.table import EnvironmentSettings, TableEnvironment
from time_join_helpers import backend_rows, make_env, make_job, operator, run

LEFT = [(1, 10, "10:00:00"), (2, 20, "10:00:03"), (1, 11, "10:00:06"), (3, 30, "10:00:09"),
        (1, 12, "10:00:20")]
RIGHT = [(1, 100, "10:00:01"), (2, 200, "10:00:02"), (1, 101, "10:00:05"), (4, 400, "10:00:11"),
         (1, 102, "10:00:24")]
JOIN = ("SELECT L.id, L.v, R.v, L.window_start FROM TABLE(TUMBLE(TABLE l, DESCRIPTOR({t}), INTERVAL '5' SECOND)) L "
        "{kind} JOIN TABLE(TUMBLE(TABLE r, DESCRIPTOR({t}), INTERVAL '5' SECOND)) R "
        "ON L.window_start = R.window_start AND L.window_end = R.window_end AND L.id = R.id")


def test_explain_label(tmp_path):
    plan = make_env(tmp_path, LEFT, RIGHT).explain_sql(JOIN.format(t="ts", kind="LEFT"))
    line = next(x for x in plan.splitlines() if "WindowJoin" in x and "changelogMode" in x)
    assert "WindowJoin(leftWindow=[TUMBLE(win_start=[window_start], win_end=[window_end], size=[5 s])], " \
           "rightWindow=[TUMBLE(win_start=[window_start], win_end=[window_end], size=[5 s])], " \
           "joinType=[LeftOuterJoin], where=[" in line
    assert line.endswith("changelogMode=[I])")


def test_batch_mode_runs_a_plain_join(tmp_path):
    make_env(tmp_path, LEFT, RIGHT)
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    for name in ("l", "r"):
        env.execute_sql(f"CREATE TABLE {name} (id INT, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) "
                        f"WITH ('connector'='filesystem', 'path'='{tmp_path / name}', 'format'='csv')")
    sql = JOIN.format(t="ts", kind="")
    assert "WindowJoin" not in env.explain_sql(sql)
    assert sorted(tuple(r)[:3] for r in env.execute_sql(sql).collect()) == [(1, 10, 100), (1, 11, 101), (1, 12, 102),
                                                                                   (2, 20, 200)]


def test_windows_fire_once_insert_only_and_free_their_state(tmp_path):
    env = make_env(tmp_path, LEFT, RIGHT)
    job = make_job(env, JOIN.format(t="ts", kind="FULL"))
    join = operator(job, "WindowJoin")
    fired, sizes = [], []
    original = join.on_watermark

    def watched(watermark):
        out = original(watermark)
        fired.append(sum(b.num_rows for b in out))
        sizes.append(backend_rows(job, join))
        return out

    join.on_watermark = watched
    changes = run(job)
    assert {kind for kind, _ in changes} == {0}
    assert sorted((r[:3] for _, r in changes), key=repr) == sorted([
        (1, 10, 100), (2, 20, 200), (1, 11, 101), (3, 30, None), (None, None, 400), (1, 12, 102)],
        key=repr)
    assert sum(1 for n in fired if n) > 1  # windows fired as time passed, not all at the end
    assert max(sizes) > 0 and backend_rows(job, join) == 0 == join.state_size()


def test_late_rows_are_dropped_and_counted(tmp_path):
    left = [(1, 10, "10:00:00"), (1, 11, "10:00:30"), (1, 12, "10:00:31"), (1, 13, "10:00:01")]
    right = [(1, 100, "10:00:01"), (1, 101, "10:00:30"), (1, 102, "10:00:31"), (1, 103, "10:00:32")]
    job = make_job(make_env(tmp_path, left, right), JOIN.format(t="ts", kind="LEFT"))
    changes = run(job)
    # 10:00:01 arrives after the watermark passed 10:00:28: its window [0, 5) has been joined.
    assert sorted(r[:3] for _, r in changes) == [(1, 10, 100), (1, 11, 101), (1, 11, 102), (1, 11, 103),
                                                 (1, 12, 101), (1, 12, 102), (1, 12, 103)]
    assert operator(job, "WindowJoin").metrics.late_rows_dropped == 1


def test_processing_time_windows_fire_on_the_clock(tmp_path):
    clock = ManualClock(1_000_000)
    job = make_job(make_env(tmp_path, LEFT, RIGHT), JOIN.format(t="pt", kind=""), clock=clock)
    join = operator(job, "WindowJoin")
    assert join.uses_processing_time
    changes = run(job)  # every row gets the clock's time; the final watermark fires the window
    expected = [(1, v, w) for v in (10, 11, 12) for w in (100, 101, 102)] + [(2, 20, 200)]
    assert sorted(r[:3] for _, r in changes) == sorted(expected)
    assert join.state_size() == 0


@pytest.mark.parametrize("right, message", [
    ("TABLE(TUMBLE(TABLE r, DESCRIPTOR(pt), INTERVAL '5' SECOND))",
     "left input uses TUMBLE(size=[5 s]) and the right input TUMBLE(size=[5 s]) on processing time"),
    ("TABLE(CUMULATE(TABLE r, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND))",
     "right input CUMULATE(max_size=[10 s], step=[5 s])"),
    ("TABLE(SESSION(TABLE r, DESCRIPTOR(ts), INTERVAL '5' SECOND))", "cannot join SESSION windows"),
])
def test_mismatched_windows_are_positioned_errors(tmp_path, right, message):
    env = make_env(tmp_path, LEFT, RIGHT)
    sql = (f"SELECT L.v FROM TABLE(TUMBLE(TABLE l, DESCRIPTOR(ts), INTERVAL '5' SECOND)) L\n"
           f"JOIN {right} R\nON L.window_start = R.window_start AND L.window_end = R.window_end")
    with pytest.raises(PlanningError) as info:
        env.explain_sql(sql)
    assert message in info.value.message and info.value.hint
    assert (info.value.line, info.value.column) == (3, 6)


def test_a_window_aggregation_above_a_window_join_stays_windowed(tmp_path):
    env = make_env(tmp_path, LEFT, RIGHT)
    sql = (f"SELECT window_start, COUNT(*) FROM ({JOIN.format(t='ts', kind='')}) "
           f"GROUP BY window_start, window_end")
    sql = sql.replace("L.window_start FROM", "L.window_start, L.window_end FROM", 1)
    plan = env.explain_sql(sql).split("== Optimized Physical Plan ==")[1]
    assert "WindowAggregate(window=[TUMBLE(time_col=[ts], size=[5 s])]" in plan and "WindowJoin(" in plan
    changes = run(make_job(env, sql))
    assert {k for k, _ in changes} == {0}
    assert sorted((r[0].second, r[1]) for _, r in changes) == [(0, 2), (5, 1), (20, 1)]
