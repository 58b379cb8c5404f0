"""SHOW / USE / SET / INSERT / statement sets / EXPLAIN / shell commands into their dataclasses."""

import pytest
from sqlglot import exp

from flowsql.planner.parser import parse_script, parse_statement
from flowsql.planner.parser.statements import (
    BeginStatementSet,
    ClientCommand,
    Describe,
    EndStatementSet,
    Explain,
    Insert,
    Query,
    ResetOption,
    SetOption,
    Show,
    ShowJobs,
    StatementSet,
    StopJob,
    UseCatalog,
    UseDatabase,
)


def same(statement, expected):
    """Compare ignoring the source text and position."""
    expected.sql, expected.line, expected.column = statement.sql, statement.line, statement.column
    return statement == expected


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("USE CATALOG c", UseCatalog("c")),
        ("USE db", UseDatabase(("db",))),
        ("use c.db", UseDatabase(("c", "db"))),
        ("SHOW CATALOGS", Show("CATALOGS")),
        ("SHOW DATABASES", Show("DATABASES")),
        ("SHOW TABLES", Show("TABLES")),
        ("SHOW TABLES FROM c.d NOT LIKE 'x%'", Show("TABLES", ("c", "d"), "x%", not_like=True)),
        ("SHOW TABLES IN d ILIKE 'X%'", Show("TABLES", ("d",), "X%", ilike=True)),
        ("SHOW VIEWS", Show("VIEWS")),
        ("SHOW FUNCTIONS", Show("FUNCTIONS")),
        ("SHOW USER FUNCTIONS", Show("USER FUNCTIONS")),
        ("SHOW CURRENT CATALOG", Show("CURRENT CATALOG")),
        ("show current database", Show("CURRENT DATABASE")),
        ("SHOW CREATE TABLE a.b", Show("CREATE TABLE", ("a", "b"))),
        ("SHOW CREATE VIEW v", Show("CREATE VIEW", ("v",))),
        ("SHOW COLUMNS FROM t LIKE '%id'", Show("COLUMNS", ("t",), "%id")),
        ("SHOW COLUMNS IN t", Show("COLUMNS", ("t",))),
        ("SHOW MODULES", Show("MODULES")),
        ("SHOW FULL MODULES", Show("FULL MODULES")),
        ("SHOW JOBS", ShowJobs()),
        ("DESCRIBE t", Describe(("t",))),
        ("DESC EXTENDED c.d.t", Describe(("c", "d", "t"), True)),
        ("SET", SetOption()),
        ("SET 'parallelism.default' = '2'", SetOption("parallelism.default", "2")),
        ("SET execution.runtime-mode = batch", SetOption("execution.runtime-mode", "batch")),
        ("SET 'a' = 2", SetOption("a", "2")),
        ("RESET", ResetOption()),
        ("RESET 'a.b'", ResetOption("a.b")),
        ("STOP JOB 'abc'", StopJob("abc")),
        ("STOP JOB 'abc' WITH SAVEPOINT WITH DRAIN", StopJob("abc", True, True)),
        ("HELP", ClientCommand("HELP")),
        ("quit", ClientCommand("QUIT")),
        ("EXIT", ClientCommand("EXIT")),
        ("CLEAR", ClientCommand("CLEAR")),
        ("BEGIN STATEMENT SET", BeginStatementSet()),
        ("END", EndStatementSet()),
    ],
)
def test_commands(sql, expected):
    assert same(parse_statement(sql), expected)


@pytest.mark.parametrize("sql", ["SELECT 1", "WITH c AS (SELECT 1) SELECT * FROM c", "VALUES (1), (2)",
                                 "(SELECT 1) UNION ALL (SELECT 2)", "select a from t"])
def test_queries(sql):
    statement = parse_statement(sql)
    assert isinstance(statement, Query) and isinstance(statement.query, (exp.Query, exp.Values))
    assert statement.sql == sql


def test_a_single_trailing_semicolon_is_tolerated():
    assert parse_statement("SHOW TABLES;  ").sql == "SHOW TABLES"
    assert parse_statement("SELECT ';'").query.expressions[0].this == ";"


def test_insert_forms():
    insert = parse_statement("INSERT INTO c.d.t SELECT a FROM s")
    assert isinstance(insert, Insert) and insert.table == ("c", "d", "t") and not insert.overwrite
    insert = parse_statement("INSERT OVERWRITE t PARTITION (dt = '2024-01-01', h = 1) (a, b) SELECT 1, 2")
    assert insert.overwrite and insert.static_partition == {"dt": "2024-01-01", "h": 1}
    assert insert.columns == ["a", "b"]
    assert isinstance(parse_statement("INSERT INTO t VALUES (1, 'a')").query, exp.Values)
    assert isinstance(parse_statement("INSERT INTO t (SELECT 1)").query, exp.Subquery)
    assert parse_statement("EXECUTE INSERT INTO t SELECT 1").table == ("t",)


def test_statement_set():
    script = (
        "SET 'a' = 'b';\n"
        "EXECUTE STATEMENT SET\nBEGIN\n"
        "  INSERT INTO a SELECT CASE WHEN x THEN 1 END FROM t;\n"
        "  INSERT INTO b SELECT 2;\n"
        "END;"
    )
    _, statement_set = parse_script(script)
    assert isinstance(statement_set, StatementSet)
    assert (statement_set.line, statement_set.column) == (2, 1)
    first, second = statement_set.inserts
    assert first.table == ("a",) and second.table == ("b",)
    assert (first.line, first.column, second.line) == (4, 3, 5)
    assert second.sql == "INSERT INTO b SELECT 2"


def test_explain():
    explain = parse_statement("EXPLAIN SELECT 1")
    assert isinstance(explain, Explain) and isinstance(explain.statement, Query)
    assert explain.details == []
    explain = parse_statement("EXPLAIN PLAN FOR CHANGELOG_MODE, ESTIMATED_COST INSERT INTO t SELECT 1")
    assert explain.details == ["CHANGELOG_MODE", "ESTIMATED_COST"]
    assert isinstance(explain.statement, Insert) and explain.statement.sql == "INSERT INTO t SELECT 1"
    assert parse_statement("EXPLAIN CHANGELOG_MODE SELECT 1").details == ["CHANGELOG_MODE"]
    explain = parse_statement("EXPLAIN EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END")
    assert isinstance(explain.statement, StatementSet)


def test_script_positions_and_text():
    script = "-- setup\nSET 'a' = 'b';\n\n   SHOW TABLES;   SELECT\n  1"
    statements = parse_script(script)
    assert [(s.line, s.column) for s in statements] == [(2, 1), (4, 4), (4, 19)]
    assert [s.sql for s in statements] == ["SET 'a' = 'b'", "SHOW TABLES", "SELECT\n  1"]
