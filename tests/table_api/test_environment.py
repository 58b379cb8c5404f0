"""TableEnvironment's Table API methods, DataTypes / Schema / descriptors, and TableResult."""

import datetime as dt
import decimal

import pyarrow as pa
import pytest
from flowsql.common.errors import ValidationError
from flowsql.datastream import StreamExecutionEnvironment
from flowsql.table import (
    DataTypes,
    EnvironmentSettings,
    ExplainDetail,
    FormatDescriptor,
    ResultKind,
    Row,
    RowKind,
    Schema,
    StreamTableEnvironment,
    TableDescriptor,
    TableEnvironment,
)
from flowsql.table.expressions import col


def types_of(table):
    return [str(t) for t in table.get_schema().get_field_data_types()]


def test_from_elements_infers_pyflink_types(batch_env, final_rows):
    t = batch_env.from_elements([(1, "a", 1.5, True, dt.date(2024, 1, 1), decimal.Decimal("1.5"))])
    assert t.get_schema().get_field_names() == ["_1", "_2", "_3", "_4", "_5", "_6"]
    assert types_of(t) == ["BIGINT", "STRING", "DOUBLE", "BOOLEAN", "DATE", "DECIMAL(38, 18)"]


def test_from_elements_with_names_row_type_and_rows(batch_env, final_rows):
    named = batch_env.from_elements([Row(a=1, b="x"), Row(a=2, b="y")])
    assert named.get_schema().get_field_names() == ["a", "b"]
    typed = batch_env.from_elements(
        [(1, ["x", "y"], {"k": 1}, Row(3, "z"))],
        DataTypes.ROW([DataTypes.FIELD("i", DataTypes.INT(False)),
                       DataTypes.FIELD("arr", DataTypes.ARRAY(DataTypes.STRING())),
                       DataTypes.FIELD("m", DataTypes.MAP(DataTypes.STRING(), DataTypes.INT())),
                       DataTypes.FIELD("r", DataTypes.ROW([DataTypes.FIELD("p", DataTypes.INT()),
                                                            DataTypes.FIELD("q", DataTypes.STRING())]))]))
    assert types_of(typed) == ["INT NOT NULL", "ARRAY<STRING>", "MAP<STRING, INT>", "ROW<`p` INT, `q` STRING>"]
    assert final_rows(typed.select(col("i"), col("arr")[1], col("m")["k"], col("r").get("q"))) == [(1, "x", 1, "z")]


def test_from_arrow_scans_in_place(env, final_rows):
    data = pa.table({"x": pa.array(range(100_000), pa.int64()), "y": pa.array(["v"] * 100_000)})
    table = env.from_arrow(data)
    assert types_of(table) == ["BIGINT", "STRING"]
    assert final_rows(table.select(col("x").count.alias("n"), col("x").sum.alias("s"))) == [(100_000, 4_999_950_000)]
    assert len(table._sql()) < 200  # no giant VALUES text


def test_from_pandas_with_schema_names(env, final_rows):
    import pandas as pd

    table = env.from_pandas(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), ["id", "name"])
    assert final_rows(table) == [(1, "x"), (2, "y")]


def test_views_and_listing(batch_env, final_rows):
    t = batch_env.from_elements([(1, "a")], ["id", "k"])
    batch_env.create_temporary_view("v", t)
    assert final_rows(batch_env.sql_query("SELECT k FROM v")) == [("a",)]
    assert batch_env.list_tables() == ["v"]
    assert batch_env.list_temporary_views() == ["v"]
    assert batch_env.drop_temporary_view("v") is True
    assert batch_env.list_tables() == []
    batch_env.create_temporary_view("w", t, col("x"), col("y"))
    assert batch_env.from_path("w").get_schema().get_field_names() == ["x", "y"]


