"""CREATE, DROP and ALTER statements, read by hand off the statement's tokens.

sqlglot cannot read Flink's column list (``METADATA``, ``WATERMARK FOR``, ``NOT ENFORCED``), so
``CREATE TABLE`` is parsed here: types go to ``flowsql.common.types.parse_type``, computed-column
and watermark expressions and ``AS SELECT`` queries to sqlglot with ``FlinkDialect``.
"""

from __future__ import annotations

from sqlglot.tokens import TokenType

from flowsql.common.errors import ValidationError
from flowsql.common.types import DataType, parse_type
from flowsql.planner.parser.cursor import TokenCursor, parse_sql
from flowsql.planner.parser.splitter import position
from flowsql.planner.parser.statements import (
    AlterTable,
    ColumnDef,
    CreateCatalog,
    CreateDatabase,
    CreateFunction,
    CreateTable,
    CreateView,
    Drop,
    LikeClause,
    Statement,
    WatermarkDef,
)
from flowsql.planner.parser.syntax_errors import syntax_error

_CREATE_KINDS = "TABLE, VIEW, DATABASE, CATALOG or FUNCTION"
_LIKE_OPTIONS = ("ALL", "CONSTRAINTS", "PARTITIONS", "GENERATED", "OPTIONS", "WATERMARKS")
_COLUMN_STOPS = ("METADATA", "COMMENT", "PRIMARY", "CONSTRAINT")


# -- CREATE ---------------------------------------------------------------------------------
def parse_create(cursor: TokenCursor) -> Statement:
    """After ``CREATE``."""
    temporary = cursor.match("TEMPORARY")
    system = temporary and cursor.match("SYSTEM")
    if cursor.match("TABLE"):
        return _create_table(cursor, temporary)
    if cursor.match("VIEW"):
        return _create_view(cursor, temporary)
    if cursor.match("FUNCTION"):
        return _create_function(cursor, temporary, system)
    if not temporary and cursor.match_any("DATABASE", "SCHEMA"):
        if_not_exists = cursor.match("IF", "NOT", "EXISTS")
        name = cursor.object_name("a database name")
        comment = cursor.string() if cursor.match("COMMENT") else None
        properties = cursor.options() if cursor.match("WITH") else {}
        cursor.expect_end()
        return CreateDatabase(name, if_not_exists, comment, properties)
    if not temporary and cursor.match("CATALOG"):
        if_not_exists = cursor.match("IF", "NOT", "EXISTS")
        name = cursor.name("a catalog name")
        options = cursor.options() if cursor.match("WITH") else {}
        cursor.expect_end()
        return CreateCatalog(name, options, if_not_exists)
    raise cursor.error(_CREATE_KINDS if not temporary else "TABLE, VIEW or FUNCTION")


def _create_table(cursor: TokenCursor, temporary: bool) -> CreateTable:
    if_not_exists = cursor.match("IF", "NOT", "EXISTS")
    statement = CreateTable(cursor.object_name("a table name"), [], temporary=temporary,
                            if_not_exists=if_not_exists)
    if cursor.match_type(TokenType.L_PAREN):
        _table_elements(cursor, statement)
    if cursor.match("COMMENT"):
        statement.comment = cursor.string()
    if cursor.match("PARTITIONED", "BY"):
        statement.partition_keys = cursor.name_list()
    if cursor.match("WITH"):
        statement.options = cursor.options()
    if cursor.match("LIKE"):
        statement.like = _like_clause(cursor)
    if cursor.match("AS"):
        statement.as_query = cursor.rest_query()
        return statement
    cursor.expect_end()
    return statement


