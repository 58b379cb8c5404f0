"""CREATE / DROP / ALTER statements into their dataclasses."""

import pytest
from sqlglot import exp

from flowsql.common.types import parse_type
from flowsql.planner.parser import FlinkDialect, parse_script, parse_statement
from flowsql.planner.parser.statements import (
    AlterTable,
    CreateCatalog,
    CreateDatabase,
    CreateFunction,
    CreateTable,
    CreateView,
    Drop,
    LikeClause,
)

ORDERS = """
CREATE TEMPORARY TABLE IF NOT EXISTS cat.db.orders (
  id BIGINT NOT NULL COMMENT 'the id',
  price DECIMAL(10, 2),
  tags ARRAY<STRING>,
  attrs MAP<STRING, INT>,
  r ROW<a INT, b STRING>,
  r2 ROW(a INT, b STRING),
  ts TIMESTAMP(3),
  lts TIMESTAMP(3) WITH LOCAL TIME ZONE,
  lts2 TIMESTAMP_LTZ(3),
  d INTERVAL DAY TO SECOND,
  total AS price * 2 COMMENT 'doubled',
  part INT METADATA FROM 'partition' VIRTUAL,
  `offset` BIGINT METADATA VIRTUAL,
  `Key` STRING METADATA,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND,
  CONSTRAINT pk PRIMARY KEY (id) NOT ENFORCED
) COMMENT 'orders' PARTITIONED BY (part) WITH ('connector' = 'kafka', 'topic' = 'o')
LIKE base (EXCLUDING WATERMARKS OVERWRITING OPTIONS)
"""


def columns_by_name(table):
    return {c.name: c for c in table.columns}


def test_create_table_everything():
    (table,) = parse_script(ORDERS)
    assert isinstance(table, CreateTable)
    assert table.name == ("cat", "db", "orders")
    assert table.temporary and table.if_not_exists
    assert table.comment == "orders"
    assert table.partition_keys == ["part"]
    assert table.options == {"connector": "kafka", "topic": "o"}
    assert table.like == LikeClause(("base",), [("EXCLUDING", "WATERMARKS"), ("OVERWRITING", "OPTIONS")])
    assert table.primary_key == ["id"]
    cols = columns_by_name(table)
    assert cols["id"].type == parse_type("BIGINT NOT NULL") and cols["id"].comment == "the id"
    assert cols["price"].type == parse_type("DECIMAL(10, 2)")
    assert cols["tags"].type == parse_type("ARRAY<STRING>")
    assert cols["attrs"].type == parse_type("MAP<STRING, INT>")
    assert cols["r"].type == cols["r2"].type == parse_type("ROW<a INT, b STRING>")
    assert cols["lts"].type == cols["lts2"].type == parse_type("TIMESTAMP_LTZ(3)")
    assert cols["d"].type.name == "INTERVAL_DAY_TIME"
    total = cols["total"]
    assert total.kind == "computed" and total.type is None and total.comment == "doubled"
    assert isinstance(total.expression, exp.Mul)
    part = cols["part"]
    assert (part.kind, part.metadata_key, part.virtual) == ("metadata", "partition", True)
    offset = cols["offset"]
    assert (offset.kind, offset.metadata_key, offset.virtual) == ("metadata", None, True)
    assert cols["Key"].kind == "metadata" and not cols["Key"].virtual
    assert [c.kind for c in table.columns].count("physical") == 10


def test_column_and_watermark_positions_are_script_relative():
    (table,) = parse_script(ORDERS)
    cols = columns_by_name(table)
    assert (cols["id"].line, cols["id"].column) == (3, 3)
    assert (cols["offset"].line, cols["offset"].column) == (15, 3)
    assert (table.watermark.line, table.watermark.column_pos) == (17, 3)
    assert table.watermark.column == "ts"
    assert table.watermark.expression.sql(dialect=FlinkDialect) == "ts - INTERVAL '5' SECOND"
    assert (table.line, table.column) == (2, 1)


def test_column_level_primary_key_and_keyword_case():
    table = parse_statement("create table T (Id INT primary key not enforced) with ('connector'='print')")
    assert table.name == ("T",)
    assert table.primary_key == ["Id"]
    assert table.columns[0].type == parse_type("INT NOT NULL")


def test_create_table_as_select():
    table = parse_statement("CREATE TABLE t2 WITH ('connector' = 'print') AS SELECT a FROM t WHERE a > 1")
    assert table.columns == [] and table.options == {"connector": "print"}
    assert isinstance(table.as_query, exp.Select)


def test_create_table_like_without_columns():
    table = parse_statement("CREATE TABLE t2 WITH ('k' = 'v') LIKE t (INCLUDING ALL)")
    assert table.like == LikeClause(("t",), [("INCLUDING", "ALL")])


def test_create_view():
    view = parse_statement(
        "CREATE TEMPORARY VIEW IF NOT EXISTS db.v (a, b) COMMENT 'x' AS\n  SELECT id, v FROM t"
    )
    assert isinstance(view, CreateView)
    assert view.name == ("db", "v") and view.column_names == ["a", "b"]
    assert view.temporary and view.if_not_exists and view.comment == "x"
    assert view.query_sql == "SELECT id, v FROM t"
    assert isinstance(view.query, exp.Select)


def test_create_database_catalog_function():
    db = parse_statement("CREATE DATABASE IF NOT EXISTS c.d COMMENT 'db' WITH ('k' = 'v')")
    assert db == CreateDatabase(("c", "d"), True, "db", {"k": "v"}, sql=db.sql)
    cat = parse_statement("CREATE CATALOG c WITH ('type' = 'generic_in_memory')")
    assert cat == CreateCatalog("c", {"type": "generic_in_memory"}, sql=cat.sql)
    fn = parse_statement("CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS f AS 'pkg.mod.fn' LANGUAGE PYTHON")
    assert fn == CreateFunction(("f",), "pkg.mod.fn", "PYTHON", True, True, True, sql=fn.sql)
    fn = parse_statement("CREATE FUNCTION db.f AS 'com.x.F' LANGUAGE JAVA")
    assert (fn.name, fn.language, fn.temporary, fn.system) == (("db", "f"), "JAVA", False, False)


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("DROP TABLE t", Drop("TABLE", ("t",))),
        ("DROP TEMPORARY TABLE IF EXISTS db.t", Drop("TABLE", ("db", "t"), True, True)),
        ("DROP TEMPORARY VIEW v", Drop("VIEW", ("v",), temporary=True)),
        ("DROP DATABASE IF EXISTS c.d CASCADE", Drop("DATABASE", ("c", "d"), True, cascade=True)),
        ("DROP DATABASE d RESTRICT", Drop("DATABASE", ("d",))),
        ("DROP TEMPORARY SYSTEM FUNCTION IF EXISTS f", Drop("FUNCTION", ("f",), True, True, True)),
        ("DROP CATALOG IF EXISTS c", Drop("CATALOG", ("c",), True)),
    ],
)
def test_drop(sql, expected):
    expected.sql = sql
    assert parse_statement(sql) == expected


def test_alter_table():
    assert parse_statement("ALTER TABLE t RENAME TO db.t2").new_name == ("db", "t2")
    alter = parse_statement("ALTER TABLE c.d.t SET ('a' = 'b', 'c' = 'd')")
    assert alter == AlterTable(("c", "d", "t"), "SET", options={"a": "b", "c": "d"}, sql=alter.sql)
    assert parse_statement("ALTER TABLE t RESET ('a', 'b')").reset_keys == ["a", "b"]
