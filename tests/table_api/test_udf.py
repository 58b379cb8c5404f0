"""Python user-defined functions: general and pandas scalar functions, classes, SQL registration,
errors; table and aggregate functions."""

import sys
from pathlib import Path

import pytest
from flowsql.common.errors import ExecutionError, ValidationError
from flowsql.table import DataTypes, Row
from flowsql.table.expressions import call, col
from flowsql.table.udf import AggregateFunction, FunctionContext, ScalarFunction, udaf, udf, udtf


@pytest.fixture
def numbers(env):
    return env.from_elements([(1, "a"), (2, "b"), (None, "c")], ["n", "s"])


@udf(result_type=DataTypes.BIGINT())
def square(x):
    return None if x is None else x * x


@udf(result_type=DataTypes.BIGINT(), func_type="pandas")
def pandas_double(x):
    return x * 2


class Repeat(ScalarFunction):
    def open(self, function_context: FunctionContext):
        self.times = 2

    def eval(self, s, n):
        return s * (n or self.times)


def test_general_udf_in_the_table_api(numbers, final_rows):
    assert final_rows(numbers.select(col("s"), square(col("n")))) == [("a", 1), ("b", 4), ("c", None)]


def test_pandas_udf_is_vectorized(numbers, final_rows):
    calls = []

    @udf(result_type=DataTypes.BIGINT(), func_type="pandas")
    def counted(x):
        calls.append(len(x))
        return x + 1

    assert final_rows(numbers.select(pandas_double(col("n")), counted(col("n")))) == [(2, 2), (4, 3), (None, None)]
    assert sum(calls) == 3 and len(calls) <= 3


def test_scalar_function_class_with_open(numbers, final_rows):
    repeat = udf(Repeat(), result_type=DataTypes.STRING())
    assert final_rows(numbers.select(repeat(col("s"), col("n")))) == [("a",), ("bb",), ("cc",)]


def test_registered_udf_usable_from_sql(env, numbers, final_rows):
    env.create_temporary_view("numbers", numbers)
    env.create_temporary_function("square", square)
    env.create_temporary_system_function("twice", pandas_double)
    assert final_rows(env.sql_query("SELECT s, square(n), twice(n) FROM numbers WHERE n IS NOT NULL")) == [
        ("a", 1, 2), ("b", 4, 4)]
    assert final_rows(numbers.select(call("square", col("n")))) == [(1,), (4,), (None,)]
    assert "square" in env.list_user_defined_functions()


def test_function_registered_by_path_and_in_ddl(env, numbers, final_rows):
    root = str(Path(__file__).resolve().parents[2])
    if root not in sys.path:
        sys.path.insert(0, root)
    env.create_temporary_view("numbers", numbers)
    env.create_temporary_function("add_ten", "tests.table_api.udf_module.add_ten")
    env.execute_sql("CREATE TEMPORARY FUNCTION add_ten2 AS 'tests.table_api.udf_module.add_ten' LANGUAGE PYTHON")
    assert final_rows(env.sql_query("SELECT add_ten(n), add_ten2(n) FROM numbers")) == [
        (11, 11), (12, 12), (None, None)]


def test_udf_failure_names_function_arguments_and_traceback(env, numbers):
    @udf(result_type=DataTypes.BIGINT())
    def explode(x):
        return 10 // (x - 2)

    with pytest.raises(ExecutionError) as info:
        numbers.where(col("n") == 2).select(explode(col("n"))).to_pandas()
    text = str(info.value)
    assert "Python function 'explode' failed on arguments (2)" in text
    assert "ZeroDivisionError" in text and "Traceback" in text and "10 // (x - 2)" in text


def test_udf_without_result_type_is_rejected(numbers):
    @udf
    def untyped(x):
        return x

    with pytest.raises(ValidationError, match="declares no result type"):
        numbers.select(untyped(col("n")))


def test_input_types_coerce_arguments(numbers, final_rows):
    @udf(input_types=[DataTypes.STRING()], result_type=DataTypes.STRING())
    def describe(x):
        return f"<{x}>"

    assert final_rows(numbers.where(col("n") == 1).select(describe(col("n")))) == [("<1>",)]


