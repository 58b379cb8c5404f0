"""The expression DSL, family by family, evaluated against the engine."""

import datetime as dt
import decimal

import pytest
from flowsql.table import DataTypes
from flowsql.table.expressions import (
    TimeIntervalUnit,
    and_,
    call,
    call_sql,
    coalesce,
    col,
    concat,
    concat_ws,
    if_then_else,
    lit,
    null_of,
    range_,
    row,
    with_columns,
    without_columns,
)


@pytest.fixture
def t(batch_env):
    return batch_env.from_elements(
        [(7, 2, "  Hello ", 1.5, '{"a": {"b": 3}}', dt.datetime(2024, 3, 15, 10, 30, 45))],
        DataTypes.ROW([DataTypes.FIELD("a", DataTypes.INT()), DataTypes.FIELD("b", DataTypes.INT()),
                       DataTypes.FIELD("s", DataTypes.STRING()), DataTypes.FIELD("d", DataTypes.DOUBLE()),
                       DataTypes.FIELD("j", DataTypes.STRING()), DataTypes.FIELD("ts", DataTypes.TIMESTAMP(3))]))


def one(table, *exprs):
    (result,) = list(table.select(*exprs).execute().collect())
    return tuple(result)


def test_arithmetic(t):
    assert one(t, col("a") + col("b"), col("a") - 1, col("a") * col("b"), col("a") / col("b"), col("a") % col("b"),
               -col("a"), 10 - col("a"), 2 * col("b")) == (9, 6, 14, 3, 1, -7, 3, 4)
    assert one(t, col("d") * 2, (col("a") + 1) * 2, col("a") ** 2) == (3.0, 16, 49.0)


def test_comparison_and_logic(t):
    assert one(t, col("a") == 7, col("a") != 7, col("a") < 8, col("a") <= 6, col("a") > 1, col("a") >= 7) == (
        True, False, True, False, True, True)
    assert one(t, (col("a") > 1) & (col("b") > 5), (col("a") > 1) | (col("b") > 5), ~(col("a") > 1),
               and_(col("a") > 1, col("b") == 2)) == (False, True, False, True)


def test_null_predicates_in_between(t):
    assert one(t, col("a").is_null, col("a").is_not_null, null_of(DataTypes.INT()).is_null,
               col("a").in_(1, 7, 9), col("a").between(1, 5), col("a").not_between(1, 5)) == (
        False, True, True, True, False, True)


def test_cast_and_literals(t):
    assert one(t, col("a").cast(DataTypes.STRING()), lit("3").cast(DataTypes.INT()) + 1,
               lit(decimal.Decimal("1.25")), lit(True), lit(2.5), lit(dt.date(2024, 1, 2)),
               lit(5, DataTypes.BIGINT())) == ("7", 4, decimal.Decimal("1.25"), True, 2.5, dt.date(2024, 1, 2), 5)


def test_strings(t):
    assert one(t, col("s").trim(), col("s").upper_case, col("s").lower_case, col("s").char_length,
               col("s").trim().substring(2, 3), col("s").like("%ell%"), concat(col("s").trim(), "!"),
               concat_ws("-", "x", "y"), col("s").trim().replace("l", "L")) == (
        "Hello", "  HELLO ", "  hello ", 8, "ell", True, "Hello!", "x-y", "HeLLo")


def test_temporal(t):
    assert one(t, col("ts").extract(TimeIntervalUnit.YEAR), col("ts").extract(TimeIntervalUnit.MINUTE),
               col("ts").floor(TimeIntervalUnit.HOUR), col("ts") + lit(2).hours,
               col("ts") - lit(1).days, lit("2024-05-06").to_date) == (
        2024, 30, dt.datetime(2024, 3, 15, 10), dt.datetime(2024, 3, 15, 12, 30, 45),
        dt.datetime(2024, 3, 14, 10, 30, 45), dt.date(2024, 5, 6))


def test_json(t):
    assert one(t, col("j").json_value("$.a.b"), col("j").json_value("$.a.b", DataTypes.INT()),
               col("j").json_query("$.a")) == ("3", 3, '{"b":3}')


def test_conditional_and_calls(t):
    assert one(t, if_then_else(col("a") > 5, "big", "small"), coalesce(null_of(DataTypes.INT()), col("b")),
               call("ABS", -col("a")), call_sql("UPPER(s)"), col("d").round(0), col("a").if_null(0)) == (
        "big", 2, 7, "  HELLO ", 2.0, 7)


def test_row_and_field_access(t):
    (value,) = one(t, row(col("a"), "x"))
    assert list(value.values()) == [7, "x"]


def test_aggregates(batch_env):
    t = batch_env.from_elements([("a", 1), ("a", 3), ("b", 5), ("b", 5)], ["k", "v"])
    result = t.group_by(col("k")).select(
        col("k"), col("v").sum, col("v").count, col("v").avg, col("v").min, col("v").max,
        col("v").count.distinct, col("v").count_distinct)
    assert sorted(tuple(r) for r in result.execute().collect()) == [("a", 4, 2, 2, 1, 3, 2, 2),
                                                                  ("b", 10, 2, 5, 5, 5, 1, 1)]


def test_column_ranges(t):
    assert t.select(with_columns(range_(1, 2))).get_schema().get_field_names() == ["a", "b"]
    assert t.select(without_columns(col("s"), col("j"))).get_schema().get_field_names() == ["a", "b", "d", "ts"]


def test_expressions_have_no_truth_value():
    with pytest.raises(TypeError, match="& | ~"):
        bool(col("a") > 1)


def test_sql_text_keeps_precedence():
    assert ((col("a") + 1) * 2).sql() == "(`a` + 1) * 2"
    assert (col("a").sum.over(col("w"))).sql().startswith("SUM(`a`) OVER")
