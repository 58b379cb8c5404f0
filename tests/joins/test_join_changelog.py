"""Joins over changelog inputs (inserts, then deletes and re-inserts on both sides), random
micro-batch sizes: the materialized output must be a valid changelog (no retraction of an absent
row) whose final state equals DuckDB's join of the net inputs."""

import random
from collections import Counter

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from flowsql.connectors import memory
from flowsql.table import EnvironmentSettings, TableEnvironment

JOINS = {
    "inner": "SELECT l.k, l.v, r.k, r.w FROM l JOIN r ON l.k = r.k",
    "left": "SELECT l.k, l.v, r.k, r.w FROM l LEFT JOIN r ON l.k = r.k",
    "right": "SELECT l.k, l.v, r.k, r.w FROM l RIGHT JOIN r ON l.k = r.k",
    "full": "SELECT l.k, l.v, r.k, r.w FROM l FULL JOIN r ON l.k = r.k",
    "full-residual": "SELECT l.k, l.v, r.k, r.w FROM l FULL JOIN r ON l.k = r.k AND l.v < r.w",
    "left-nonequi": "SELECT l.k, l.v, r.k, r.w FROM l LEFT JOIN r ON l.v + 3 < r.w AND r.w < l.v + 6",
    "cross": "SELECT l.k, r.w FROM l CROSS JOIN r",
    "semi": "SELECT k, v FROM l WHERE k IN (SELECT k FROM r)",
    "anti": "SELECT k, v FROM l WHERE NOT EXISTS (SELECT * FROM r WHERE r.k = l.k AND r.w > l.v)",
    "not-in": "SELECT k, v FROM l WHERE k NOT IN (SELECT k FROM r)",
    "scalar": "SELECT k, v FROM l WHERE v > (SELECT AVG(w) FROM r WHERE r.k = l.k)",
}


def _changelog(rng: random.Random, n: int, keys: int, name: str):
    """Random inserts with NULL and duplicate keys, then deletes of some and re-inserts."""
    rows = [(rng.choice([None] + list(range(keys))), rng.randrange(10)) for _ in range(n)]
    log = [(0, r) for r in rows]
    alive = list(rows)
    for _ in range(n // 2):
        if alive and rng.random() < 0.7:
            victim = alive.pop(rng.randrange(len(alive)))
            log.append((3, victim))
        else:
            row = (rng.choice([None] + list(range(keys))), rng.randrange(10))
            alive.append(row)
            log.append((0, row))
    table = pa.table({"k": pa.array([r[0] for _, r in log], pa.int32()),
                      name: pa.array([r[1] for _, r in log], pa.int32())})
    return table, np.array([k for k, _ in log], dtype=np.int8), pa.table({
        "k": pa.array([r[0] for r in alive], pa.int32()), name: pa.array([r[1] for r in alive], pa.int32())})


def _materialize(result) -> Counter:
    rows: Counter = Counter()
    for batch in result.change_batches():
        kinds = batch.kind_array()
        columns = [c.to_pylist() for c in batch.table.columns]
        for i in range(batch.num_rows):
            row = tuple(c[i] for c in columns)
            if kinds[i] in (0, 2):
                rows[row] += 1
            else:
                assert rows[row] > 0, f"retraction of an absent row {row}"
                rows[row] -= 1
    return +rows


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("name", list(JOINS))
def test_join_over_changelogs(name, seed):
    rng = random.Random(seed * 100 + len(name))
    l_log, l_kinds, l_net = _changelog(rng, 40, 6, "v")
    r_log, r_kinds, r_net = _changelog(rng, 30, 6, "w")
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("flowsql.exec.batch.max-rows", str(rng.choice([1, 2, 3, 7])))
    for table, log, kinds, col in (("l", l_log, l_kinds, "v"), ("r", r_log, r_kinds, "w")):
        table_id = memory.put(log, kinds)
        env.execute_sql(f"CREATE TABLE {table} (k INT, {col} INT) WITH ('connector' = 'flowsql-memory', "
                        f"'table-id' = '{table_id}', 'chunk.max-rows' = '5', 'chunk.seed' = '{seed}')")
    actual = _materialize(env.execute_sql(JOINS[name]))
    con = duckdb.connect()
    con.register("l", l_net)
    con.register("r", r_net)
    expected = +Counter(tuple(r) for r in con.execute(JOINS[name]).fetchall())
    assert actual == expected


def test_outer_join_retracts_padded_row():
    """Flink's observed sequence: +I padded, -D padded, +I joined; and back when the match goes."""
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("flowsql.exec.batch.max-rows", "1")
    left = memory.put(pa.table({"id": pa.array([1], pa.int32()), "v": pa.array([10], pa.int32())}))
    right = memory.put(pa.table({"id": pa.array([1, 1], pa.int32()), "name": ["alice", "alice"]}),
                                 np.array([0, 3], dtype=np.int8))
    env.execute_sql(f"CREATE TABLE a (id INT, v INT) WITH ('connector' = 'flowsql-memory', 'table-id' = '{left}')")
    env.execute_sql(f"CREATE TABLE b (id INT, name STRING) WITH ('connector' = 'flowsql-memory', "
                    f"'table-id' = '{right}')")
    changes = [(int(k), row)
               for batch in env.execute_sql("SELECT a.id, v, name FROM a LEFT JOIN b ON a.id = b.id").change_batches()
               for k, row in batch.rows_with_kinds()]
    assert changes == [
        (0, (1, 10, None)), (3, (1, 10, None)), (0, (1, 10, "alice")), (3, (1, 10, "alice")), (0, (1, 10, None))]
