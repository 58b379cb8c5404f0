"""Operators share one DuckDB database through cursors (``flowsql.exec.engine``): Python functions
registered by one job keep working after its cursors are gone, and a function's failure is
reported by the query that called it."""

import gc

import pytest
from flowsql.common.errors import ExecutionError
from flowsql.exec import engine
from flowsql.table import DataTypes, EnvironmentSettings, TableEnvironment
from flowsql.table.udf import udf


@udf(result_type=DataTypes.BIGINT())
def plus_one(x):
    return None if x is None else x + 1


@udf(result_type=DataTypes.BIGINT())
def fails_on_two(x):
    if x == 2:
        raise ValueError("two is not allowed")
    return x


def _rows(env, sql):
    return sorted(tuple(r) for r in env.execute_sql(sql).collect())


@pytest.mark.parametrize("mode", ["streaming", "batch"])
def test_a_python_function_outlives_the_cursors_that_registered_it(mode):
    settings = EnvironmentSettings.in_streaming_mode() if mode == "streaming" else EnvironmentSettings.in_batch_mode()
    for _ in range(3):  # each job registers through new cursors; the database keeps the function
        env = TableEnvironment.create(settings)
        env.create_temporary_function("plus_one", plus_one)
        assert _rows(env, "SELECT plus_one(x) FROM (VALUES (1), (2)) AS t(x)") == [(2,), (3,)]
        del env
        gc.collect()


def test_cursors_do_not_see_each_others_tables():
    import pyarrow as pa

    a, b = engine.connect(), engine.connect()
    a.register("batch", pa.table({"x": [1]}))
    b.register("batch", pa.table({"x": [2]}))
    assert a.sql("SELECT x FROM batch").fetchall() == [(1,)]
    assert b.sql("SELECT x FROM batch").fetchall() == [(2,)]


def test_the_failing_query_reports_the_functions_error():
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.create_temporary_function("fails_on_two", fails_on_two)
    env.create_temporary_function("plus_one", plus_one)
    assert _rows(env, "SELECT plus_one(x) FROM (VALUES (1), (2)) AS t(x)") == [(2,), (3,)]
    with pytest.raises(ExecutionError, match="fails_on_two.*two is not allowed"):
        _rows(env, "SELECT fails_on_two(x) FROM (VALUES (1), (2)) AS t(x)")
