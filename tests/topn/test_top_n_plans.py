"""Top-N and deduplication recognition, their EXPLAIN labels, changelog modes and reasons, and the
errors for OVER windows that are no Top-N."""

import pytest
from flowsql.common.errors import PlanningError
from flowsql.table import EnvironmentSettings, TableEnvironment


@pytest.fixture()
def env(tmp_path):
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "x.csv").write_text("a,1,2024-01-01 00:00:00\n")
    env.execute_sql(f"CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) "
                    f"WITH ('connector'='filesystem', 'path'='{tmp_path / 't'}', 'format'='csv')")
    env.execute_sql("CREATE TABLE g (k STRING, v INT) WITH ('connector'='datagen')")
    return env


def physical(env, sql: str) -> str:
    text = env.explain_sql(sql)
    return text.split("== Optimized Physical Plan ==")[1].split("== Optimized Execution Plan ==")[0]


TOP3 = "SELECT k, v{rn} FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM {table}) " \
       "WHERE rn <= 3"


def test_top_n_over_insert_only_input(env):
    plan = physical(env, TOP3.format(rn=", rn", table="g"))
    assert ("Rank(strategy=[AppendFastStrategy], rankType=[ROW_NUMBER], rankRange=[rankStart=1, rankEnd=3], "
            "partitionBy=[k], orderBy=[v DESC], select=[k, v, $w0], changelogMode=[I,UB,UA,D])") in plan
    assert "Rank on [k] emits updates: a new row can push another out of the top 3" in plan


def test_unread_rank_number_is_dropped(env):
    plan = physical(env, TOP3.format(rn="", table="g"))
    assert "orderBy=[v DESC], select=[k, v], changelogMode=[I,UB,UA,D])" in plan
    assert "OverAggregate" not in plan


def test_top_n_over_updating_input_retracts(env):
    sql = ("SELECT k, s FROM (SELECT k, s, ROW_NUMBER() OVER (ORDER BY s DESC) AS rn FROM "
           "(SELECT k, SUM(v) AS s FROM t GROUP BY k)) WHERE rn BETWEEN 2 AND 3")
    plan = physical(env, sql)
    assert "Rank(strategy=[RetractStrategy], rankType=[ROW_NUMBER], rankRange=[rankStart=2, rankEnd=3]" in plan
    assert "a global Rank emits updates" in plan and "the next one moves in" in plan


def test_rank_and_dense_rank(env):
    for function in ("RANK", "DENSE_RANK"):
        sql = f"SELECT * FROM (SELECT k, v, {function}() OVER (ORDER BY v) AS r FROM t) WHERE r < 2"
        assert f"rankType=[{function}], rankRange=[rankStart=1, rankEnd=1]" in physical(env, sql)


def test_deduplicate_labels_and_modes(env):
    first = physical(env, "SELECT k, v FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS rn "
                          "FROM t) WHERE rn = 1")
    assert "Deduplicate(keep=[FirstRow], key=[k], order=[ROWTIME], changelogMode=[I])" in first
    last = physical(env, "SELECT k, v FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts DESC) AS rn "
                         "FROM t) WHERE rn = 1")
    assert "Deduplicate(keep=[LastRow], key=[k], order=[ROWTIME], changelogMode=[I,UB,UA,D])" in last
    assert "keeping the last row emits updates" in last


def test_rank_number_read_keeps_a_rank(env):
    plan = physical(env, "SELECT k, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS rn "
                         "FROM t) WHERE rn = 1")
    assert "Deduplicate" not in plan and "Rank(strategy=[AppendFastStrategy]" in plan


def test_order_by_limit_on_a_stream_is_an_incremental_top_n(env):
    plan = physical(env, "SELECT k, SUM(v) AS s FROM t GROUP BY k ORDER BY s DESC LIMIT 2")
    assert "SortLimit(orderBy=[s DESC], offset=[0], fetch=[2], strategy=[RetractStrategy], " \
           "changelogMode=[I,UB,UA,D])" in plan
    unbounded = physical(env, "SELECT k, v FROM g ORDER BY v LIMIT 2 OFFSET 1")
    assert "SortLimit(orderBy=[v ASC], offset=[1], fetch=[2], strategy=[AppendFastStrategy]" in unbounded


def test_bounded_insert_only_order_by_limit_still_sorts_at_the_end(env):
    plan = physical(env, "SELECT k, v FROM t ORDER BY v LIMIT 2")
    assert "SortLimit(orderBy=[v ASC], fetch=[2], changelogMode=[I])" in plan


def test_batch_mode_plans_rank_as_insert_only(tmp_path):
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    env.execute_sql("CREATE TABLE g (k STRING, v INT) WITH ('connector'='datagen', 'number-of-rows'='3')")
    plan = physical(env, TOP3.format(rn="", table="g"))
    assert "Rank(rankType=[ROW_NUMBER]" in plan and "changelogMode=[I])" in plan


@pytest.mark.parametrize("where", ["", "WHERE rn <= v", "WHERE rn >= 2"])
def test_an_over_window_that_is_no_top_n_names_the_fix(env, where):
    sql = f"SELECT k FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v) AS rn FROM g) {where}"
    with pytest.raises(PlanningError, match="single time attribute") as raised:
        env.explain_sql(sql)
    assert "WHERE rn <= 3" in raised.value.hint
