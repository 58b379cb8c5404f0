"""Flink query syntax through ``FlinkDialect``, and the AST shapes the binder relies on."""

import pytest
import sqlglot
from sqlglot import exp

from flowsql.common.types import parse_type
from flowsql.planner.parser import FlinkDialect, WindowTableFunction, flink_type, parse_expression


def parse(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read=FlinkDialect)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT a, COUNT(DISTINCT b) FILTER (WHERE c > 1) FROM `t` GROUP BY a",
        "SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b DESC) AS rn FROM t",
        "SELECT SUM(x) OVER (PARTITION BY a ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t",
        (
            "SELECT SUM(x) OVER w FROM t WINDOW w AS (PARTITION BY a ORDER BY ts "
            "RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW)"
        ),
        "SELECT a, b FROM t GROUP BY GROUPING SETS ((a), (a, b), ())",
        "SELECT a FROM t GROUP BY ROLLUP (a, b)",
        "SELECT a FROM t GROUP BY CUBE (a, b)",
        "SELECT a FROM t UNION ALL SELECT a FROM u",
        "SELECT a FROM t INTERSECT ALL SELECT a FROM u EXCEPT SELECT a FROM v",
        "WITH c AS (SELECT 1 AS a) SELECT * FROM c",
        "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(x, y)",
        "SELECT a IS NOT DISTINCT FROM b, a IS DISTINCT FROM b, a SIMILAR TO 'x%' FROM t",
        "SELECT a LIKE 'x!%' ESCAPE '!', CASE WHEN a THEN 1 ELSE 2 END, CASE a WHEN 1 THEN 'x' END FROM t",
        "SELECT a FROM t WHERE a IN (SELECT b FROM u) AND EXISTS (SELECT 1 FROM v)",
        "SELECT * FROM a JOIN b ON a.k = b.k LEFT JOIN c ON a.k = c.k FULL OUTER JOIN d ON a.k = d.k",
        "SELECT a FROM t ORDER BY a DESC NULLS LAST LIMIT 10",
        "SELECT x'0A', 1e3, 1.5, TRUE, NULL FROM t",
    ],
)
def test_queries_parse_and_round_trip(sql):
    tree = parse(sql)
    assert parse(tree.sql(dialect=FlinkDialect)) == tree


def test_strings_escape_quotes_by_doubling_and_keep_backslashes():
    literals = parse(r"SELECT 'it''s', 'a\b'").expressions
    assert [lit.this for lit in literals] == ["it's", "a\\b"]


def test_identifiers_keep_case_and_quotes():
    select = parse("SELECT `Order`.`Value`, MyCol FROM `Order`")
    col = select.expressions[0]
    assert (col.table, col.name) == ("Order", "Value")
    assert select.expressions[1].name == "MyCol"


def test_functions_are_anonymous_calls_by_name():
    select = parse("SELECT UPPER(s), IF(a, 1, 2), COUNT(*), COUNT(DISTINCT x), my_udf(a, b) FROM t")
    calls = select.expressions
    assert all(isinstance(c, exp.Anonymous) for c in calls)
    assert [c.name for c in calls] == ["UPPER", "IF", "COUNT", "COUNT", "my_udf"]
    assert isinstance(calls[2].expressions[0], exp.Star)
    assert isinstance(calls[3].expressions[0], exp.Distinct)


def test_keyword_syntax_calls_become_positional():
    select = parse(
        "SELECT SUBSTRING(s FROM 1 FOR 2), POSITION('a' IN s), FLOOR(ts TO HOUR), "
        "OVERLAY(s PLACING 'x' FROM 1 FOR 2), TIMESTAMPADD(SECOND, 1, ts) FROM t"
    )
    sub, pos, floor, overlay, add = select.expressions
    assert sub.name == "SUBSTRING" and len(sub.expressions) == 3
    assert pos.name == "POSITION" and [e.sql() for e in pos.expressions] == ["'a'", "s"]
    assert floor.expressions[1] == exp.Var(this="HOUR")
    assert overlay.name == "OVERLAY" and len(overlay.expressions) == 4
    assert add.expressions[0] == exp.Var(this="SECOND")
    extract = parse("SELECT EXTRACT(YEAR FROM ts) FROM t").expressions[0]
    assert isinstance(extract, exp.Extract) and extract.name == "YEAR"


