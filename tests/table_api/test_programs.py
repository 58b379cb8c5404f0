"""Typical PyFlink Table API programs, with only the imports changed, and Flink's results."""

import io
import json

import pandas as pd
from flowsql.table import DataTypes, EnvironmentSettings, Schema, TableDescriptor, TableEnvironment
from flowsql.table.expressions import UNBOUNDED_RANGE, col, lit
from flowsql.table.udf import udf, udtf
from flowsql.table.window import Over, Tumble


def test_word_count_over_a_file(tmp_path, final_rows):
    """The PyFlink word-count example, one word a line (no table function needed)."""
    source = tmp_path / "words.csv"
    source.write_text("flink\nflowsql\nflink\nsql\nflink\n")
    t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    t_env.create_temporary_table("source", TableDescriptor.for_connector("filesystem")
                                 .schema(Schema.new_builder().column("word", DataTypes.STRING()).build())
                                 .option("path", str(source)).format("csv").build())
    tab = t_env.from_path("source")
    result = tab.group_by(col("word")).select(col("word"), lit(1).count.alias("count"))
    assert final_rows(result) == [("flink", 3), ("flowsql", 1), ("sql", 1)]


def test_word_count_with_a_table_function(tmp_path, final_rows):
    source = tmp_path / "lines.csv"
    source.write_text("to be or\nnot to be\n")
    t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    t_env.create_temporary_table("source", TableDescriptor.for_connector("filesystem")
                                 .schema(Schema.new_builder().column("line", DataTypes.STRING()).build())
                                 .option("path", str(source)).format("csv").build())

    @udtf(result_types=[DataTypes.STRING()])
    def split(line: str):
        yield from line.split()

    counts = (t_env.from_path("source").flat_map(split(col("line"))).alias("word")
              .group_by(col("word")).select(col("word"), lit(1).count.alias("count")))
    assert final_rows(counts) == [("be", 2), ("not", 1), ("or", 1), ("to", 2)]


def test_json_processing_with_json_value_and_a_udf(final_rows):
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    table = t_env.from_elements(
        elements=[(1, '{"name": "Flink", "tel": 123, "addr": {"country": "Germany", "city": "Berlin"}}'),
                  (2, '{"name": "hello", "tel": 135, "addr": {"country": "China", "city": "Shanghai"}}'),
                  (3, '{"name": "world", "tel": 124, "addr": {"country": "USA", "city": "NewYork"}}'),
                  (4, '{"name": "PyFlink", "tel": 32, "addr": {"country": "China", "city": "Hangzhou"}}')],
        schema=["id", "data"])

    @udf(result_type=DataTypes.STRING())
    def update_tel(data):
        json_data = json.loads(data)
        json_data["tel"] += 1
        return json.dumps(json_data)

    table = table.select(col("id"), update_tel(col("data")).alias("data"))
    result = table.select(col("id"), col("data").json_value("$.tel", DataTypes.BIGINT()).alias("tel"),
                          col("data").json_value("$.addr.city").alias("city"))
    assert final_rows(result) == [(1, 124, "Berlin"), (2, 136, "Shanghai"), (3, 125, "NewYork"), (4, 33, "Hangzhou")]


def test_group_by_with_retractions_printed(stream_env):
    table = stream_env.from_elements([("a", 1), ("b", 2), ("a", 3)], ["k", "v"])
    out = io.StringIO()
    table.group_by(col("k")).select(col("k"), col("v").sum.alias("total")).execute().print(out)
    assert out.getvalue() == (
        "+----+--------------------------------+----------------------+\n"
        "| op |                              k |                total |\n"
        "+----+--------------------------------+----------------------+\n"
        "| +I |                              a |                    1 |\n"
        "| +I |                              b |                    2 |\n"
        "| -U |                              a |                    1 |\n"
        "| +U |                              a |                    4 |\n"
        "+----+--------------------------------+----------------------+\n"
        "4 rows in set\n")