def _table_elements(cursor: TokenCursor, table: CreateTable) -> None:
    """``(column, ..., WATERMARK ..., PRIMARY KEY ...)`` after the opening parenthesis."""
    while True:
        if cursor.is_word("WATERMARK"):
            if table.watermark is not None:
                raise cursor.error("one WATERMARK only")
            table.watermark = _watermark(cursor)
        elif cursor.is_word("PRIMARY") or cursor.is_word("CONSTRAINT"):
            _set_primary_key(cursor, table, _table_primary_key(cursor))
        else:
            table.columns.append(_column(cursor, table))
        if not cursor.match_type(TokenType.COMMA):
            break
    cursor.expect_type(TokenType.R_PAREN, "')' or ',' after a column definition")


def _set_primary_key(cursor: TokenCursor, table: CreateTable, key: list[str]) -> None:
    if table.primary_key is not None:
        raise syntax_error("Duplicate PRIMARY KEY: a table has one primary key", cursor.text,
                           cursor.offset)
    table.primary_key = key


def _not_enforced(cursor: TokenCursor) -> None:
    if not cursor.match("NOT", "ENFORCED"):
        raise cursor.error("NOT ENFORCED",
                           hint="Flink does not check primary keys; declare them 'NOT ENFORCED'")


def _table_primary_key(cursor: TokenCursor) -> list[str]:
    if cursor.match("CONSTRAINT"):
        cursor.name("a constraint name")
    cursor.expect("PRIMARY", "KEY")
    names = cursor.name_list()
    _not_enforced(cursor)
    return names


def _watermark(cursor: TokenCursor) -> WatermarkDef:
    start = cursor.offset
    cursor.expect("WATERMARK")
    cursor.expect("FOR")
    column = cursor.name("the event-time column")
    cursor.expect("AS")
    expr_start = cursor.offset
    expr_end = cursor.skip_to_depth_zero(TokenType.COMMA)
    line, column_pos = position(cursor.text, start)
    return WatermarkDef(column, parse_sql(cursor.text, expr_start, expr_end), line, column_pos)


def _column(cursor: TokenCursor, table: CreateTable) -> ColumnDef:
    start = cursor.offset
    name = cursor.name("a column name, WATERMARK or PRIMARY KEY")
    line, column = position(cursor.text, start)
    if cursor.match("AS"):
        expr_start = cursor.offset
        expr_end = cursor.skip_to_depth_zero(TokenType.COMMA, stop_words=("COMMENT",))
        expression = parse_sql(cursor.text, expr_start, expr_end)
        comment = cursor.string() if cursor.match("COMMENT") else None
        return ColumnDef(name, "computed", expression=expression, comment=comment, line=line,
                         column=column)
    definition = ColumnDef(name, "physical", type=_column_type(cursor), line=line, column=column)
    if cursor.match("METADATA"):
        definition.kind = "metadata"
        if cursor.match("FROM"):
            definition.metadata_key = cursor.string("the metadata key in single quotes")
        definition.virtual = cursor.match("VIRTUAL")
    if cursor.is_word("PRIMARY") or cursor.is_word("CONSTRAINT"):
        if cursor.match("CONSTRAINT"):
            cursor.name("a constraint name")
        cursor.expect("PRIMARY", "KEY")
        _not_enforced(cursor)
        _set_primary_key(cursor, table, [name])
        definition.type = definition.type.with_nullable(False) if definition.type else None
    if cursor.match("COMMENT"):
        definition.comment = cursor.string()
    return definition


def _column_type(cursor: TokenCursor) -> DataType:
    start = cursor.offset
    depth = 0
    end = start
    while not cursor.at_end():
        token = cursor.peek()
        first_word = (token.text.upper().split() or [""])[0]
        if depth == 0 and (token.token_type in (TokenType.COMMA, TokenType.R_PAREN)
                           or first_word in _COLUMN_STOPS):
            break
        text = token.text
        if token.token_type not in (TokenType.STRING, TokenType.IDENTIFIER):
            depth += text.count("(") + text.count("<") - text.count(")") - text.count(">")
        end = token.end + 1
        cursor.pos += 1
    if end == start:
        raise cursor.error("a column type")
    try:
        return parse_type(cursor.text[start:end])
    except ValidationError as error:
        raise syntax_error(f"Invalid column type: {error.message}", cursor.text, start,
                           error.hint) from None