def test_casts_carry_flink_types():
    select = parse(
        "SELECT CAST(a AS DECIMAL(10, 2)), TRY_CAST(b AS INT), CAST(c AS TIMESTAMP(3) WITH LOCAL TIME ZONE), "
        "CAST(d AS ROW<x INT, y ARRAY<STRING>>), CAST(e AS MAP<STRING, BIGINT>), CAST(f AS STRING) FROM t"
    )
    casts = select.expressions
    assert isinstance(casts[0], exp.Cast) and not isinstance(casts[0], exp.TryCast)
    assert isinstance(casts[1], exp.TryCast)
    types = [flink_type(c.args["to"]) for c in casts]
    expected = ("DECIMAL(10, 2)", "INT", "TIMESTAMP_LTZ(3)", "ROW<x INT, y ARRAY<STRING>>",
                "MAP<STRING, BIGINT>", "STRING")
    assert types == [parse_type(t) for t in expected]


def test_typed_literals_and_intervals():
    ts, d, i1, i2, i3 = parse(
        "SELECT TIMESTAMP '2024-01-01 00:00:00', DATE '2024-01-01', INTERVAL '10' SECOND, "
        "INTERVAL '5' MINUTES, INTERVAL '1 2:03:04' DAY TO SECOND"
    ).expressions
    assert flink_type(ts.args["to"]).name == "TIMESTAMP" and ts.this.this == "2024-01-01 00:00:00"
    assert flink_type(d.args["to"]).name == "DATE"
    assert isinstance(i1, exp.Interval) and i1.this.this == "10" and i1.unit == exp.Var(this="SECOND")
    assert i2.unit == exp.Var(this="MINUTE")
    span = i3.args["unit"]
    assert isinstance(span, exp.IntervalSpan) and (span.this.name, span.expression.name) == ("DAY", "SECOND")


def test_constructors_and_access():
    arr, mp, row, idx, key, field = parse(
        "SELECT ARRAY[1, 2], MAP['a', 1, 'b', 2], ROW(1, 'a'), arr[1], m['k'], r.f FROM t"
    ).expressions
    assert isinstance(arr, exp.Array) and len(arr.expressions) == 2
    assert isinstance(mp, exp.VarMap)
    assert [k.this for k in mp.args["keys"].expressions] == ["a", "b"]
    assert isinstance(row, exp.Anonymous) and row.name == "ROW"
    assert isinstance(idx, exp.Bracket) and isinstance(key, exp.Bracket)
    assert isinstance(field, exp.Column) and (field.table, field.name) == ("r", "f")
    assert parse("SELECT MAP['a', 1] FROM t").sql(dialect=FlinkDialect) == "SELECT MAP['a', 1] FROM t"


def test_tumble_positional():
    tree = parse("SELECT * FROM TABLE(TUMBLE(TABLE db.bids, DESCRIPTOR(ts), INTERVAL '10' MINUTES))")
    tvf = tree.args["from_"].this
    assert isinstance(tvf, WindowTableFunction)
    assert tvf.args["kind"] == "TUMBLE"
    assert isinstance(tvf.this, exp.Table) and (tvf.this.db, tvf.this.name) == ("db", "bids")
    assert tvf.args["time_col"].name == "ts"
    assert tvf.args["size"].unit.name == "MINUTE"
    assert tvf.args.get("offset") is None
    assert tree.sql(dialect=FlinkDialect) == (
        "SELECT * FROM TABLE(TUMBLE(TABLE db.bids, DESCRIPTOR(ts), INTERVAL '10' MINUTE))"
    )


