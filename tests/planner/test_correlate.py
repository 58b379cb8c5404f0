"""LATERAL TABLE with Python table functions, the Correlate operator's changelog, its EXPLAIN, its
errors, and the vectorized UNNEST kernel on Arrow shapes golden files cannot write (MULTISET, maps
with NULL values, sliced arrays). UNNEST's SQL semantics are in ``tests/golden/unnest.test``."""

import numpy as np
import pyarrow as pa
import pytest
from flowsql.common.errors import ExecutionError, ValidationError
from flowsql.common.types import parse_type
from flowsql.exec.operators.correlate import unnest
from flowsql.table import DataTypes, EnvironmentSettings, Row, TableEnvironment
from flowsql.table.expressions import col
from flowsql.table.udf import TableFunction, udf, udtf

LINES = "SELECT * FROM (VALUES (1, 'a bb'), (2, ''), (3, CAST(NULL AS STRING)), (4, 'ccc')) AS v(id, line)"


@udtf(result_types=[DataTypes.STRING(), DataTypes.INT()])
def split_words(line):
    """Several rows per line, none for an empty or NULL line."""
    for word in (line or "").split():
        yield word, len(word)


@udtf(result_types=[DataTypes.STRING(), DataTypes.INT()])
def as_rows(line):
    """Rows yielded as Row objects (and returned as a list, not a generator)."""
    return [Row(word=w.upper(), length=len(w)) for w in (line or "").split()]


class Repeat(TableFunction):
    def open(self, function_context):
        self.times = 2

    def eval(self, n):
        for i in range(self.times):
            yield n * 10 + i


@pytest.fixture(params=["batch", "streaming"])
def env(request):
    settings = (EnvironmentSettings.in_batch_mode() if request.param == "batch"
                else EnvironmentSettings.in_streaming_mode())
    env = TableEnvironment.create(settings)
    env.get_config().set("flowsql.exec.batch.max-rows", "2")
    env.execute_sql(f"CREATE TEMPORARY VIEW lines AS {LINES}")
    env.create_temporary_function("split_words", split_words)
    env.create_temporary_function("as_rows", as_rows)
    return env


def final_rows(env, sql):
    """The changelog applied: +I/+U add a row, -U/-D remove one (which must be there)."""
    rows = []
    for batch in env.execute_sql(sql).change_batches():
        for kind, row in batch.rows_with_kinds():
            if kind.value in (0, 2):
                rows.append(row)
            else:
                rows.remove(row)
    return sorted(rows, key=repr)


def test_cross_join_lateral_table_yields_several_rows_and_none(env):
    assert final_rows(env, "SELECT id, w, n FROM lines, LATERAL TABLE(split_words(line)) AS T(w, n)") == [
        (1, "a", 1), (1, "bb", 2), (4, "ccc", 3)]
    assert final_rows(env, "SELECT id, w FROM lines CROSS JOIN LATERAL TABLE(split_words(line)) AS T(w, n)") == [
        (1, "a"), (1, "bb"), (4, "ccc")]


def test_left_join_lateral_table_keeps_rows_without_results(env):
    sql = "SELECT id, w, n FROM lines LEFT JOIN LATERAL TABLE(split_words(line)) AS T(w, n) ON TRUE"
    assert final_rows(env, sql) == [(1, "a", 1), (1, "bb", 2), (2, None, None), (3, None, None), (4, "ccc", 3)]


def test_row_results_and_default_column_names(env):
    result = env.execute_sql("SELECT * FROM lines, LATERAL TABLE(as_rows(line)) WHERE id = 1")
    assert result.get_table_schema().get_field_names() == ["id", "line", "f0", "f1"]
    assert final_rows(env, "SELECT id, f0, f1 FROM lines, LATERAL TABLE(as_rows(line))") == [
        (1, "A", 1), (1, "BB", 2), (4, "CCC", 3)]


def test_inner_join_condition_filters_and_functions_compose(env):
    sql = ("SELECT id, w FROM lines JOIN LATERAL TABLE(split_words(UPPER(line))) AS T(w, n) ON n > 1 "
           "WHERE id < 4")
    assert final_rows(env, sql) == [(1, "BB")]


