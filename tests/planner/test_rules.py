"""Each optimizer rule: a bound plan in, the expected plan out (as EXPLAIN trees)."""

from dataclasses import replace

import pytest
from flowsql.common.types import BIGINT
from flowsql.planner.expressions import AggregateCall
from flowsql.planner.logical import Aggregate, Project
from flowsql.planner.optimizer import optimize
from flowsql.planner.rules import (
    fold_constants,
    merge_projects,
    prune_columns,
    push_filters,
    push_filters_into_scan,
    simplify_aggregates,
    simplify_filters,
)
from plan_helpers import binder_for, make_env, run_rules, tree

T = "TableScan(table=[[default_catalog, default_database, t]]"
U = "TableScan(table=[[default_catalog, default_database, u]]"


@pytest.fixture
def env():
    return make_env()


@pytest.fixture
def plan_of(env):
    return binder_for(env)


def check(plan, rules, expected: str) -> None:
    assert tree(run_rules(plan, *rules)) == expected.strip("\n")


def test_fold_constants_folds_projections_and_filters(plan_of):
    plan = plan_of("SELECT a, CASE WHEN 1 = 1 THEN 'x' ELSE b END AS s, 2 * 3 + 1 AS k, NOW() AS ts "
                   "FROM t WHERE a > 1 AND TRUE")
    check(plan, [fold_constants], f"""
Sink(table=[collect], fields=[a, s, k, ts])
+- Project(a, 'x' AS s, 7 AS k, NOW() AS ts)
   +- Filter(condition=[(a > 1)])
      +- {T}, fields=[a, b, c, d, n])
""")


def test_fold_constants_keeps_the_call_type(plan_of):
    plan = plan_of("SELECT 2 * 3 + 1 AS k, CASE WHEN 1 = 1 THEN 'x' ELSE b END AS s FROM t")
    folded = run_rules(plan, fold_constants)
    assert folded.input.exprs[0].type == plan.input.exprs[0].type
    assert folded.input.exprs[1].type == plan.input.exprs[1].type


def test_fold_constants_true_filter_disappears(plan_of):
    check(plan_of("SELECT a FROM t WHERE a > 1 OR 1 = 1"), [fold_constants], f"""
Sink(table=[collect], fields=[a])
+- Project(a)
   +- {T}, fields=[a, b, c, d, n])
""")


def test_fold_constants_three_valued_logic(plan_of):
    # x OR NULL is not x (it is NULL where x is FALSE), but a WHERE treats NULL like FALSE.
    check(plan_of("SELECT a FROM t WHERE a > 1 OR CAST(NULL AS BOOLEAN)"), [fold_constants], f"""
Sink(table=[collect], fields=[a])
+- Project(a)
   +- Filter(condition=[((a > 1) OR NULL)])
      +- {T}, fields=[a, b, c, d, n])
""")
    check(plan_of("SELECT a FROM t WHERE a > 1 AND CAST(NULL AS BOOLEAN)"), [fold_constants], f"""
Sink(table=[collect], fields=[a])
+- Project(a)
   +- Filter(condition=[FALSE])
      +- {T}, fields=[a, b, c, d, n])
""")


def test_fold_constants_false_filter_stays_under_a_global_aggregate(plan_of):
    check(plan_of("SELECT count(*) FROM t WHERE a > 1 AND 1 = 2"), [fold_constants], f"""
Sink(table=[collect], fields=[EXPR$0])
+- Project($agg0 AS EXPR$0)
   +- Aggregate(groupBy=[], select=[COUNT(*) AS $agg0])
      +- Project()
         +- Filter(condition=[FALSE])
            +- {T}, fields=[a, b, c, d, n])
""")


def test_fold_constants_never_folds_non_deterministic_calls(plan_of):
    folded = run_rules(plan_of("SELECT RAND() > 2 AND TRUE AS r, UUID() AS id, NOW() AS ts FROM t"), fold_constants)
    assert "RAND()" in tree(folded) and "UUID()" in tree(folded) and "NOW()" in tree(folded)


def test_simplify_filters_merges_and_deduplicates(plan_of):
    plan = plan_of("SELECT * FROM (SELECT a, b FROM t WHERE a > 1) WHERE b = 'x' AND a > 1")
    check(plan, [push_filters, simplify_filters], f"""
Sink(table=[collect], fields=[a, b])
+- Project(a, b)
   +- Project(a, b)
      +- Filter(condition=[((a > 1) AND (b = 'x'))])
         +- {T}, fields=[a, b, c, d, n])
""")


def test_push_filters_below_aggregate_on_group_keys_only(plan_of):
    plan = plan_of("SELECT b, cnt FROM (SELECT b, count(*) AS cnt FROM t GROUP BY b) WHERE b = 'x' AND cnt > 1")
    check(plan, [push_filters], f"""
Sink(table=[collect], fields=[b, cnt])
+- Project(b, cnt)
   +- Project(b, $agg0 AS cnt)
      +- Filter(condition=[($agg0 > CAST(1 AS BIGINT NOT NULL))])
         +- Aggregate(groupBy=[b], select=[b, COUNT(*) AS $agg0])
            +- Project(b)
               +- Filter(condition=[(b = 'x')])
                  +- {T}, fields=[a, b, c, d, n])
""")


