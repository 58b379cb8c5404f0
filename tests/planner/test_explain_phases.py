"""``EXPLAIN PHASES`` (flowsql's own detail): the logical plan after each optimizer phase, between
the Abstract Syntax Tree and the physical plans that EXPLAIN always prints."""

from flowsql.planner.optimizer import PHASES
from flowsql.table import EnvironmentSettings, ExplainDetail, TableEnvironment


def _env() -> TableEnvironment:
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.execute_sql("CREATE TABLE t (a INT, b STRING, c DOUBLE) WITH ('connector' = 'datagen', "
                    "'number-of-rows' = '3')")
    return env


QUERY = "SELECT b, SUM(a) FROM (SELECT a, b, c FROM t WHERE 1 = 1 AND a > 2) GROUP BY b"


def test_explain_phases_prints_every_phase_in_order_between_ast_and_physical_plan():
    text = next(_env().execute_sql(f"EXPLAIN PHASES {QUERY}").collect())[0]
    headers = [line for line in text.splitlines() if line.startswith("== ")]
    phases = [f"== Optimizer Phase {i + 1}: {name} ==" for i, (name, _) in enumerate(PHASES)]
    assert headers == ["== Abstract Syntax Tree =="] + phases + [
        "== Optimized Physical Plan ==", "== Why Nodes Update ==", "== Optimized Execution Plan =="]


def test_each_phase_shows_its_plan_or_says_it_changed_nothing():
    text = next(_env().execute_sql(f"EXPLAIN PHASES {QUERY}").collect())[0]
    sections = dict(part.split(" ==\n", 1) for part in text.split("\n\n== ")[1:])
    simplify = sections["Optimizer Phase 1: simplify"]
    assert "(1 = 1)" not in simplify and "Filter(condition=[(a > 2)])" in simplify  # folded
    pushed = next(v for k, v in sections.items() if k.endswith("push down predicates"))
    assert "filter=[a > 2]" in pushed  # offered to the source
    pruned = next(v for k, v in sections.items() if k.endswith("prune columns"))
    assert "fields=[a, b], filter" in pruned and "fields=[a, b, c]" not in pruned
    assert any(v.strip() == "(unchanged)" for v in sections.values())


def test_explain_without_phases_is_unchanged_and_the_table_api_takes_the_detail():
    env = _env()
    plain = env.explain_sql(QUERY)
    assert "Optimizer Phase" not in plain
    with_phases = env.sql_query(QUERY).explain(ExplainDetail.PHASES)
    assert "== Optimizer Phase 1: simplify ==" in with_phases
    assert with_phases.replace("\n\n", "\n").count("== ") == plain.replace("\n\n", "\n").count("== ") + len(PHASES)
