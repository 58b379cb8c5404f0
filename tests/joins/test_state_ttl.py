"""State TTL (``table.exec.state.ttl`` and the ``STATE_TTL`` hint) on regular joins and group
aggregates, driven by a ManualClock: expired state is treated as absent, as in Flink."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from flowsql.common.changes import DELETE, INSERT, UPDATE_AFTER, UPDATE_BEFORE, ChangeBatch
from flowsql.exec.clock import ManualClock
from flowsql.exec.job import Job
from flowsql.exec.operator import RuntimeContext
from flowsql.exec.state.backend import StateBackend
from flowsql.planner.logical import Sink
from flowsql.planner.optimizer import optimize
from flowsql.planner.parser import parse_statement
from flowsql.planner.physical import PhysicalPlanner
from flowsql.table import EnvironmentSettings, TableEnvironment
from flowsql.table.executor import StatementExecutor

DAY = 86_400_000
KIND = {INSERT: "+I", UPDATE_BEFORE: "-U", UPDATE_AFTER: "+U", DELETE: "-D"}


def _env(**options) -> TableEnvironment:
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    for key, value in options.items():
        env.get_config().set(key, value)
    env.execute_sql("CREATE TABLE orders (id INT, cid INT) WITH ('connector' = 'datagen')")
    env.execute_sql("CREATE TABLE customers (cid INT, name STRING) WITH ('connector' = 'datagen')")
    return env


def _physical(env: TableEnvironment, sql: str):
    plan = StatementExecutor(env).binder().bind_query(parse_statement(sql).query)
    return PhysicalPlanner(env.config, False).plan(optimize(Sink(plan, None), env.config))


def _operator(env: TableEnvironment, sql: str, kind: str):
    """The query's ``kind`` operator, opened on a ManualClock and a fresh state backend."""
    node = _physical(env, sql)
    while node.kind != kind:
        node = node.inputs[0]
    clock = ManualClock()
    job = Job([], env.config.copy(), clock=clock)
    op = job._make_operator(node)
    op.open(RuntimeContext(job.config, clock, StateBackend()))
    op.input_names = [f.name for f in node.inputs[0].fields]  # what the pruned plan feeds it
    return op, clock


def _grouped(op, rows: list[dict], kinds=None) -> ChangeBatch:
    """A batch for an aggregate over orders, with the columns its (pruned) input has."""
    return _batch([tuple(r[n] for n in op.input_names) for r in rows], op.input_names,
                  [pa.int32()] * len(op.input_names), kinds)


def _batch(rows: list[tuple], names: list[str], types: list[pa.DataType], kinds=None) -> ChangeBatch:
    columns = [pa.array([r[i] for r in rows], t) for i, t in enumerate(types)]
    table = pa.Table.from_arrays(columns, names=names)
    return ChangeBatch(table, None if kinds is None else np.array(kinds, dtype=np.int8))


def _as_orders(rows: list[tuple]) -> list[dict]:
    return [{"id": i, "cid": c} for i, c in rows]


def _order(rows, kinds=None):
    return _batch(rows, ["id", "cid"], [pa.int32(), pa.int32()], kinds)


def _customer(rows, kinds=None):
    return _batch(rows, ["cid", "name"], [pa.int32(), pa.string()], kinds)


def _changes(outputs: list[ChangeBatch]) -> list[tuple]:
    out = []
    for batch in outputs:
        kinds = batch.kind_array()
        for i, row in enumerate(batch.table.to_pylist()):
            out.append((KIND[kinds[i]],) + tuple(row.values()))
    return out


def _joined(outputs: list[ChangeBatch]) -> list[tuple]:
    """(kind, order id, customer name) of a join's output rows (orders' and customers' columns)."""
    return [(change[0], change[1], change[-1]) for change in _changes(outputs)]


JOIN = "SELECT o.id, c.name FROM orders o JOIN customers c ON o.cid = c.cid"
LEFT_JOIN = "SELECT o.id, c.name FROM orders o LEFT JOIN customers c ON o.cid = c.cid"
COUNT = "SELECT cid, COUNT(*) AS n FROM orders GROUP BY cid"


# -- joins ---------------------------------------------------------------------------------------
def test_expired_left_rows_miss_a_later_right_row():
    join, clock = _operator(_env(**{"table.exec.state.ttl": "10 s"}), JOIN, "Join")
    assert join.process(_order([(1, 7), (2, 8)]), 0) == []
    clock.advance(9_999)
    assert _joined(join.process(_customer([(8, "b")]), 1)) == [("+I", 2, "b")]  # 1 ms before expiry
    clock.advance(1)
    assert join.process(_customer([(7, "a")]), 1) == []  # order 1 was forgotten: the late match is missed
    assert join.state_size() == 2  # the two customers; both orders are gone
    assert _joined(join.process(_order([(3, 7)]), 0)) == [("+I", 3, "a")]  # customer 7 is still there


def test_a_write_restarts_the_ttl_and_expired_retractions_are_ignored():
    join, clock = _operator(_env(**{"table.exec.state.ttl": "10 s"}), LEFT_JOIN, "Join")
    assert _joined(join.process(_order([(1, 7)]), 0)) == [("+I", 1, None)]
    clock.advance(6_000)
    # The match count of order 1 is written: its TTL starts again at 6 s.
    assert _joined(join.process(_customer([(7, "a")]), 1)) == [("-D", 1, None), ("+I", 1, "a")]
    clock.advance(6_000)  # 12 s: customer 7 (stamped at 6 s) and order 1 (written at 6 s) are still alive
    assert _joined(join.process(_order([(2, 7)]), 0)) == [("+I", 2, "a")]
    clock.advance(4_000)  # 16 s: customer 7 and order 1 expired, order 2 (12 s) lives
    # Customer 7 has no state to retract, but its join rows with live orders are retracted and those
    # orders padded again (as Flink does).
    assert _joined(join.process(_customer([(7, "a")], [DELETE]), 1)) == [("-D", 2, "a"), ("+I", 2, None)]
    assert join.state_size() == 1
    # A retraction of the expired order 1 finds nothing: the padded row is not sent again.
    assert _joined(join.process(_order([(1, 7)], [DELETE]), 0)) == [("-D", 1, None)]
    assert join.state_size() == 1