def test_push_filters_not_below_a_global_aggregate(plan_of):
    plan = plan_of("SELECT * FROM (SELECT count(*) AS cnt FROM t) WHERE 1 = 2")
    pushed = run_rules(plan, fold_constants, push_filters)
    assert "Filter(condition=[FALSE])\n         +- Aggregate(groupBy=[]" in tree(pushed)


def test_push_filters_into_left_join(plan_of):
    plan = plan_of("SELECT * FROM t LEFT JOIN u ON t.a = u.k WHERE t.b = 'x' AND u.e IS NULL")
    check(plan, [push_filters], f"""
Sink(table=[collect], fields=[a, b, c, d, n, k, e])
+- Project(a, b, c, d, n, k, e)
   +- Filter(condition=[IS NULL(e)])
      +- Join(joinType=[LEFT], where=[(a = k)])
         :- Filter(condition=[(b = 'x')])
         :  +- {T}, fields=[a, b, c, d, n])
         +- {U}, fields=[k, e])
""")


def test_push_filters_into_inner_join_and_its_condition(plan_of):
    plan = plan_of("SELECT * FROM t, u WHERE t.a = u.k AND t.b = 'x' AND u.e = 'y'")
    check(plan, [push_filters], f"""
Sink(table=[collect], fields=[a, b, c, d, n, k, e])
+- Project(a, b, c, d, n, k, e)
   +- Join(joinType=[INNER], where=[(a = k)])
      :- Filter(condition=[(b = 'x')])
      :  +- {T}, fields=[a, b, c, d, n])
      +- Filter(condition=[(e = 'y')])
         +- {U}, fields=[k, e])
""")


def test_push_left_join_condition_only_into_the_padded_side(plan_of):
    plan = plan_of("SELECT * FROM t LEFT JOIN u ON t.a = u.k AND u.e = 'y' AND t.b = 'x'")
    check(plan, [push_filters], f"""
Sink(table=[collect], fields=[a, b, c, d, n, k, e])
+- Project(a, b, c, d, n, k, e)
   +- Join(joinType=[LEFT], where=[((a = k) AND (b = 'x'))])
      :- {T}, fields=[a, b, c, d, n])
      +- Filter(condition=[(e = 'y')])
         +- {U}, fields=[k, e])
""")


def test_push_filters_stops_at_fetch_and_watermarks(env, plan_of):
    plan = plan_of("SELECT * FROM (SELECT a FROM t ORDER BY a LIMIT 3) WHERE a > 1")
    assert tree(run_rules(plan, push_filters)) == tree(plan)
    env.execute_sql("CREATE TABLE w (a INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) "
                    "WITH ('connector'='datagen', 'number-of-rows'='5')")
    pushed = tree(run_rules(plan_of("SELECT a FROM w WHERE a > 1"), push_filters, push_filters_into_scan))
    assert pushed.index("Filter") < pushed.index("WatermarkAssigner")
    assert "filter=[" not in pushed


def test_push_filters_below_union(plan_of):
    plan = plan_of("SELECT * FROM (SELECT a FROM t UNION ALL SELECT k FROM u) WHERE a > 3")
    check(plan, [push_filters], f"""
Sink(table=[collect], fields=[a])
+- Project(a)
   +- Union(all=[true], fields=[a])
      :- Project(a)
      :  +- Filter(condition=[(a > 3)])
      :     +- {T}, fields=[a, b, c, d, n])
      +- Project(k)
         +- Filter(condition=[(k > 3)])
            +- {U}, fields=[k, e])
""")


def test_push_filters_into_scan_keeps_the_filter(plan_of):
    plan = plan_of("SELECT a, b FROM t WHERE a > 1 AND 5 >= c AND b IS NOT NULL AND UPPER(b) = 'X' AND a <> d")
    check(plan, [fold_constants, push_filters_into_scan, push_filters_into_scan], f"""
Sink(table=[collect], fields=[a, b])
+- Project(a, b)
   +- Filter(condition=[(((((a > 1) AND (5 >= c)) AND NOT(IS NULL(b))) AND (UPPER(b) = 'X')) AND (CAST(a AS DOUBLE) <> d))])
      +- {T}, fields=[a, b, c, d, n], filter=[a > 1, c <= 5, b IS NOT NULL])
""")


def test_prune_columns_down_to_the_scan(plan_of):
    check(plan_of("SELECT b, sum(c) FROM t WHERE a > 1 GROUP BY b"), [prune_columns], f"""
Sink(table=[collect], fields=[b, EXPR$1])
+- Project(b, $agg0 AS EXPR$1)
   +- Aggregate(groupBy=[b], select=[b, SUM(c) AS $agg0])
      +- Project(b, c)
         +- Filter(condition=[(a > 1)])
            +- {T}, fields=[a, b, c])
""")