def test_table_function_class_with_open_registered_in_sql(env):
    env.create_temporary_function("repeat_ten", udtf(Repeat(), result_types=[DataTypes.INT()]))
    assert final_rows(env, "SELECT id, r FROM lines, LATERAL TABLE(repeat_ten(id)) AS T(r) WHERE id < 3") == [
        (1, 10), (1, 11), (2, 20), (2, 21)]


def test_table_function_registered_by_path(env):
    env.execute_sql("CREATE TEMPORARY FUNCTION words AS 'tests.table_api.udf_module.words' LANGUAGE PYTHON")
    assert final_rows(env, "SELECT id, w FROM lines, LATERAL TABLE(words(line)) AS T(w)") == [
        (1, "a"), (1, "bb"), (4, "ccc")]


def test_join_lateral_in_the_table_api(env):
    t = env.from_path("lines")
    joined = t.join_lateral(split_words(col("line")).alias("w", "n")).select(col("id"), col("w"))
    assert sorted(tuple(r.values()) for r in joined.to_arrow().to_pylist()) == [(1, "a"), (1, "bb"), (4, "ccc")]
    left = t.left_outer_join_lateral(split_words(col("line")).alias("w", "n")).select(col("id"), col("n"))
    assert sorted(tuple(r.values()) for r in left.to_arrow().to_pylist()) == [
        (1, 1), (1, 2), (2, None), (3, None), (4, 3)]


def test_updating_input_retracts_the_rows_it_made():
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("flowsql.exec.batch.max-rows", "1")
    env.create_temporary_function("split_words", split_words)
    sql = ("SELECT k, w FROM (SELECT k, LISTAGG(s, ' ') AS line FROM (VALUES (1, 'a'), (1, 'b'), (2, 'c')) "
           "AS v(k, s) GROUP BY k) AS g, LATERAL TABLE(split_words(line)) AS T(w, n)")
    changes = [(kind.shortString() if hasattr(kind, "shortString") else kind.name, row)
               for batch in env.execute_sql(sql).change_batches() for kind, row in batch.rows_with_kinds()]
    assert ("UPDATE_BEFORE", (1, "a")) in changes and ("UPDATE_AFTER", (1, "b")) in changes
    assert final_rows(env, sql) == [(1, "a"), (1, "b"), (2, "c")]
    plan = env.explain_sql(sql)
    assert "Correlate(invocation=[split_words(line)]" in plan
    assert "joinType=[INNER], changelogMode=[I,UB,UA,D])" in plan


def test_explain_shows_the_correlate_and_its_changelog_mode(env):
    plan = env.explain_sql("SELECT id, w FROM lines LEFT JOIN LATERAL TABLE(split_words(line)) AS T(w, n) ON TRUE")
    assert ("Correlate(invocation=[split_words(line)], correlate=[table(split_words(line))], "
            "select=[id, line, w, n], rowType=[RecordType(INT NOT NULL id, STRING line, STRING w, INT n)], "
            "joinType=[LEFT]") in plan
    assert "joinType=[LEFT], changelogMode=[I])" in plan


def test_conditions_on_the_input_alone_are_pushed_below_the_correlate(env):
    plan = env.explain_sql("SELECT id, w FROM lines, LATERAL TABLE(split_words(line)) AS T(w, n) "
                           "WHERE id > 1 AND n > 1")
    physical = plan.split("== Optimized Physical Plan ==")[1]
    correlate_line = next(line for line in physical.splitlines() if "Correlate(" in line)
    below = physical.split(correlate_line)[1]
    assert "where=[(n > 1)]" in physical.split(correlate_line)[0]
    assert "where=[(id > 1)]" in below
    assert final_rows(env, "SELECT id, w FROM lines, LATERAL TABLE(split_words(line)) AS T(w, n) "
                           "WHERE id > 1 AND n > 1") == [(4, "ccc")]


