"""The STATE_TTL hint in plans: bound to join sides and aggregates by name, kept through the
optimizer, shown in EXPLAIN with what it means, and rejected with a position when it is wrong."""

from __future__ import annotations

import pytest
from flowsql.common.errors import FlowSqlError
from flowsql.planner.logical import Sink
from flowsql.planner.optimizer import optimize
from flowsql.planner.parser import parse_statement
from flowsql.planner.physical import PhysicalPlanner
from flowsql.table import EnvironmentSettings, TableEnvironment
from flowsql.table.executor import StatementExecutor

DAY = 86_400_000


def _env() -> TableEnvironment:
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.execute_sql("CREATE TABLE orders (id INT, cid INT) WITH ('connector' = 'datagen')")
    env.execute_sql("CREATE TABLE customers (cid INT, name STRING) WITH ('connector' = 'datagen')")
    return env


def _physical(env: TableEnvironment, sql: str):
    plan = StatementExecutor(env).binder().bind_query(parse_statement(sql).query)
    return PhysicalPlanner(env.config, False).plan(optimize(Sink(plan, None), env.config))


def test_explain_shows_the_hint_and_what_it_means():
    env = _env()
    text = env.explain_sql("SELECT /*+ STATE_TTL('o' = '1d', 'customers' = '20d') */ o.id, c.name "
                           "FROM orders o LEFT JOIN customers c ON o.cid = c.cid")
    assert "Join(joinType=[LEFT], where=[(cid = cid)], leftKeys=[cid], rightKeys=[cid], " \
           "stateTtl=[left=1 d, right=20 d], changelogMode=[I,UB,UA,D])" in text
    assert "rows of orders 1 d after their last update: a late match after that is missed" in text
    assert "rows of customers 20 d after" in text
    text = env.explain_sql("SELECT /*+ STATE_TTL('o' = '90 min') */ cid, COUNT(*) FROM orders o GROUP BY cid")
    assert "GroupAggregate(groupBy=[cid], select=[cid, COUNT(*) AS $agg0], stateTtl=[90 min]" in text
    assert "forgets a group 90 min after its last update" in text


def test_cascaded_joins_get_the_sides_their_names_match():
    env = _env()
    env.execute_sql("CREATE TABLE items (id INT, sku STRING) WITH ('connector' = 'datagen')")
    text = env.explain_sql("SELECT /*+ STATE_TTL('o' = '1h', 'c' = '2h', 'i' = '3h'), STATE_TTL('o' = '4h') */ "
                           "o.id FROM orders o JOIN customers c ON o.cid = c.cid JOIN items i ON o.id = i.id")
    assert "stateTtl=[left=4 h, right=2 h]" in text  # the later hint's 'o' wins
    assert "stateTtl=[right=3 h]" in text  # the outer join's left input is a join: no name


def test_hints_survive_the_optimizer_and_results_do_not_change_without_ttl():
    env = _env()
    physical = _physical(env, "SELECT /*+ STATE_TTL('o' = '1d') */ o.id FROM orders o "
                              "JOIN customers c ON o.cid = c.cid WHERE o.id > 3 AND c.name <> 'x'")
    node = physical
    while node.kind != "Join":
        node = node.inputs[0]
    assert node.logical.state_ttl == (DAY, None)


@pytest.mark.parametrize("sql, message, position", [
    ("SELECT /*+ STATE_TTL('x' = '1d') */ o.id FROM orders o JOIN customers c ON o.cid = c.cid",
     "STATE_TTL option 'x' names no input", (1, 22)),
    ("SELECT /*+ STATE_TTL('o' = 'soon') */ o.id FROM orders o JOIN customers c ON o.cid = c.cid",
     "'soon' is not a duration", (1, 28)),
    ("SELECT\n  /*+ STATE_TTL('o' = '-1 d') */ COUNT(*) FROM orders o",
     "must not be negative", (2, 23)),
    ("SELECT /*+ STATE_TTL(o = '1d') */ COUNT(*) FROM orders o",
     "a STATE_TTL option must be 'input' = 'duration'", (1, 22)),
])
def test_bad_hints_are_positioned_errors(sql, message, position):
    with pytest.raises(FlowSqlError) as caught:
        _physical(_env(), sql)
    assert message in caught.value.message
    assert (caught.value.line, caught.value.column) == position
    assert caught.value.hint
