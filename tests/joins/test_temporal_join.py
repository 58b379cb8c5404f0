"""Event-time temporal joins beyond the golden cases: state is freed as the watermark advances,
a left changelog passes through with its row kinds, and EXPLAIN shows the node and its mode."""

import datetime as dt

import numpy as np
import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.common.config import Config
from flowsql.connectors import memory
from flowsql.exec.clock import ManualClock
from flowsql.exec.operator import RuntimeContext
from flowsql.exec.operators.temporal_join import TemporalJoinOperator
from flowsql.exec.state.backend import StateBackend
from flowsql.planner.logical import Sink, walk
from flowsql.planner.optimizer import optimize
from flowsql.planner.parser import parse_statement
from flowsql.planner.physical import PhysicalPlanner
from flowsql.table import EnvironmentSettings, TableEnvironment
from flowsql.table.executor import StatementExecutor

BASE = dt.datetime(2024, 1, 1)
QUERY = ("SELECT o.id, r.rate FROM orders AS o {join} rates FOR SYSTEM_TIME AS OF o.ts AS r "
         "ON o.k = r.k")


def _env(orders: pa.Table, rates: pa.Table, order_kinds=None) -> TableEnvironment:
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("flowsql.exec.batch.max-rows", "3")
    env.execute_sql(f"CREATE TABLE orders (id INT, k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH "
                    f"('connector' = 'flowsql-memory', 'table-id' = '{memory.put(orders, order_kinds)}')")
    env.execute_sql(f"CREATE TABLE rates (k STRING, rate INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts, "
                    f"PRIMARY KEY (k) NOT ENFORCED) WITH "
                    f"('connector' = 'flowsql-memory', 'table-id' = '{memory.put(rates)}')")
    return env


def _times(minutes):
    return pa.array([BASE + dt.timedelta(minutes=m) for m in minutes], pa.timestamp("ms"))


def _operator(env: TableEnvironment, sql: str) -> TemporalJoinOperator:
    plan = StatementExecutor(env).binder().bind_query(parse_statement(sql).query)
    physical = PhysicalPlanner(env.config, False).plan(optimize(Sink(plan, None), env.config))
    node = next(n for n in _physical_nodes(physical) if n.kind == "TemporalJoin")
    op = TemporalJoinOperator.from_node(node, pa.schema([pa.field(f.name, f.type.to_arrow()) for f in node.fields]))
    op.open(RuntimeContext(Config(), ManualClock(), StateBackend()))
    return op


def _physical_nodes(node):
    yield node
    for i in node.inputs:
        yield from _physical_nodes(i)