def test_descriptor_renders_ddl_and_creates_tables(batch_env, tmp_path, final_rows):
    (tmp_path / "in.csv").write_text("1|a\n2|b\n")
    descriptor = (TableDescriptor.for_connector("filesystem")
                  .schema(Schema.new_builder().column("id", DataTypes.INT()).column("k", "STRING")
                          .column_by_expression("id2", "id * 2").primary_key("id").build())
                  .option("path", str(tmp_path / "in.csv"))
                  .format(FormatDescriptor.for_format("csv").option("field-delimiter", "|").build())
                  .build())
    ddl = descriptor.to_ddl("`t`", temporary=True)
    assert "`id2` AS id * 2" in ddl and "'csv.field-delimiter' = '|'" in ddl and "PRIMARY KEY (`id`)" in ddl
    batch_env.create_temporary_table("t", descriptor)
    assert final_rows(batch_env.from_path("t")) == [(1, "a", 2), (2, "b", 4)]
    assert batch_env.drop_temporary_table("t") is True
    assert final_rows(batch_env.from_descriptor(descriptor).select(col("k"))) == [("a",), ("b",)]


def test_create_table_permanent_and_list(batch_env, tmp_path):
    batch_env.create_table("perm", TableDescriptor.for_connector("blackhole")
                           .schema(Schema.new_builder().column("a", DataTypes.INT()).build()).build())
    assert "perm" in batch_env.list_tables()


def test_sql_query_and_explain_sql(batch_env):
    batch_env.execute_sql("CREATE TABLE s (a INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3')")
    table = batch_env.sql_query("SELECT a + 1 AS b FROM s")
    assert table.get_schema().get_field_names() == ["b"]
    assert "TableScan" in batch_env.explain_sql("SELECT a FROM s", ExplainDetail.CHANGELOG_MODE)
    with pytest.raises(ValidationError, match="takes a query"):
        batch_env.sql_query("CREATE TABLE x (a INT)")


def test_stream_table_environment_from_a_stream_environment():
    s_env = StreamExecutionEnvironment.get_execution_environment()
    s_env.set_parallelism(1)
    t_env = StreamTableEnvironment.create(s_env)
    assert isinstance(t_env, TableEnvironment)
    assert t_env.get_config().get("parallelism.default") == "1"
    assert StreamTableEnvironment.create(environment_settings=EnvironmentSettings.in_streaming_mode())


def test_table_result_api(stream_env):
    t = stream_env.from_elements([(1,), (2,)], ["x"])
    result = t.execute()
    assert result.get_result_kind() == ResultKind.SUCCESS_WITH_CONTENT
    assert result.get_table_schema().get_field_names() == ["x"]
    with result.collect() as it:
        first = next(it)
    assert first == Row(1) and first.get_row_kind() == RowKind.INSERT and first.x == 1
    assert first.as_dict() == {"x": 1}


def test_job_client_and_wait(stream_env, tmp_path):
    stream_env.execute_sql(f"CREATE TABLE out (x BIGINT) WITH ('connector' = 'filesystem', 'path' = '{tmp_path}', "
                           f"'format' = 'csv')")
    result = stream_env.from_elements([(1,), (2,)], ["x"]).execute_insert("out")
    client = result.get_job_client()
    result.wait()
    assert client.get_job_status().value == "FINISHED" and client.get_job_id()
    assert stream_env.execute_sql("SHOW TABLES").get_job_client() is None


def test_data_types_nullability():
    assert str(DataTypes.INT(False)) == "INT NOT NULL"
    assert str(DataTypes.DECIMAL(10, 2)) == "DECIMAL(10, 2)"
    assert str(DataTypes.TIMESTAMP(3)) == "TIMESTAMP(3)"
    assert str(DataTypes.TIMESTAMP_LTZ(3)) == "TIMESTAMP_LTZ(3)"
    assert str(DataTypes.ARRAY(DataTypes.STRING(False))) == "ARRAY<STRING NOT NULL>"
    assert str(DataTypes.INTERVAL(DataTypes.DAY(), DataTypes.SECOND(3))) == "INTERVAL SECOND(3)"
    assert str(DataTypes.ROW([DataTypes.FIELD("a", DataTypes.BIGINT())], False)) == "ROW<`a` BIGINT> NOT NULL"


def test_import_is_light():
    import subprocess
    import sys

    code = "import flowsql.table, sys; print(any(m in sys.modules for m in ('pandas', 'polars')))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False).stdout.strip() == "False"
