"""Helpers for planner tests: a small catalog, binding SQL to a plan, running rules, printing.

(Not a conftest.py: other test folders import their own ``conftest`` by name, and a second
module of that name would shadow theirs; test modules wrap these in fixtures.)
"""

from flowsql.planner.binder import QueryBinder
from flowsql.planner.logical import Sink, explain_tree
from flowsql.planner.optimizer import RuleContext, rewrite_bottom_up
from flowsql.planner.parser import parse_statement
from flowsql.table import EnvironmentSettings, TableEnvironment


def make_env() -> TableEnvironment:
    """A session with t(a, b, c, d, n NOT NULL) and u(k, e)."""
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.execute_sql("CREATE TABLE t (a INT, b STRING, c BIGINT, d DOUBLE, n INT NOT NULL) "
                    "WITH ('connector'='datagen', 'number-of-rows'='5')")
    env.execute_sql("CREATE TABLE u (k INT, e STRING) WITH ('connector'='datagen', 'number-of-rows'='5')")
    return env


def binder_for(env: TableEnvironment):
    """SQL text -> its bound plan under a collecting Sink."""
    def bind(sql: str) -> Sink:
        return Sink(QueryBinder(env.catalog).bind_query(parse_statement(sql).query), None)
    return bind


def run_rules(plan, *rules, config=None):
    """Apply rules in order, each once over the whole plan, as the optimizer does within a phase."""
    context = RuleContext(config)
    for rule in rules:
        if hasattr(rule, "apply_to_plan"):
            plan = rule.apply_to_plan(plan, context)
        else:
            plan = rewrite_bottom_up(plan, lambda n, r=rule: r.apply(n, context))
    return plan


def tree(plan) -> str:
    return explain_tree(plan)
