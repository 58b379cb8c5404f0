"""Queries, INSERTs, statement sets and EXPLAIN: the statements that make a job.

The header of an INSERT (target, static partition, column list) is read off the tokens; the query
after it goes to sqlglot. ``EXECUTE STATEMENT SET BEGIN ...; ...; END`` is split on its inner ';'
like a script, and each part must be an INSERT.
"""

from __future__ import annotations

from typing import Any

from sqlglot.tokens import TokenType

from flowsql.planner.parser.cursor import TokenCursor, blank_outside
from flowsql.planner.parser.splitter import position, statement_spans
from flowsql.planner.parser.statements import (
    BeginStatementSet,
    Explain,
    Insert,
    Query,
    Statement,
    StatementSet,
)
from flowsql.planner.parser.syntax_errors import syntax_error

# PHASES is flowsql's own: the logical plan after each optimizer phase.
EXPLAIN_DETAILS = ("ESTIMATED_COST", "CHANGELOG_MODE", "JSON_EXECUTION_PLAN", "PLAN_ADVICE", "PHASES")
_QUERY_STARTS = ("SELECT", "WITH", "VALUES")


def parse_query(cursor: TokenCursor) -> Query:
    """The whole statement is a query."""
    return Query(cursor.rest_query())


def parse_insert(cursor: TokenCursor) -> Insert:
    """After ``INSERT``: ``INTO|OVERWRITE t [PARTITION (k = v, ...)] [(c1, c2)] <query>``."""
    mode = cursor.match_any("INTO", "OVERWRITE")
    if mode is None:
        raise cursor.error("INTO or OVERWRITE")
    cursor.match("TABLE")
    table = cursor.object_name("the target table")
    partition = _static_partition(cursor) if cursor.match("PARTITION") else {}
    columns = cursor.name_list() if _at_column_list(cursor) else None
    if cursor.at_end():
        raise cursor.error("a query (SELECT ... or VALUES ...)")
    return Insert(table, cursor.rest_query(), columns, mode == "OVERWRITE", partition)


def _at_column_list(cursor: TokenCursor) -> bool:
    """'(' opens a column list unless it opens a parenthesized query."""
    token, following = cursor.peek(), cursor.peek(1)
    return (
        token is not None
        and token.token_type == TokenType.L_PAREN
        and following is not None
        and following.text.upper() not in _QUERY_STARTS
        and following.token_type != TokenType.L_PAREN
    )


def _static_partition(cursor: TokenCursor) -> dict[str, Any]:
    cursor.expect_type(TokenType.L_PAREN, "'('")
    values: dict[str, Any] = {}
    while True:
        key = cursor.name("a partition column")
        cursor.expect_type(TokenType.EQ, "'='")
        values[key] = _literal(cursor)
        if not cursor.match_type(TokenType.COMMA):
            break
    cursor.expect_type(TokenType.R_PAREN, "')' or ','")
    return values


def _literal(cursor: TokenCursor) -> Any:
    token = cursor.peek()
    if token is not None and token.token_type == TokenType.STRING:
        cursor.pos += 1
        return token.text
    if token is not None and token.token_type == TokenType.NUMBER:
        cursor.pos += 1
        return float(token.text) if any(c in token.text for c in ".eE") else int(token.text)
    if token is not None and token.text.upper() in ("TRUE", "FALSE"):
        cursor.pos += 1
        return token.text.upper() == "TRUE"
    raise cursor.error("a literal value")


def parse_execute(cursor: TokenCursor) -> Statement:
    """After ``EXECUTE``: ``STATEMENT SET BEGIN ... END`` or ``INSERT ...``."""
    if cursor.match("INSERT"):
        return parse_insert(cursor)
    if cursor.match("STATEMENT", "SET"):
        return _statement_set_block(cursor)
    raise cursor.error("STATEMENT SET or INSERT")


def _statement_set_block(cursor: TokenCursor) -> StatementSet:
    cursor.expect("BEGIN")
    body_start = cursor.offset
    last = cursor.tokens[-1] if cursor.tokens else None
    if last is None or last.text.upper() != "END" or last.start < body_start:
        end_of_text = len(cursor.text[: cursor.end].rstrip())
        raise syntax_error("Unexpected end of statement: expected END closing the statement set",
                           cursor.text, end_of_text,
                           "write EXECUTE STATEMENT SET BEGIN INSERT ...; INSERT ...; END;")
    body = blank_outside(cursor.text, body_start, last.start)
    inserts = []
    for start, end in statement_spans(body):
        part = TokenCursor(cursor.text, start, end)
        if not part.match("INSERT"):
            raise part.error("INSERT (a statement set holds INSERT statements only)")
        insert = parse_insert(part)
        insert.sql = cursor.text[start:end]
        insert.line, insert.column = position(cursor.text, start)
        inserts.append(insert)
    if not inserts:
        raise syntax_error("Empty statement set: expected INSERT statements before END",
                           cursor.text, last.start)
    cursor.pos = len(cursor.tokens)
    return StatementSet(inserts)


def parse_begin(cursor: TokenCursor) -> BeginStatementSet:
    """After ``BEGIN``: the shell's ``BEGIN STATEMENT SET``."""
    cursor.expect("STATEMENT", "SET")
    cursor.expect_end()
    return BeginStatementSet()


def parse_explain(cursor: TokenCursor) -> Explain:
    """After ``EXPLAIN``: ``[PLAN FOR] [detail, ...] <query | INSERT | EXECUTE ...>``."""
    cursor.match("PLAN", "FOR")
    details: list[str] = []
    while detail := cursor.match_any(*EXPLAIN_DETAILS):
        details.append(detail)
        cursor.match_type(TokenType.COMMA)
    start = cursor.offset
    if cursor.match("INSERT"):
        inner: Statement = parse_insert(cursor)
    elif cursor.match("EXECUTE"):
        inner = parse_execute(cursor)
    else:
        inner = parse_query(cursor)
    inner.sql = cursor.text[start : cursor.end].strip()
    inner.line, inner.column = position(cursor.text, start)
    return Explain(inner, details)