@pytest.mark.parametrize("sql, message, column", [
    ("SELECT * FROM lines, LATERAL TABLE(split_words(id, line)) AS T(w, n)", "cannot take 2 argument(s)", 36),
    ("SELECT * FROM lines, LATERAL TABLE(split_wrds(line)) AS T(w, n)", "no table function named split_wrds", 36),
    ("SELECT * FROM lines, LATERAL TABLE(plus_one(id)) AS T(x)", "plus_one is a scalar function", 36),
    ("SELECT * FROM lines, LATERAL TABLE(split_words(line)) AS T(w)", "1 column aliases given for the 2", 58),
    ("SELECT * FROM lines, LATERAL (SELECT 1) AS T(x)", "LATERAL subqueries are not supported", None),
    ("SELECT * FROM lines RIGHT JOIN LATERAL TABLE(split_words(line)) AS T(w, n) ON TRUE", "RIGHT JOIN", None),
])
def test_errors_are_positioned(env, sql, message, column):
    env.create_temporary_function("plus_one", udf(lambda x: x + 1, result_type=DataTypes.INT()))
    with pytest.raises(ValidationError) as info:
        env.execute_sql(sql)
    assert message in str(info.value)
    assert info.value.line == 1 and info.value.column is not None
    if column is not None:
        assert info.value.column == column
    assert info.value.hint


def test_did_you_mean_a_registered_table_function(env):
    with pytest.raises(ValidationError, match="did you mean 'split_words'"):
        env.execute_sql("SELECT * FROM lines, LATERAL TABLE(split_wrds(line)) AS T(w, n)")


def test_a_failing_table_function_names_itself_and_its_arguments(env):
    @udtf(result_types=[DataTypes.INT()])
    def broken(line):
        yield int(line)

    env.create_temporary_function("broken", broken)
    with pytest.raises(ExecutionError, match=r"Python table function 'broken' failed on arguments \('a bb'\)"):
        final_rows(env, "SELECT * FROM lines, LATERAL TABLE(broken(line)) AS T(x)")


def test_a_row_of_the_wrong_width_is_reported(env):
    @udtf(result_types=[DataTypes.STRING(), DataTypes.INT()])
    def too_narrow(line):
        yield "x"

    env.create_temporary_function("too_narrow", too_narrow)
    with pytest.raises(ExecutionError, match="yielded 'x' but declares 2 result columns"):
        final_rows(env, "SELECT * FROM lines, LATERAL TABLE(too_narrow(line)) AS T(a, b)")


# -- the UNNEST kernel ------------------------------------------------------------------------------

def test_unnest_of_a_multiset_gives_each_occurrence():
    t = parse_type("MULTISET<STRING>")
    multisets = pa.array([["a", "a", "b"], None, [], ["c"]], t.to_arrow())
    parents, (elements,) = unnest(multisets, left=False, ordinality=False)
    assert parents.tolist() == [0, 0, 0, 3]
    assert elements.to_pylist() == ["a", "a", "b", "c"]
    parents, (elements, positions) = unnest(multisets, left=True, ordinality=True)
    assert parents.tolist() == [0, 0, 0, 1, 2, 3]
    assert elements.to_pylist() == ["a", "a", "b", None, None, "c"]
    assert positions.to_pylist() == [1, 2, 3, None, None, 1]


def test_unnest_of_a_map_gives_keys_and_values():
    t = parse_type("MAP<STRING, INT>")
    maps = pa.array([[("k", 1), ("j", None)], None], t.to_arrow())
    parents, (keys, values) = unnest(maps, left=True, ordinality=False)
    assert parents.tolist() == [0, 0, 1]
    assert keys.to_pylist() == ["k", "j", None] and values.to_pylist() == [1, None, None]


def test_unnest_of_a_sliced_array_of_rows_reads_only_its_own_elements():
    t = parse_type("ARRAY<ROW<x INT, y STRING>>")
    arrays = pa.array([[{"x": 0, "y": "skip"}], [{"x": 1, "y": "a"}, None], None, [{"x": 2, "y": None}]],
                      t.to_arrow()).slice(1)
    parents, (xs, ys, positions) = unnest(arrays, left=True, ordinality=True)
    assert parents.tolist() == [0, 0, 1, 2]
    assert xs.to_pylist() == [1, None, None, 2]
    assert ys.to_pylist() == ["a", None, None, None]
    assert positions.to_pylist() == [1, 2, None, 1]


def test_unnest_keeps_the_input_order_for_row_kinds():
    t = parse_type("ARRAY<INT>")
    parents, _ = unnest(pa.array([[1, 2], [], [3]], t.to_arrow()), left=True, ordinality=False)
    assert np.all(np.diff(parents) >= 0)
