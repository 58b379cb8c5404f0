"""The statements that ask or configure rather than define: USE, SHOW, DESCRIBE, SET, RESET,
DESCRIBE JOB / SHOW JOB, STOP JOB and the shell's own HELP / QUIT / EXIT / CLEAR."""

from __future__ import annotations

from sqlglot.tokens import TokenType

from flowsql.planner.parser.cursor import TokenCursor
from flowsql.planner.parser.statements import (
    ClientCommand,
    Describe,
    DescribeJob,
    ResetOption,
    SetOption,
    Show,
    ShowJobs,
    Statement,
    StopJob,
    UseCatalog,
    UseDatabase,
)

CLIENT_COMMANDS = ("HELP", "QUIT", "EXIT", "CLEAR")

# What may follow SHOW, longest first so 'USER FUNCTIONS' wins over a bare word.
_SHOW_SIMPLE = (
    ("CURRENT", "CATALOG"), ("CURRENT", "DATABASE"), ("USER", "FUNCTIONS"), ("FULL", "MODULES"),
    ("CATALOGS",), ("DATABASES",), ("VIEWS",), ("FUNCTIONS",), ("MODULES",), ("WATERMARKS",),
)


def parse_use(cursor: TokenCursor) -> Statement:
    """After ``USE``: ``USE CATALOG c`` or ``USE [catalog.]database``."""
    if cursor.match("CATALOG"):
        statement: Statement = UseCatalog(cursor.name("a catalog name"))
    else:
        name = cursor.object_name("a database name")
        if len(name) > 2:
            raise cursor.error("a database name as 'db' or 'catalog.db'")
        statement = UseDatabase(name)
    cursor.expect_end()
    return statement


def parse_show(cursor: TokenCursor) -> Statement:
    """After ``SHOW``."""
    if cursor.match("JOBS"):
        cursor.expect_end()
        return ShowJobs()
    if cursor.match("JOB"):
        statement = DescribeJob(cursor.string("the job id in single quotes"), operators=True)
        cursor.expect_end()
        return statement
    for words in _SHOW_SIMPLE:
        if cursor.match(*words):
            show = Show(" ".join(words))
            if words[0] in ("DATABASES", "VIEWS", "FUNCTIONS", "USER") and cursor.match_any("FROM", "IN"):
                show.name = cursor.object_name()
            _like(cursor, show)
            cursor.expect_end()
            return show
    if cursor.match("TABLES"):
        show = Show("TABLES")
        if cursor.match_any("FROM", "IN"):
            show.name = cursor.object_name("a database name")
        _like(cursor, show)
    elif cursor.match("CREATE"):
        kind = cursor.match_any("TABLE", "VIEW")
        if kind is None:
            raise cursor.error("TABLE or VIEW")
        show = Show(f"CREATE {kind}", cursor.object_name(f"a {kind.lower()} name"))
    elif cursor.match("COLUMNS"):
        if not cursor.match_any("FROM", "IN"):
            raise cursor.error("FROM or IN")
        show = Show("COLUMNS", cursor.object_name("a table name"))
        _like(cursor, show)
    else:
        raise cursor.error(
            "CATALOGS, DATABASES, TABLES, VIEWS, FUNCTIONS, USER FUNCTIONS, CURRENT CATALOG, "
            "CURRENT DATABASE, CREATE TABLE, CREATE VIEW, COLUMNS, JOBS, JOB '<id>', MODULES or WATERMARKS"
        )
    cursor.expect_end()
    return show


def _like(cursor: TokenCursor, show: Show) -> None:
    """``[NOT] LIKE 'pattern'`` or ``[NOT] ILIKE 'pattern'``."""
    show.not_like = cursor.match("NOT")
    kind = cursor.match_any("LIKE", "ILIKE")
    if kind is None:
        if show.not_like:
            raise cursor.error("LIKE or ILIKE")
        return
    show.ilike = kind == "ILIKE"
    show.like = cursor.string("a pattern in single quotes")


def parse_describe(cursor: TokenCursor) -> Describe:
    """After ``DESCRIBE`` or ``DESC``: a table or view, or ``JOB 'id'``."""
    next_token = cursor.peek(1)
    if cursor.is_word("JOB") and next_token is not None and next_token.token_type == TokenType.STRING:
        cursor.match("JOB")
        statement = DescribeJob(cursor.string("the job id in single quotes"))
        cursor.expect_end()
        return statement
    extended = cursor.match("EXTENDED")
    name = cursor.object_name("a table or view name")
    cursor.expect_end()
    return Describe(name, extended)


def parse_set(cursor: TokenCursor) -> SetOption:
    """After ``SET``: nothing (list all), or ``'key' = 'value'`` (bare words tolerated)."""
    if cursor.at_end():
        return SetOption()
    key = _key_or_value(cursor, "an option key, like 'parallelism.default'")
    cursor.expect_type(TokenType.EQ, "'=' between the key and the value")
    value = _key_or_value(cursor, "an option value in single quotes")
    cursor.expect_end()
    return SetOption(key, value)


def parse_reset(cursor: TokenCursor) -> ResetOption:
    """After ``RESET``: nothing (reset all) or ``'key'``."""
    if cursor.at_end():
        return ResetOption()
    key = _key_or_value(cursor, "an option key in single quotes")
    cursor.expect_end()
    return ResetOption(key)


def _key_or_value(cursor: TokenCursor, what: str) -> str:
    """A quoted string, or (lenient) the unquoted text of dotted words and numbers up to '='."""
    token = cursor.peek()
    if token is not None and token.token_type == TokenType.STRING:
        cursor.pos += 1
        return token.text
    start = cursor.offset
    end = start
    while not cursor.at_end() and cursor.peek().token_type != TokenType.EQ:
        end = cursor.peek().end + 1
        cursor.pos += 1
    if end == start:
        raise cursor.error(what)
    return cursor.text[start:end].strip()


def parse_stop_job(cursor: TokenCursor) -> StopJob:
    """After ``STOP``: ``STOP JOB 'id' [WITH SAVEPOINT] [WITH DRAIN]``."""
    cursor.expect("JOB")
    statement = StopJob(cursor.string("the job id in single quotes"))
    while cursor.match("WITH"):
        option = cursor.match_any("SAVEPOINT", "DRAIN")
        if option is None:
            raise cursor.error("SAVEPOINT or DRAIN")
        if option == "SAVEPOINT":
            statement.with_savepoint = True
        else:
            statement.with_drain = True
    cursor.expect_end()
    return statement


def parse_client_command(cursor: TokenCursor, command: str) -> ClientCommand:
    """After HELP, QUIT, EXIT or CLEAR: nothing may follow."""
    cursor.expect_end()
    return ClientCommand(command)