class WeightedAvg(AggregateFunction):
    def create_accumulator(self):
        return [0, 0]

    def accumulate(self, acc, value, weight):
        acc[0] += value * weight
        acc[1] += weight

    def retract(self, acc, value, weight):
        acc[0] -= value * weight
        acc[1] -= weight

    def get_value(self, acc):
        return acc[0] // acc[1] if acc[1] else None

    def get_result_type(self):
        return DataTypes.BIGINT()

    def get_accumulator_type(self):
        return DataTypes.ARRAY(DataTypes.BIGINT())


def test_udaf_binds_to_an_aggregate_call(batch_env):
    weighted = udaf(WeightedAvg())
    t = batch_env.from_elements([("a", 1, 2), ("a", 4, 1)], ["k", "v", "w"])
    table = t.group_by(col("k")).select(col("k"), weighted(col("v"), col("w")).alias("avg"))
    assert table.get_schema().get_field_names() == ["k", "avg"]
    assert str(table.get_schema().get_field_data_types()[1]) == "BIGINT"
    assert "$udaf:WeightedAvg" in table.explain().split("== Optimized")[0]


def test_udaf_runs_with_retraction(stream_env):
    weighted = udaf(WeightedAvg())
    t = stream_env.from_elements([("a", 1, 2), ("a", 4, 1), ("b", 3, 3)], ["k", "v", "w"])
    table = t.group_by(col("k")).select(col("k"), weighted(col("v"), col("w")).alias("avg"))
    with table.execute().collect() as results:
        changes = [(r.get_row_kind().short_string, tuple(r)) for r in results]
    assert changes == [("+I", ("a", 1)), ("-U", ("a", 1)), ("+U", ("a", 2)), ("+I", ("b", 3))]
    # over an updating input the accumulator retracts
    sums = t.group_by(col("k")).select(col("v").sum.alias("s"))
    assert final_rows_of(sums.select(weighted(col("s"), 1).alias("avg"))) == [(4,)]


def test_pandas_udaf(stream_env):
    biggest = udaf(lambda s: s.max(), result_type=DataTypes.BIGINT(), func_type="pandas")
    t = stream_env.from_elements([("a", 1), ("a", 4), ("b", 3)], ["k", "v"])
    assert final_rows_of(t.group_by(col("k")).select(col("k"), biggest(col("v")))) == [("a", 4), ("b", 3)]


def test_aggregate_with_a_row_result(stream_env):
    class MinMax(AggregateFunction):
        def create_accumulator(self):
            return []

        def accumulate(self, acc, v):
            acc.append(v)

        def retract(self, acc, v):
            acc.remove(v)

        def get_value(self, acc):
            return Row(min(acc), max(acc))

    min_max = udaf(MinMax(), result_type=DataTypes.ROW([DataTypes.FIELD("lo", DataTypes.BIGINT()),
                                                         DataTypes.FIELD("hi", DataTypes.BIGINT())]))
    t = stream_env.from_elements([("a", 1), ("a", 4), ("b", 3)], ["k", "v"])
    result = t.group_by(col("k")).aggregate(min_max(col("v")).alias("lo", "hi")).select(col("k"), col("lo"), col("hi"))
    assert result.get_schema().get_field_names() == ["k", "lo", "hi"]
    assert final_rows_of(result) == [("a", 1, 4), ("b", 3, 3)]


def final_rows_of(table):
    from flowsql.table.conversion import result_to_arrow

    return sorted(tuple(r.values()) for r in result_to_arrow(table.execute()).to_pylist())


def test_udtf_join_lateral(batch_env, final_rows):
    @udtf(result_types=[DataTypes.STRING(), DataTypes.INT()])
    def split(s):
        for word in s.split(","):
            yield word, len(word)

    t = batch_env.from_elements([(1, "ab,c")], ["id", "line"])
    table = t.join_lateral(split(col("line")).alias("word", "length")).select(col("id"), col("word"), col("length"))
    assert final_rows(table) == [(1, "ab", 2), (1, "c", 1)]
    left = t.left_outer_join_lateral(split(col("line")).alias("word", "length"))
    assert len(final_rows(left)) == 2
