"""Flink SQL text to statements: the script splitter, ``FlinkDialect`` for sqlglot, and parsers
for everything around queries (DDL, SHOW, SET, INSERT, statement sets, EXPLAIN).

How each Flink construct appears in the sqlglot AST is described in ``dialect``'s docstring.
"""

from flowsql.planner.parser.dialect import FlinkDialect, WindowTableFunction, flink_type
from flowsql.planner.parser.splitter import is_complete, split_statements
from flowsql.planner.parser.statement_parser import (
    STATEMENT_KEYWORDS,
    parse_expression,
    parse_script,
    parse_statement,
)

__all__ = [
    "STATEMENT_KEYWORDS",
    "FlinkDialect",
    "WindowTableFunction",
    "flink_type",
    "is_complete",
    "parse_expression",
    "parse_script",
    "parse_statement",
    "split_statements",
]
