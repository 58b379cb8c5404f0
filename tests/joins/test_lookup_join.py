"""Lookup joins against the filesystem connector: the caches (FULL with reload, PARTIAL with
expiry and size bound, NONE) driven by a hand-moved clock, missing keys, and the errors."""

import pyarrow as pa
import pytest
from flowsql.common.config import Config
from flowsql.common.connector import Column, ConnectorContext
from flowsql.common.errors import FlowSqlError
from flowsql.common.types import parse_type
from flowsql.connectors import lookup_connectors
from flowsql.connectors.filesystem import FileSystemSource
from flowsql.exec.clock import ManualClock
from flowsql.table import EnvironmentSettings, TableEnvironment


def _write(path, rows):
    path.mkdir(parents=True, exist_ok=True)
    (path / "rates.csv").write_text("".join(f"{k},{v}\n" for k, v in rows))


def _function(path, **options):
    columns = [Column("k", parse_type("STRING")), Column("rate", parse_type("INT"))]
    context = ConnectorContext("rates", columns, {"connector": "filesystem", "path": str(path), "format": "csv",
                                                  **options}, Config())
    function = FileSystemSource(context).create_lookup_function(["k"])
    clock = ManualClock(1_000)
    function.open(clock)
    return function, clock


def _lookup(function, keys):
    positions, rows = function.lookup(pa.table({"k": pa.array(keys, pa.string())}))
    return sorted(zip(positions.tolist(), rows.column("rate").to_pylist()))


def test_full_cache_reloads_on_the_clock(tmp_path):
    _write(tmp_path, [("a", 1), ("b", 2), ("a", 3)])
    function, clock = _function(tmp_path, **{"lookup.cache": "FULL",
                                             "lookup.full-cache.periodic-reload.interval": "1 min"})
    assert _lookup(function, ["a", "c", None, "b"]) == [(0, 1), (0, 3), (3, 2)]
    _write(tmp_path, [("a", 10), ("c", 30)])
    clock.advance(59_999)
    assert _lookup(function, ["a", "c"]) == [(0, 1), (0, 3)]  # still the cached table
    clock.advance(1)
    assert _lookup(function, ["a", "c", "b"]) == [(0, 10), (1, 30)]
    assert function.reads == 2


def test_partial_cache_expires_after_write_and_remembers_missing_keys(tmp_path):
    _write(tmp_path, [("a", 1), ("b", 2)])
    function, clock = _function(tmp_path, **{"lookup.cache": "PARTIAL",
                                             "lookup.partial-cache.expire-after-write": "10 s"})
    assert _lookup(function, ["a", "x", "a"]) == [(0, 1), (2, 1)]
    _write(tmp_path, [("a", 5), ("b", 6), ("x", 7)])
    clock.advance(5_000)
    # a and the missing x come from the cache; b is new, so the table is read for it alone.
    assert _lookup(function, ["a", "x", "b"]) == [(0, 1), (2, 6)]
    assert function.reads == 2
    clock.advance(5_000)  # a and x were written 10 s ago: expired
    assert _lookup(function, ["a", "x"]) == [(0, 5), (1, 7)]
    assert function.reads == 3


def test_partial_cache_keeps_at_most_max_rows_keys(tmp_path):
    _write(tmp_path, [("a", 1), ("b", 2), ("c", 3)])
    function, clock = _function(tmp_path, **{"lookup.cache": "PARTIAL", "lookup.partial-cache.max-rows": "2",
                                             "lookup.partial-cache.cache-missing-key": "false"})
    _lookup(function, ["a", "zz"])
    clock.advance(1)
    _lookup(function, ["b"])
    clock.advance(1)
    _lookup(function, ["c"])  # evicts a, the least recently used
    assert function.entries.num_rows == 2 and sorted(function.entries.column("k0").to_pylist()) == ["b", "c"]
    reads = function.reads
    assert _lookup(function, ["b", "c"]) == [(0, 2), (1, 3)] and function.reads == reads


def test_no_cache_reads_the_latest_table(tmp_path):
    _write(tmp_path, [("a", 1)])
    function, _ = _function(tmp_path)
    assert _lookup(function, ["a"]) == [(0, 1)]
    _write(tmp_path, [("a", 2)])
    assert _lookup(function, ["a"]) == [(0, 2)]


def _env(tmp_path, rates_options: str = "") -> TableEnvironment:
    _write(tmp_path / "rates", [("EUR", 100), ("USD", 90)])
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "o.csv").write_text("1,EUR\n2,JPY\n3,\n4,USD\n")
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("flowsql.exec.batch.max-rows", "2")
    env.execute_sql(f"CREATE TABLE orders (id INT, k STRING, pt AS PROCTIME()) WITH ('connector' = 'filesystem', "
                    f"'path' = '{tmp_path / 'orders'}', 'format' = 'csv', 'csv.null-literal' = '')")
    env.execute_sql(f"CREATE TABLE rates (k STRING, rate INT) WITH ('connector' = 'filesystem', "
                    f"'path' = '{tmp_path / 'rates'}', 'format' = 'csv'{rates_options})")
    return env


def test_left_lookup_join_keeps_rows_with_missing_and_null_keys(tmp_path):
    env = _env(tmp_path, ", 'lookup.cache' = 'FULL'")
    sql = "SELECT o.id, r.rate FROM orders AS o LEFT JOIN rates FOR SYSTEM_TIME AS OF o.pt AS r ON o.k = r.k"
    assert ("LookupJoin(table=[default_catalog.default_database.rates], joinType=[LeftOuterJoin], lookup=[k=k], "
            "select=[id, k, pt, k, rate], changelogMode=[I])") in env.explain_sql(sql)
    rows = [r for b in env.execute_sql(sql).change_batches() for _, r in b.rows_with_kinds()]
    assert rows == [(1, 100), (2, None), (3, None), (4, 90)]  # in input order


def _error(env, sql) -> FlowSqlError:
    with pytest.raises(FlowSqlError) as info:
        env.execute_sql(sql)
    return info.value


def test_lookup_errors_name_the_table_and_the_fix(tmp_path):
    env = _env(tmp_path)
    env.execute_sql("CREATE TABLE gen (k STRING, rate INT) WITH ('connector' = 'datagen')")
    env.execute_sql("CREATE VIEW rates_view AS SELECT * FROM rates")
    e = _error(env, "SELECT * FROM orders AS o JOIN gen FOR SYSTEM_TIME AS OF o.pt ON o.k = gen.k")
    assert "gen uses connector 'datagen', which does not" in e.message and (e.line, e.column) == (1, 32)
    assert "filesystem" in e.hint and "filesystem" in lookup_connectors()
    e = _error(env, "SELECT * FROM orders AS o JOIN rates_view FOR SYSTEM_TIME AS OF o.pt ON o.k = rates_view.k")
    assert "rates_view is a view" in e.message
    e = _error(env, "SELECT * FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.pt AS r ON o.id > r.rate")
    assert "needs an equality between the left input and a column of rates" in e.message
    e = _error(env, "SELECT * FROM rates FOR SYSTEM_TIME AS OF TIMESTAMP '2024-01-01 00:00:00'")
    assert "only supported on the right side of a join" in e.message
    bad = _env(tmp_path / "bad", ", 'lookup.cache' = 'SOMETIMES'")
    e = _error(bad, "SELECT * FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.pt AS r ON o.k = r.k")
    assert "'lookup.cache' must be NONE, PARTIAL or FULL" in str(e)