def test_state_shrinks_and_the_store_is_compacted():
    join, clock = _operator(_env(**{"table.exec.state.ttl": "1 min"}), JOIN, "Join")
    join.process(_order([(i, i % 50) for i in range(3000)]), 0)
    clock.advance(30_000)
    join.process(_order([(i, i % 50) for i in range(3000, 3100)]), 0)
    store = join.stores[0].value
    assert (join.state_size(), store.size) == (3100, 3100)
    clock.advance(30_000)
    join.process(_customer([(7, "x")]), 1)
    assert join.state_size() == 101  # 100 orders + 1 customer
    assert store is not join.stores[0].value or join.stores[0].value.size == 100  # rebuilt from live rows
    assert join.stores[0].value.size == 100
    out = _joined(join.process(_customer([(8, "y")]), 1))
    assert sorted(out) == sorted(("+I", i, "y") for i in range(3000, 3100) if i % 50 == 8)


def test_the_hint_overrides_the_global_option_per_side():
    env = _env(**{"table.exec.state.ttl": "1 s"})
    sql = "SELECT /*+ STATE_TTL('o' = '1d') */ o.id, c.name FROM orders o JOIN customers c ON o.cid = c.cid"
    join, clock = _operator(env, sql, "Join")
    assert join.state_ttl_ms == (DAY, 1000)
    join.process(_order([(1, 7)]), 0)
    join.process(_customer([(8, "b")]), 1)
    clock.advance(5_000)
    assert _joined(join.process(_customer([(7, "a")]), 1)) == [("+I", 1, "a")]  # orders live a day
    assert join.process(_order([(2, 8)]), 0) == []  # customers live a second: customer 8 is gone
    clock.advance(DAY)
    assert join.process(_customer([(7, "c")]), 1) == []


def test_zero_ttl_keeps_everything():
    join, clock = _operator(_env(), JOIN, "Join")
    assert join.state_ttl_ms == (0, 0)
    join.process(_order([(1, 7)]), 0)
    clock.advance(365 * DAY)
    assert _joined(join.process(_customer([(7, "a")]), 1)) == [("+I", 1, "a")]


# -- group aggregates ------------------------------------------------------------------------------
def _feed(agg, rows: list[tuple], kinds=None) -> list[tuple]:
    """Push (id, cid) rows into an aggregate over orders; its changes."""
    return _changes(agg.process(_grouped(agg, _as_orders(rows), kinds)))


def test_an_expired_group_restarts_its_count_with_an_insert():
    agg, clock = _operator(_env(**{"table.exec.state.ttl": "10 s"}), COUNT, "GroupAggregate")
    assert _feed(agg, [(1, 7), (2, 7), (3, 8)]) == [("+I", 7, 2), ("+I", 8, 1)]
    clock.advance(5_000)
    assert _feed(agg, [(4, 8)]) == [("-U", 8, 1), ("+U", 8, 2)]
    clock.advance(5_000)  # group 7 (last written at 0 s) expired; group 8 (5 s) lives
    assert _feed(agg, [(5, 7), (6, 8)]) == [("+I", 7, 1), ("-U", 8, 2), ("+U", 8, 3)]


def test_a_retraction_for_an_expired_group_is_dropped():
    agg, clock = _operator(_env(**{"table.exec.state.ttl": "10 s"}), COUNT, "GroupAggregate")
    _feed(agg, [(1, 7), (2, 7)])
    clock.advance(10_000)
    # The group's state is gone: the retraction is dropped, the insert after it starts over.
    assert _feed(agg, [(1, 7), (9, 7)], [DELETE, INSERT]) == [("+I", 7, 1)]
    assert _feed(agg, [(9, 7)], [DELETE]) == [("-D", 7, 1)]


def test_untouched_expired_groups_free_their_state():
    agg, clock = _operator(_env(**{"table.exec.state.ttl": "1 h"}), COUNT, "GroupAggregate")
    _feed(agg, [(i, i) for i in range(1000)])
    assert agg.state_size() == 1000
    clock.advance(3_600_000)
    _feed(agg, [(0, 5000)])
    assert agg.state_size() == 1


def test_distinct_aggregate_forgets_its_values():
    sql = "SELECT cid, COUNT(DISTINCT id) AS n FROM orders GROUP BY cid"
    agg, clock = _operator(_env(**{"table.exec.state.ttl": "10 s"}), sql, "GroupAggregate")
    _feed(agg, [(1, 7), (2, 7)])
    clock.advance(10_000)
    assert _feed(agg, [(2, 7)]) == [("+I", 7, 1)]


def test_the_aggregate_hint_overrides_the_global_option():
    sql = "SELECT /*+ STATE_TTL('orders' = '2 s') */ cid, COUNT(*) AS n FROM orders GROUP BY cid"
    agg, clock = _operator(_env(**{"table.exec.state.ttl": "1 d"}), sql, "GroupAggregate")
    assert agg.state_ttl_ms == 2000
    _feed(agg, [(1, 7)])
    clock.advance(2_000)
    assert _feed(agg, [(2, 7)]) == [("+I", 7, 1)]