def test_watermark_frees_emitted_rows_and_old_versions():
    empty = pa.table({"id": pa.array([], pa.int32()), "k": pa.array([], pa.string()), "ts": _times([])})
    env = _env(empty, pa.table({"k": pa.array([], pa.string()), "rate": pa.array([], pa.int32()), "ts": _times([])}))
    op = _operator(env, QUERY.format(join="JOIN"))
    sizes = []
    emitted = 0
    for step in range(50):
        minutes = [step * 10 + i for i in range(10)]
        versions = pa.table({"k": pa.array(["a", "b"] * 5), "rate": pa.array(minutes, pa.int32()),
                             "ts": _times(minutes)})
        orders = pa.table({"id": pa.array(minutes, pa.int32()), "k": pa.array(["b", "a"] * 5),
                           "ts": _times([m + 0.5 for m in minutes])})
        op.process(ChangeBatch(versions), 1)
        op.process(ChangeBatch(orders), 0)
        watermark = int((BASE + dt.timedelta(minutes=step * 10 + 5)).replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
        emitted += sum(b.num_rows for b in op.on_watermark(watermark))
        sizes.append(op.state_size())
    # Without freeing, state would grow by 20 entries a step (1000 in all); it stays bounded.
    assert max(sizes) <= 2 + 20 and sizes[-1] == sizes[10]
    # Every order up to the last watermark (495) was emitted once, except the first: it precedes
    # every version of its key.
    assert emitted == 494


def test_versions_matched_at_each_row_time():
    env = _env(pa.table({"id": pa.array([1, 2, 3, 4], pa.int32()), "k": ["a", "a", "a", "b"],
                         "ts": _times([5, 15, 25, 30])}),
               pa.table({"k": ["a", "a", "a"], "rate": pa.array([1, 2, 3], pa.int32()), "ts": _times([0, 10, 25])}))
    rows = [r for b in env.execute_sql(QUERY.format(join="LEFT JOIN")).change_batches()
            for _, r in b.rows_with_kinds()]
    assert sorted(rows, key=str) == [(1, 1), (2, 2), (3, 3), (4, None)]


def test_left_changelog_passes_through_with_row_kinds():
    orders = pa.table({"id": pa.array([1, 2, 1], pa.int32()), "k": ["a", "a", "a"], "ts": _times([5, 6, 5])})
    rates = pa.table({"k": ["a"], "rate": pa.array([7], pa.int32()), "ts": _times([0])})
    env = _env(orders, rates, np.array([0, 0, 3], dtype=np.int8))
    sql = QUERY.format(join="JOIN")
    assert "TemporalJoin(joinType=[InnerJoin], where=[(k = k0)], leftTimeAttribute=[ts], " \
           "rightTimeAttribute=[ts], changelogMode=[I,UB,UA,D])" in env.explain_sql(sql)
    changes = [(kind.name, r) for b in env.execute_sql(sql).change_batches() for kind, r in b.rows_with_kinds()]
    assert sorted(changes) == [("DELETE", (1, 7)), ("INSERT", (1, 7)), ("INSERT", (2, 7))]


def test_explain_shows_the_temporal_join_insert_only():
    env = _env(pa.table({"id": pa.array([1], pa.int32()), "k": ["a"], "ts": _times([1])}),
               pa.table({"k": ["a"], "rate": pa.array([7], pa.int32()), "ts": _times([0])}))
    text = env.explain_sql(QUERY.format(join="LEFT JOIN"))
    assert ("TemporalJoin(joinType=[LeftOuterJoin], where=[(k = k0)], leftTimeAttribute=[ts], "
            "rightTimeAttribute=[ts], changelogMode=[I])") in text
    plan = StatementExecutor(env).binder().bind_query(parse_statement(QUERY.format(join="JOIN")).query)
    assert any(type(n).__name__ == "TemporalJoin" for n in walk(plan))


def test_state_survives_a_checkpoint_round_trip():
    """All of the operator's state is in the backend: a restored copy continues identically."""
    import copy
    import pickle

    empty = pa.table({"id": pa.array([], pa.int32()), "k": pa.array([], pa.string()), "ts": _times([])})
    env = _env(empty, pa.table({"k": pa.array([], pa.string()), "rate": pa.array([], pa.int32()), "ts": _times([])}))
    op = _operator(env, QUERY.format(join="LEFT JOIN"))
    op.process(ChangeBatch(pa.table({"k": ["a", "b", "a"], "rate": pa.array([1, 2, 3], pa.int32()),
                                     "ts": _times([0, 1, 2])})), 1)
    op.process(ChangeBatch(pa.table({"id": pa.array([1, 2, 3], pa.int32()), "k": ["a", "b", "c"],
                                     "ts": _times([1, 3, 3])})), 0)
    restored = copy.copy(op)  # the same plan; open() takes its state from the restored backend
    restored.open(RuntimeContext(Config(), ManualClock(), StateBackend(pickle.loads(pickle.dumps(
        op.context.state.states)))))
    end = 2**63 - 1
    rows = lambda batches: sorted((r[0], r[4]) for b in batches for _, r in b.rows_with_kinds())
    assert rows(restored.on_watermark(end)) == rows(op.on_watermark(end)) == [(1, 1), (2, 2), (3, None)]