def _like_clause(cursor: TokenCursor) -> LikeClause:
    clause = LikeClause(cursor.object_name("the source table of LIKE"))
    if cursor.match_type(TokenType.L_PAREN):
        while not cursor.match_type(TokenType.R_PAREN):
            how = cursor.match_any("INCLUDING", "EXCLUDING", "OVERWRITING")
            what = cursor.match_any(*_LIKE_OPTIONS)
            if not how or not what:
                raise cursor.error("INCLUDING, EXCLUDING or OVERWRITING followed by "
                                   + ", ".join(_LIKE_OPTIONS))
            clause.options.append((how, what))
            cursor.match_type(TokenType.COMMA)
    return clause


def _create_view(cursor: TokenCursor, temporary: bool) -> CreateView:
    if_not_exists = cursor.match("IF", "NOT", "EXISTS")
    name = cursor.object_name("a view name")
    columns = cursor.name_list() if cursor.peek() and cursor.peek().token_type == TokenType.L_PAREN else None
    comment = cursor.string() if cursor.match("COMMENT") else None
    cursor.expect("AS")
    query_sql = cursor.rest_text()
    return CreateView(name, cursor.rest_query(), query_sql, columns, temporary, if_not_exists, comment)


def _create_function(cursor: TokenCursor, temporary: bool, system: bool) -> CreateFunction:
    if_not_exists = cursor.match("IF", "NOT", "EXISTS")
    name = cursor.object_name("a function name")
    cursor.expect("AS")
    identifier = cursor.string("the implementation in single quotes, like 'my_pkg.udfs.my_fn'")
    language = "PYTHON"
    if cursor.match("LANGUAGE"):
        language = cursor.match_any("PYTHON", "JAVA", "SCALA") or ""
        if not language:
            raise cursor.error("PYTHON, JAVA or SCALA")
    cursor.expect_end()
    return CreateFunction(name, identifier, language, temporary, system, if_not_exists)


# -- DROP and ALTER ---------------------------------------------------------------------------
def parse_drop(cursor: TokenCursor) -> Drop:
    """After ``DROP``."""
    temporary = cursor.match("TEMPORARY")
    system = temporary and cursor.match("SYSTEM")
    kind = cursor.match_any("TABLE", "VIEW", "FUNCTION", "DATABASE", "SCHEMA", "CATALOG")
    if kind is None:
        raise cursor.error(_CREATE_KINDS)
    kind = "DATABASE" if kind == "SCHEMA" else kind
    if_exists = cursor.match("IF", "EXISTS")
    name = cursor.object_name(f"a {kind.lower()} name")
    cascade = kind == "DATABASE" and cursor.match_any("RESTRICT", "CASCADE") == "CASCADE"
    cursor.expect_end()
    return Drop(kind, name, if_exists, temporary, system, cascade)


def parse_alter(cursor: TokenCursor) -> AlterTable:
    """After ``ALTER``: ``ALTER TABLE t RENAME TO t2 | SET (...) | RESET (...)``."""
    cursor.expect("TABLE")
    name = cursor.object_name("a table name")
    if cursor.match("RENAME", "TO"):
        statement = AlterTable(name, "RENAME", new_name=cursor.object_name("the new table name"))
    elif cursor.match("SET"):
        statement = AlterTable(name, "SET", options=cursor.options())
    elif cursor.match("RESET"):
        cursor.expect_type(TokenType.L_PAREN, "'('")
        keys = [cursor.string("an option key in single quotes")]
        while cursor.match_type(TokenType.COMMA):
            keys.append(cursor.string("an option key in single quotes"))
        cursor.expect_type(TokenType.R_PAREN, "')' or ','")
        statement = AlterTable(name, "RESET", reset_keys=keys)
    else:
        raise cursor.error("RENAME TO, SET (...) or RESET (...)")
    cursor.expect_end()
    return statement
