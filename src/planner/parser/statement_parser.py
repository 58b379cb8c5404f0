"""From SQL text to ``Statement``s: pick the parser by the leading keyword(s), keep positions.

A statement is parsed inside a copy of its script's layout (blank lines and spaces before it), so
every position found while parsing it — errors, column definitions, sqlglot tokens — is already
relative to the script.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from flowsql.common.errors import SqlParseError, did_you_mean
from flowsql.planner.parser import commands, ddl, dml
from flowsql.planner.parser.cursor import TokenCursor
from flowsql.planner.parser.dialect import FlinkDialect
from flowsql.planner.parser.splitter import is_complete, split_statements, statement_spans
from flowsql.planner.parser.statements import EndStatementSet, Statement
from flowsql.planner.parser.syntax_errors import from_sqlglot, syntax_error

_KEYWORD_PARSERS: dict[str, Callable[[TokenCursor], Statement]] = {
    "CREATE": ddl.parse_create,
    "DROP": ddl.parse_drop,
    "ALTER": ddl.parse_alter,
    "USE": commands.parse_use,
    "SHOW": commands.parse_show,
    "DESCRIBE": commands.parse_describe,
    "DESC": commands.parse_describe,
    "SET": commands.parse_set,
    "RESET": commands.parse_reset,
    "STOP": commands.parse_stop_job,
    "INSERT": dml.parse_insert,
    "EXECUTE": dml.parse_execute,
    "BEGIN": dml.parse_begin,
    "EXPLAIN": dml.parse_explain,
}
_QUERY_KEYWORDS = ("SELECT", "WITH", "VALUES")
STATEMENT_KEYWORDS = (*_KEYWORD_PARSERS, *_QUERY_KEYWORDS, "END", *commands.CLIENT_COMMANDS)


def parse_statement(sql: str, line: int = 1, column: int = 1) -> Statement:
    """Parse one statement (no trailing ';') that starts at ``line``/``column`` of its script.

    Raises ``SqlParseError`` with script-relative positions. A single trailing ';' is tolerated.
    """
    if len(statement_spans(sql)) == 1 and is_complete(sql):
        sql = sql[: sql.rstrip().rfind(";")]
    prefix = "\n" * (line - 1) + " " * (column - 1)
    text = prefix + sql
    cursor = TokenCursor(text)
    statement = _dispatch(cursor)
    cursor.expect_end()
    statement.sql, statement.line, statement.column = sql.strip(), line, column
    return statement


def _dispatch(cursor: TokenCursor) -> Statement:
    token = cursor.peek()
    if token is None:
        raise cursor.error("a statement")
    word = (token.text.upper().split() or [""])[0] if token.token_type != TokenType.STRING else ""
    if word == "(" or word in _QUERY_KEYWORDS:
        return dml.parse_query(cursor)
    if word in commands.CLIENT_COMMANDS:
        cursor.pos += 1
        return commands.parse_client_command(cursor, word)
    if word == "END":
        cursor.pos += 1
        return EndStatementSet()
    parse = _KEYWORD_PARSERS.get(word)
    if parse is None:
        found = cursor.text[token.start : token.end + 1]
        raise syntax_error(
            f"Unknown statement starting with '{found}'", cursor.text, token.start,
            did_you_mean(found, STATEMENT_KEYWORDS)
            or "a statement starts with SELECT, INSERT, CREATE, DROP, ALTER, SHOW, SET, ...",
        )
    cursor.match(word)
    return parse(cursor)


def parse_script(script: str) -> list[Statement]:
    """Parse every statement of a script; errors carry the script and the script's positions."""
    statements = []
    for text, line, column in split_statements(script):
        try:
            statements.append(parse_statement(text, line, column))
        except SqlParseError as error:
            error.sql = script
            raise
    return statements


def parse_expression(text: str) -> exp.Expr:
    """Parse a single SQL expression (``a + 1``, ``CAST(x AS INT)``) in Flink's dialect."""
    try:
        tree = sqlglot.parse_one(text, read=FlinkDialect)
    except (ParseError, TokenError) as error:
        raise from_sqlglot(error, text) from None
    if isinstance(tree, (exp.Query, exp.Command, exp.DDL)):
        raise syntax_error("Expected an expression, found a statement", text, 0)
    return tree
