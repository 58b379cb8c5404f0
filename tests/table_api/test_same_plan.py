"""A Table API program and the equivalent SQL bind to the same logical plan (by construction:
the Table API builds the AST the SQL parses to)."""

import pytest
from flowsql.planner.logical import explain_tree
from flowsql.table import DataTypes, EnvironmentSettings, Schema, TableDescriptor, TableEnvironment
from flowsql.table.expressions import UNBOUNDED_RANGE, col, lit, row_interval
from flowsql.table.window import Over, Session, Slide, Tumble


@pytest.fixture
def t_env(tmp_path):
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    for name, columns in (("orders", [("id", DataTypes.BIGINT()), ("k", DataTypes.STRING()),
                                      ("v", DataTypes.INT()), ("ts", DataTypes.TIMESTAMP(3))]),
                          ("customers", [("ck", DataTypes.STRING()), ("name", DataTypes.STRING())])):
        schema = Schema.new_builder()
        for c, t in columns:
            schema.column(c, t)
        if name == "orders":
            schema.watermark("ts", "ts - INTERVAL '5' SECOND")
        env.create_temporary_table(name, TableDescriptor.for_connector("filesystem").schema(schema.build())
                                   .option("path", str(tmp_path / name)).format("csv").build())
    return env


def same_plan(table, t_env, sql):
    assert explain_tree(table._plan) == explain_tree(t_env.sql_query(sql)._plan)


def test_projection_and_filter(t_env):
    orders = t_env.from_path("orders")
    same_plan(orders.where(col("v") > 10).select(col("id"), (col("v") * 2).alias("w")), t_env,
              "SELECT id, v * 2 AS w FROM orders WHERE v > 10")


def test_filter_after_projection(t_env):
    orders = t_env.from_path("orders")
    same_plan(orders.select(col("id"), col("k").upper_case.alias("u")).where(col("u") == "A"), t_env,
              "SELECT * FROM (SELECT id, UPPER(k) AS u FROM orders) WHERE u = 'A'")


def test_group_by(t_env):
    orders = t_env.from_path("orders")
    same_plan(orders.group_by(col("k")).select(col("k"), col("v").sum.alias("s"), col("id").count.alias("n")),
              t_env, "SELECT k, SUM(v) AS s, COUNT(id) AS n FROM orders GROUP BY k")


def test_distinct_order_limit(t_env):
    orders = t_env.from_path("orders")
    same_plan(orders.select(col("k")).distinct(), t_env, "SELECT DISTINCT k FROM orders")
    same_plan(orders.order_by(col("v").desc).limit(3), t_env, "SELECT * FROM orders ORDER BY v DESC LIMIT 3")


def test_join(t_env):
    orders, customers = t_env.from_path("orders"), t_env.from_path("customers")
    same_plan(orders.join(customers, col("k") == col("ck")).select(col("id"), col("name")), t_env,
              "SELECT id, name FROM orders JOIN customers ON k = ck")
    same_plan(orders.left_outer_join(customers, col("k") == col("ck")).select(col("id"), col("name")), t_env,
              "SELECT id, name FROM orders LEFT JOIN customers ON k = ck")


def test_union_all(t_env):
    orders = t_env.from_path("orders")
    same_plan(orders.select(col("k")).union_all(orders.select(col("k"))), t_env,
              "SELECT k FROM orders UNION ALL SELECT k FROM orders")


def test_column_operations(t_env):
    orders = t_env.from_path("orders")
    same_plan(orders.add_columns((col("v") + 1).alias("v1")), t_env, "SELECT *, v + 1 AS v1 FROM orders")
    same_plan(orders.drop_columns(col("ts")), t_env, "SELECT id, k, v FROM orders")
    same_plan(orders.rename_columns(col("k").alias("key")), t_env, "SELECT id, k AS key, v, ts FROM orders")


def test_expression_families(t_env):
    orders = t_env.from_path("orders")
    same_plan(orders.select(col("k").substring(1, 2).alias("a"), col("v").cast(DataTypes.BIGINT()).alias("b"),
                            col("k").like("a%").alias("c"), col("v").in_(1, 2).alias("d"),
                            col("ts").extract("YEAR").alias("e"), col("v").between(1, 9).alias("f"),
                            col("k").json_value("$.x").alias("g"), col("k").is_null.alias("h")),
              t_env, "SELECT SUBSTRING(k, 1, 2) AS a, CAST(v AS BIGINT) AS b, k LIKE 'a%' AS c, v IN (1, 2) AS d, "
                     "EXTRACT(YEAR FROM ts) AS e, v BETWEEN 1 AND 9 AS f, JSON_VALUE(k, '$.x') AS g, "
                     "k IS NULL AS h FROM orders")


def test_tumble_window(t_env):
    orders = t_env.from_path("orders")
    table = (orders.window(Tumble.over(lit(10).minutes).on(col("ts")).alias("w")).group_by(col("w"), col("k"))
             .select(col("k"), col("w").start.alias("ws"), col("v").sum.alias("s")))
    same_plan(table, t_env, "SELECT k, window_start AS ws, SUM(v) AS s FROM TABLE(TUMBLE(TABLE orders, "
                            "DESCRIPTOR(ts), INTERVAL '10' MINUTE)) GROUP BY window_start, window_end, k")


def test_slide_and_session_windows(t_env):
    orders = t_env.from_path("orders")
    slide = (orders.window(Slide.over(lit(10).minutes).every(lit(5).minutes).on(col("ts")).alias("w"))
             .group_by(col("w")).select(col("w").end.alias("we"), col("v").max.alias("m")))
    same_plan(slide, t_env, "SELECT window_end AS we, MAX(v) AS m FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), "
                            "INTERVAL '5' MINUTE, INTERVAL '10' MINUTE)) GROUP BY window_start, window_end")
    session = (orders.window(Session.with_gap(lit(1).minutes).on(col("ts")).alias("w"))
               .group_by(col("w"), col("k")).select(col("k"), col("v").count.alias("n")))
    same_plan(session, t_env, "SELECT k, COUNT(v) AS n FROM TABLE(SESSION(TABLE orders PARTITION BY k, "
                              "DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k")


def test_over_window(t_env):
    orders = t_env.from_path("orders")
    table = orders.over_window(Over.partition_by(col("k")).order_by(col("ts")).preceding(UNBOUNDED_RANGE)
                               .alias("w")).select(col("k"), col("v").sum.over(col("w")).alias("s"))
    same_plan(table, t_env, "SELECT k, SUM(v) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING "
                            "AND CURRENT ROW) AS s FROM orders")
    rows_table = orders.over_window(Over.partition_by(col("k")).order_by(col("ts")).preceding(row_interval(2))
                                    .alias("w")).select(col("v").max.over(col("w")).alias("m"))
    same_plan(rows_table, t_env, "SELECT MAX(v) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND "
                                 "CURRENT ROW) AS m FROM orders")


def test_unnamed_expressions_are_named_like_pyflink(t_env):
    orders = t_env.from_path("orders")
    assert orders.select(col("id"), col("v") + 1).get_schema().get_field_names() == ["id", "_c1"]
    assert t_env.sql_query("SELECT id, v + 1 FROM orders").get_schema().get_field_names() == ["id", "EXPR$1"]
