"""One test per Table method, run in batch and streaming mode."""

import pytest
from flowsql.common.errors import ValidationError
from flowsql.table.expressions import col, lit


@pytest.fixture
def orders(env):
    return env.from_elements([(1, "a", 10), (2, "b", 20), (3, "a", 30), (4, "c", None)], ["id", "k", "v"])


@pytest.fixture
def customers(env):
    return env.from_elements([("a", "Ann"), ("b", "Bob"), ("d", "Dan")], ["ck", "name"])


def test_select(orders, final_rows):
    assert final_rows(orders.select(col("id"), col("v") + 1)) == [(1, 11), (2, 21), (3, 31), (4, None)]
    assert orders.select(col("id"), col("v") + 1).get_schema().get_field_names() == ["id", "_c1"]


def test_select_star_and_strings(orders, final_rows):
    assert final_rows(orders.select(col("*"))) == final_rows(orders)
    assert final_rows(orders.select("id, v * 2 AS w").where(col("id") == 1)) == [(1, 20)]


def test_where_and_filter(orders, final_rows):
    assert final_rows(orders.where(col("v") > 10)) == [(2, "b", 20), (3, "a", 30)]
    assert final_rows(orders.filter(col("k") == "a").where(col("v") > 10)) == [(3, "a", 30)]


def test_group_by_select(orders, final_rows):
    result = orders.group_by(col("k")).select(col("k"), col("v").sum.alias("s"), col("id").count.alias("n"))
    assert final_rows(result) == [("a", 40, 2), ("b", 20, 1), ("c", None, 1)]


def test_global_aggregate(orders, final_rows):
    assert final_rows(orders.select(col("v").max.alias("m"), col("v").avg.alias("a"))) == [(30, 20)]


def test_distinct(orders, final_rows):
    assert final_rows(orders.select(col("k")).distinct()) == [("a",), ("b",), ("c",)]


def test_join(orders, customers, final_rows):
    result = orders.join(customers, col("k") == col("ck")).select(col("id"), col("name"))
    assert final_rows(result) == [(1, "Ann"), (2, "Bob"), (3, "Ann")]


def test_join_then_where(orders, customers, final_rows):
    result = orders.join(customers).where(col("k") == col("ck")).select(col("id"), col("name"))
    assert final_rows(result) == [(1, "Ann"), (2, "Bob"), (3, "Ann")]


def test_outer_joins(orders, customers, final_rows):
    left = orders.left_outer_join(customers, col("k") == col("ck")).select(col("id"), col("name"))
    assert final_rows(left) == [(1, "Ann"), (2, "Bob"), (3, "Ann"), (4, None)]
    right = orders.right_outer_join(customers, col("k") == col("ck")).select(col("id"), col("name"))
    assert final_rows(right) == [(1, "Ann"), (2, "Bob"), (3, "Ann"), (None, "Dan")]
    full = orders.full_outer_join(customers, col("k") == col("ck")).select(col("id"), col("name"))
    assert len(final_rows(full)) == 5


def test_outer_join_needs_a_condition(orders, customers):
    with pytest.raises(ValidationError):
        orders.left_outer_join(customers)


def test_set_operations(env, final_rows):
    a = env.from_elements([(1,), (2,), (2,), (3,)], ["x"])
    b = env.from_elements([(2,), (3,), (4,)], ["x"])
    assert final_rows(a.union(b)) == [(1,), (2,), (3,), (4,)]
    assert final_rows(a.union_all(b)) == [(1,), (2,), (2,), (2,), (3,), (3,), (4,)]
    assert final_rows(a.intersect(b)) == [(2,), (3,)]
    assert final_rows(a.intersect_all(b)) == [(2,), (3,)]
    assert final_rows(a.minus(b)) == [(1,)]
    assert final_rows(a.minus_all(b)) == [(1,), (2,)]


def test_order_by_limit_offset_fetch(batch_env):
    t = batch_env.from_elements([(3,), (1,), (2,), (5,), (4,)], ["x"])
    values = lambda table: [r[0] for r in table.execute().collect()]
    assert values(t.order_by(col("x").desc).limit(2)) == [5, 4]
    assert values(t.order_by(col("x")).offset(1).fetch(2)) == [2, 3]
    assert values(t.order_by(col("x").asc()).limit(2, 3)) == [4, 5]


