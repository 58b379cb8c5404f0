"""Syntax errors: script line and column, what was expected and found, and a hint."""

import re

import pytest

from flowsql.common.errors import SqlParseError
from flowsql.planner.parser import parse_expression, parse_script, parse_statement


def error_of(script: str) -> SqlParseError:
    with pytest.raises(SqlParseError) as info:
        parse_script(script)
    return info.value


def test_error_on_line_7_reports_line_7():
    script = "SELECT 1;\nSELECT 2;\n\n\n\n\nSELECT a, b\n  FROM t WHERE x = );"
    error = error_of(script)
    assert (error.line, error.column) == (8, 20)
    assert error.sql == script
    assert "Encountered ')'" in error.message and "expected an expression" in error.message
    assert str(error).splitlines()[1:3] == ["  FROM t WHERE x = );", " " * 19 + "^"]


def test_error_in_a_statement_not_at_column_1():
    error = error_of("SET 'a' = 'b';   SELECT (1 +;")
    assert error.line == 1 and error.column > 17


def test_messages_never_carry_ansi_or_sqlglot_class_names():
    scripts = ("SELECT a +", "SELECT a FROM t WHERE x = )", "SELECT CASE WHEN FROM t", "SELECT a b c FROM t")
    for script in scripts:
        text = str(error_of(script))
        assert "\x1b" not in text and "<class" not in text and "sqlglot" not in text


def test_unknown_statement_suggests_a_keyword():
    error = error_of("\n  SELEC a FROM t")
    assert (error.line, error.column) == (2, 3)
    assert "SELEC" in error.message and error.hint == "did you mean 'SELECT'?"
    assert error_of("CREAT TABLE t (a INT)").hint == "did you mean 'CREATE'?"


def test_missing_closing_parenthesis():
    error = error_of("SELECT a FROM t WHERE (a = 1")
    assert "expected ')'" in error.message and "'('" in error.hint
    assert error.column == 29


def test_trailing_comma_in_select_list():
    error = error_of("SELECT a,\nFROM t")
    assert (error.line, error.column) == (2, 1) and "','" in error.message


def test_unterminated_string_points_at_its_opening_quote():
    error = error_of("SELECT 1;\nSELECT 'abc FROM t")
    assert (error.line, error.column) == (2, 8) and "Unterminated string" in error.message


def test_reserved_word_hint():
    error = error_of("INSERT INTO t PARTITION (dt = value) SELECT 1")
    assert "back-quotes" in error.hint and "`value`" in error.hint


@pytest.mark.parametrize(
    "script, line, column, fragment",
    [
        ("CREATE TABLE t (\n  a INT,\n  PRIMARY KEY (a)\n) WITH ('k' = 'v')", 4, 1, "NOT ENFORCED"),
        ("CREATE TABLE t (\n  a INTEGR\n)", 2, 5, "unknown type 'INTEGR'"),
        ("CREATE TABLE t (a INT) WITH (connector = 'x')", 1, 30, "option key in single quotes"),
        ("CREATE TABLE t (a INT,\n  WATERMARK FOR a AS a -)", 2, 24, "expression"),
        ("CREATE TABL t (a INT)", 1, 8, "TABLE, VIEW"),
        ("SHOW TABLE", 1, 6, "TABLES"),
        ("INSERT INTO t", 1, 14, "query"),
        ("DROP TABLE", 1, 11, "table name"),
        ("EXECUTE STATEMENT SET BEGIN SELECT 1; END", 1, 29, "INSERT"),
        ("EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1;", 1, 52, "END"),
        ("SELECT CAST(a AS FOO) FROM t", 1, 18, "unknown type 'FOO'"),
        ("SELECT * FROM TABLE(TUMBLE(TABLE t, ts, INTERVAL '1' MINUTE))", 1, 37, "DESCRIPTOR"),
        ("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts)))", 1, 52, "window size"),
        ("SELECT * FROM TABLE(FOO(TABLE t))", 1, 21, "LATERAL TABLE"),
        ("SET 'a' 'b'", 1, 9, "'='"),
        ("STOP JOB 'x' WITH NOTHING", 1, 19, "SAVEPOINT or DRAIN"),
        ("SHOW TABLES extra", 1, 13, "end of the statement"),
    ],
)
def test_error_positions(script, line, column, fragment):
    error = error_of(script)
    assert (error.line, error.column) == (line, column), str(error)
    assert fragment in error.message + (error.hint or ""), str(error)


def test_parse_statement_alone_renders_a_caret_at_its_offsets():
    with pytest.raises(SqlParseError) as info:
        parse_statement("SELECT a FROM t WHERE", line=3, column=5)
    error = info.value
    assert (error.line, error.column) == (3, 26)
    assert error.caret().splitlines()[-1] == " " * 25 + "^"


def test_parse_expression_errors():
    with pytest.raises(SqlParseError) as info:
        parse_expression("a +")
    assert re.search(r"end of statement", info.value.message)
    with pytest.raises(SqlParseError):
        parse_expression("SELECT 1")