def test_prune_columns_of_join_sides_and_union_branches(plan_of):
    check(plan_of("SELECT t.b, u.e FROM t JOIN u ON t.a = u.k"), [prune_columns], f"""
Sink(table=[collect], fields=[b, e])
+- Project(b, e)
   +- Join(joinType=[INNER], where=[(a = k)])
      :- {T}, fields=[a, b])
      +- {U}, fields=[k, e])
""")
    check(plan_of("SELECT a FROM (SELECT a, b FROM t UNION ALL SELECT k, e FROM u)"), [prune_columns], f"""
Sink(table=[collect], fields=[a])
+- Project(a)
   +- Union(all=[true], fields=[a])
      :- Project(a)
      :  +- {T}, fields=[a])
      +- Project(k)
         +- {U}, fields=[k])
""")


def test_prune_columns_count_star_keeps_the_narrowest_column(plan_of):
    check(plan_of("SELECT count(*) FROM t"), [prune_columns], f"""
Sink(table=[collect], fields=[EXPR$0])
+- Project($agg0 AS EXPR$0)
   +- Aggregate(groupBy=[], select=[COUNT(*) AS $agg0])
      +- Project(a)
         +- {T}, fields=[a])
""")


def test_prune_columns_keeps_the_rowtime(env, plan_of):
    env.execute_sql("CREATE TABLE w (a INT, b STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) "
                    "WITH ('connector'='datagen', 'number-of-rows'='5')")
    pruned = tree(run_rules(plan_of("SELECT a FROM w"), prune_columns))
    assert "WatermarkAssigner(rowtime=[ts]" in pruned and "fields=[a, ts])" in pruned


def test_merge_projects(plan_of):
    check(plan_of("SELECT k, k * 2 AS k2 FROM (SELECT a + 1 AS k, b FROM t)"), [merge_projects], f"""
Sink(table=[collect], fields=[k, k2])
+- Project((a + 1) AS k, ((a + 1) * 2) AS k2)
   +- {T}, fields=[a, b, c, d, n])
""")


def test_merge_projects_keeps_a_non_deterministic_expression_used_twice(plan_of):
    plan = plan_of("SELECT r, r + 1 FROM (SELECT RAND() AS r FROM t)")
    assert tree(run_rules(plan, merge_projects)) == tree(plan)


def test_merge_projects_removes_identity_but_not_renaming(plan_of):
    check(plan_of("SELECT a, b FROM (SELECT a, b FROM t)"), [prune_columns, merge_projects], f"""
Sink(table=[collect], fields=[a, b])
+- {T}, fields=[a, b])
""")
    check(plan_of("SELECT a AS x FROM t"), [prune_columns, merge_projects], f"""
Sink(table=[collect], fields=[x])
+- Project(a AS x)
   +- {T}, fields=[a])
""")


def test_simplify_aggregates(plan_of):
    plan = plan_of("SELECT b, count(n) AS c1, max(DISTINCT a) AS m, count(a) AS c3 FROM t GROUP BY b")
    check(plan, [simplify_aggregates], f"""
Sink(table=[collect], fields=[b, c1, m, c3])
+- Project(b, $agg0 AS c1, $agg1 AS m, $agg2 AS c3)
   +- Aggregate(groupBy=[b], select=[b, COUNT(*) AS $agg0, MAX(a) AS $agg1, COUNT(a) AS $agg2])
      +- Project(b, n, a)
         +- {T}, fields=[a, b, c, d, n])
""")


def test_simplify_aggregates_removes_duplicate_calls(plan_of):
    project = plan_of("SELECT b, a FROM t").input
    call = AggregateCall("COUNT", (1,), BIGINT(False), name="c1")
    aggregate = Aggregate(project, (0,), (call, replace(call, name="c2")))
    simplified = simplify_aggregates.apply(aggregate, None)
    assert isinstance(simplified, Project) and simplified.fields == aggregate.fields
    assert tree(simplified).splitlines()[:2] == [
        "Project(b, c1, c1 AS c2)", "+- Aggregate(groupBy=[b], select=[b, COUNT(a) AS c1])"]


def test_optimize_traces_every_phase(env, plan_of):
    trace = []
    optimize(plan_of("SELECT a FROM t WHERE a > 1"), env.config, trace)
    from flowsql.planner.optimizer import PHASES
    assert [name for name, _ in trace] == [name for name, _ in PHASES]


def test_optimize_full_pipeline(env, plan_of):
    plan = plan_of("SELECT b, count(*) FROM (SELECT a, b, c + 1 AS x FROM t) WHERE a > 1 AND 1 = 1 "
                   "GROUP BY b HAVING b <> 'x'")
    assert tree(optimize(plan, env.config)) == f"""
Sink(table=[collect], fields=[b, EXPR$1])
+- Project(b, $agg0 AS EXPR$1)
   +- Aggregate(groupBy=[b], select=[b, COUNT(*) AS $agg0])
      +- Project(b)
         +- Filter(condition=[((a > 1) AND (b <> 'x'))])
            +- {T}, fields=[a, b], filter=[a > 1, b <> 'x'])
""".strip("\n")