def test_hop_cumulate_session_and_named_arguments():
    hop = parse(
        "SELECT * FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '5' MINUTE, INTERVAL '10' MINUTE)) AS w"
    )
    tvf = hop.args["from_"].this
    assert (tvf.args["slide"].this.this, tvf.args["size"].this.this) == ("5", "10")
    assert tvf.alias == "w"
    cumulate = parse(
        "SELECT * FROM TABLE(CUMULATE(DATA => TABLE t, TIMECOL => DESCRIPTOR(ts), "
        "SIZE => INTERVAL '1' HOUR, STEP => INTERVAL '1' MINUTE))"
    ).args["from_"].this
    assert (cumulate.args["step"].this.this, cumulate.args["size"].this.this) == ("1", "1")
    assert cumulate.args["size"].unit.name == "HOUR"
    session = parse(
        "SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY k, DESCRIPTOR(ts), INTERVAL '5' MINUTE))"
    ).args["from_"].this
    assert [c.name for c in session.args["partition_by"]] == ["k"]
    assert session.args["gap"].this.this == "5"
    session2 = parse(
        "SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY (a, b), DESCRIPTOR(ts), INTERVAL '5' MINUTE))"
    ).args["from_"].this
    assert [c.name for c in session2.args["partition_by"]] == ["a", "b"]


def test_tumble_over_subquery_with_offset_and_a_join():
    tree = parse(
        "SELECT * FROM TABLE(TUMBLE((SELECT * FROM t), DESCRIPTOR(ts), INTERVAL '10' MINUTE, "
        "INTERVAL '1' MINUTE)) JOIN u ON TRUE"
    )
    tvf = tree.args["from_"].this
    assert isinstance(tvf.this, exp.Subquery)
    assert tvf.args["offset"].this.this == "1"
    assert len(tree.args["joins"]) == 1


def test_temporal_join():
    tree = parse("SELECT * FROM o JOIN r FOR SYSTEM_TIME AS OF o.ts AS r2 ON o.k = r2.k")
    table = tree.args["joins"][0].this
    version = table.args["version"]
    assert isinstance(version, exp.Version) and version.args["kind"] == "AS OF"
    assert version.expression.sql() == "o.ts"
    assert table.alias == "r2"
    assert "FOR SYSTEM_TIME AS OF o.ts" in tree.sql(dialect=FlinkDialect)


def test_lateral_table():
    for sql in ("SELECT * FROM t, LATERAL TABLE(split(s)) AS T(a, b)",
                "SELECT * FROM t LEFT JOIN LATERAL TABLE(split(s)) AS T(a, b) ON TRUE"):
        lateral = parse(sql).args["joins"][0].this
        assert isinstance(lateral, exp.Lateral)
        assert isinstance(lateral.this, exp.Anonymous) and lateral.this.name == "split"
        assert lateral.alias == "T" and [c.name for c in lateral.args["alias"].columns] == ["a", "b"]


def test_unnest():
    plain = parse("SELECT * FROM t CROSS JOIN UNNEST(arr) AS u(x)").args["joins"][0].this
    assert isinstance(plain, exp.Unnest) and not plain.args.get("offset")
    assert [c.name for c in plain.args["alias"].columns] == ["x"]
    for sql in ("SELECT * FROM t CROSS JOIN UNNEST(arr) WITH ORDINALITY AS u(x, i)",
                "SELECT * FROM t CROSS JOIN UNNEST(arr) AS u(x, i) WITH ORDINALITY"):
        unnest = parse(sql).args["joins"][0].this
        assert unnest.args["offset"].name == "i"
        assert [c.name for c in unnest.args["alias"].columns] == ["x"]


def test_hints():
    tree = parse("SELECT /*+ BROADCAST(u) */ * FROM t /*+ OPTIONS('k'='v', 'a.b'='2') */ AS x "
                 "JOIN u ON x.a = u.a")
    assert isinstance(tree.args["hint"], exp.Hint)
    table = tree.args["from_"].this
    (options,) = table.args["hints"]
    assert options.name == "OPTIONS"
    assert [(eq.this.this, eq.expression.this) for eq in options.expressions] == [("k", "v"), ("a.b", "2")]
    assert table.alias == "x"
    assert "t /*+ OPTIONS('k' = 'v', 'a.b' = '2') */ AS x" in tree.sql(dialect=FlinkDialect)


def test_parse_expression():
    tree = parse_expression("price * 2 + CAST(x AS INT)")
    assert isinstance(tree, exp.Add)
    assert isinstance(parse_expression("ts - INTERVAL '5' SECOND"), exp.Sub)