def test_group_by_changelog_collected_with_row_kinds(stream_env):
    table = stream_env.from_elements([("a", 1), ("a", 3)], ["k", "v"])
    with table.group_by(col("k")).select(col("k"), col("v").sum.alias("total")).execute().collect() as results:
        changes = [(r.get_row_kind().short_string, tuple(r)) for r in results]
    assert changes == [("+I", ("a", 1)), ("-U", ("a", 1)), ("+U", ("a", 4))]


def test_pandas_conversion_both_ways(env):
    pdf = pd.DataFrame({"id": [1, 2, 3], "name": ["x", "y", "z"], "score": [1.5, 2.5, None]})
    table = env.from_pandas(pdf)
    assert [str(t) for t in table.get_schema().get_field_data_types()] == ["BIGINT", "STRING", "DOUBLE"]
    back = table.where(col("id") > 1).select(col("id"), col("name"), col("score")).to_pandas()
    assert back["id"].tolist() == [2, 3]
    assert back["name"].tolist() == ["y", "z"]
    assert back["score"].tolist()[0] == 2.5 and pd.isna(back["score"].tolist()[1])


def test_multiple_sinks_through_a_statement_set(tmp_path, final_rows):
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    source = t_env.from_elements([(1, "a"), (2, "b"), (3, "c")], ["id", "name"])
    for sink in ("small", "large"):
        t_env.create_temporary_table(sink, TableDescriptor.for_connector("filesystem")
                                     .schema(Schema.new_builder().column("id", DataTypes.BIGINT())
                                             .column("name", DataTypes.STRING()).build())
                                     .option("path", str(tmp_path / sink)).format("csv").build())
    t_env.create_temporary_view("src", source)
    statement_set = t_env.create_statement_set()
    statement_set.add_insert("small", source.where(col("id") < 2))
    statement_set.add_insert_sql("INSERT INTO large SELECT * FROM src WHERE id >= 2")
    assert "Sink" in statement_set.explain()
    statement_set.execute().wait()
    assert final_rows(t_env.from_path("small")) == [(1, "a")]
    assert final_rows(t_env.from_path("large")) == [(2, "b"), (3, "c")]


def _events(t_env, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("a,1,2024-01-01 10:00:00\nb,2,2024-01-01 10:03:00\na,3,2024-01-01 10:12:00\n"
                    "a,4,2024-01-01 10:25:00\n")
    t_env.create_temporary_table("events", TableDescriptor.for_connector("filesystem")
                                 .schema(Schema.new_builder().column("k", DataTypes.STRING())
                                         .column("v", DataTypes.BIGINT()).column("ts", DataTypes.TIMESTAMP(3))
                                         .watermark("ts", "ts - INTERVAL '1' SECOND").build())
                                 .option("path", str(path)).format("csv").build())
    return t_env.from_path("events")


def test_windowed_aggregation_with_tumble(tmp_path, final_rows):
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    events = _events(t_env, tmp_path)
    result = (events.window(Tumble.over(lit(10).minutes).on(col("ts")).alias("w"))
              .group_by(col("w"), col("k"))
              .select(col("k"), col("w").start.alias("start"), col("w").end.alias("end"), col("v").sum.alias("s")))
    got = [(k, str(s), str(e), v) for k, s, e, v in final_rows(result)]
    assert got == [("a", "2024-01-01 10:00:00", "2024-01-01 10:10:00", 1),
                   ("a", "2024-01-01 10:10:00", "2024-01-01 10:20:00", 3),
                   ("a", "2024-01-01 10:20:00", "2024-01-01 10:30:00", 4),
                   ("b", "2024-01-01 10:00:00", "2024-01-01 10:10:00", 2)]


def test_over_window_running_sum(tmp_path, final_rows):
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    events = _events(t_env, tmp_path)
    result = (events.over_window(Over.partition_by(col("k")).order_by(col("ts")).preceding(UNBOUNDED_RANGE)
                                 .alias("w"))
              .select(col("k"), col("v"), col("v").sum.over(col("w")).alias("running")))
    assert final_rows(result) == [("a", 1, 1), ("a", 3, 4), ("a", 4, 8), ("b", 2, 2)]