def test_add_columns(orders, final_rows):
    result = orders.add_columns((col("v") * 2).alias("w"), lit("x"))
    assert result.get_schema().get_field_names() == ["id", "k", "v", "w", "_c4"]
    assert final_rows(result.where(col("id") == 1)) == [(1, "a", 10, 20, "x")]
    with pytest.raises(ValidationError, match="already exists"):
        orders.add_columns(lit(1).alias("v"))


def test_add_or_replace_columns(orders, final_rows):
    result = orders.add_or_replace_columns((col("v") * 2).alias("v"), lit(7).alias("z"))
    assert result.get_schema().get_field_names() == ["id", "k", "v", "z"]
    assert final_rows(result.where(col("id") == 1)) == [(1, "a", 20, 7)]


def test_rename_columns(orders):
    result = orders.rename_columns(col("k").alias("key"), col("v").alias("value"))
    assert result.get_schema().get_field_names() == ["id", "key", "value"]
    with pytest.raises(ValidationError, match="no column"):
        orders.rename_columns(col("nope").alias("x"))


def test_drop_columns(orders):
    assert orders.drop_columns(col("k")).get_schema().get_field_names() == ["id", "v"]


def test_alias(orders, final_rows):
    renamed = orders.alias("a", "b", "c")
    assert renamed.get_schema().get_field_names() == ["a", "b", "c"]
    assert final_rows(renamed.where(col("a") == 2)) == [(2, "b", 20)]


def test_map_with_a_row_udf(orders, final_rows):
    from flowsql.table import DataTypes
    from flowsql.table.row import Row
    from flowsql.table.udf import udf

    @udf(result_type=DataTypes.ROW([DataTypes.FIELD("id2", DataTypes.BIGINT()),
                                    DataTypes.FIELD("k2", DataTypes.STRING())]))
    def swap(i, k):
        return Row(i * 2, k.upper())

    result = orders.map(swap(col("id"), col("k")))
    assert result.get_schema().get_field_names() == ["id2", "k2"]
    assert final_rows(result) == [(2, "A"), (4, "B"), (6, "A"), (8, "C")]


def test_execute_insert(env, tmp_path, final_rows):
    env.execute_sql(f"CREATE TABLE sink (id BIGINT, k STRING) WITH ('connector' = 'filesystem', "
                    f"'path' = '{tmp_path}', 'format' = 'csv')")
    source = env.from_elements([(1, "a"), (2, "b")], ["id", "k"])
    source.execute_insert("sink").wait()
    assert final_rows(env.from_path("sink")) == [(1, "a"), (2, "b")]


def test_explain(orders):
    text = orders.where(col("v") > 10).select(col("id")).explain()
    assert "== Abstract Syntax Tree ==" in text and "Filter" in text


def test_print_schema_and_get_schema(orders, capsys):
    orders.print_schema()
    assert capsys.readouterr().out == "(\n  `id` BIGINT,\n  `k` STRING,\n  `v` BIGINT\n)\n"
    schema = orders.get_schema()
    assert schema.get_field_names() == ["id", "k", "v"]


def test_to_arrow_and_to_pandas(orders):
    arrow = orders.where(col("id") < 3).to_arrow()
    assert arrow.column_names == ["id", "k", "v"] and arrow.num_rows == 2
    assert orders.where(col("id") < 3).to_pandas()["k"].tolist() == ["a", "b"]


def test_to_polars(orders):
    import polars as pl
    frame = orders.where(col("id") < 3).to_polars()
    assert isinstance(frame, pl.DataFrame) and frame["id"].to_list() == [1, 2]


def test_repr_html(orders):
    html = orders.where(col("id") == 1)._repr_html_()
    assert html.startswith("<table>") and "<th>k</th>" in html and "<td>a</td>" in html


def test_str_registers_the_table_for_sql(env, orders, final_rows):
    filtered = orders.where(col("v") >= 20)
    assert final_rows(env.sql_query(f"SELECT id FROM {filtered}")) == [(2,), (3,)]
    assert not any(n.startswith("UnnamedTable") for n in env.list_tables())


def test_unknown_column_is_reported_at_the_step(orders):
    with pytest.raises(ValidationError, match="column 'nope' not found"):
        orders.select(col("nope"))
