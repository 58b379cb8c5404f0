"""Syntax highlighting for the shell: pygments' SQL lexer when installed, else a small one of ours.

Both produce pygments token classes (``class:pygments.keyword`` ...), so prompt_toolkit's default
pygments style colours either the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from prompt_toolkit.document import Document
from prompt_toolkit.lexers import Lexer

# Flink SQL's keywords (statements, clauses, window TVFs, types), for highlighting and completion.
SQL_KEYWORDS: tuple[str, ...] = tuple(sorted(set("""
ADD AFTER ALL ALTER ANALYZE AND ANY ARRAY AS ASC AT BEGIN BETWEEN BIGINT BINARY BOOLEAN BOTH BUCKETS BY
BYTES CALL CASCADE CASE CAST CATALOG CATALOGS CHANGELOG_MODE CHAR COLUMNS COMMENT COMPILE COMPUTE
CONSTRAINT CREATE CROSS CUBE CUMULATE CURRENT DATABASE DATABASES DATE DAY DECIMAL DEFINE DELETE DESC
DESCRIBE DESCRIPTOR DISTINCT DISTRIBUTED DOUBLE DROP ELSE END ENFORCED ESCAPE ESTIMATED_COST EXCEPT
EXCLUDING EXECUTE EXISTS EXPLAIN EXTENDED FALSE FETCH FIRST FLOAT FOLLOWING FOR FROM FULL FUNCTION
FUNCTIONS GROUP GROUPING HAVING HOP HOUR IF ILIKE IN INCLUDING INNER INSERT INT INTEGER INTERSECT
INTERVAL INTO IS JOBS JOIN JSON_EXECUTION_PLAN KEY LAST LATERAL LEFT LIKE LIMIT LOAD MAP MATCH_RECOGNIZE
MEASURES METADATA MINUTE MODULE MODULES MONTH MULTISET NATURAL NOT NULL NULLS OF OFFSET ON ONLY OR ORDER
OUTER OVER OVERWRITE OVERWRITING PARTITION PARTITIONED PATTERN PER PLAN PRECEDING PRIMARY RANGE RESET
RIGHT ROLLUP ROW ROWS SECOND SELECT SESSION SET SETS SHOW SKIP SMALLINT STATEMENT STOP STRING
SYSTEM SYSTEM_TIME TABLE TABLES TEMPORARY THEN TIME TIMESTAMP TIMESTAMP_LTZ TINYINT TO TRUE TRUNCATE
TRY_CAST TUMBLE UNBOUNDED UNION UNLOAD UNNEST UPDATE USE USING VALUES VARBINARY VARCHAR VIEW VIEWS
VIRTUAL WATERMARK WATERMARKS WHEN WHERE WINDOW WITH WITHIN WITHOUT YEAR ZONE
""".split())))

_KEYWORD_SET = frozenset(SQL_KEYWORDS)
_TOKEN = re.compile(
    r"(?P<comment>--.*)"
    r"|(?P<string>'(?:[^']|'')*'?)"
    r"|(?P<quoted>`[^`]*`?|\"[^\"]*\"?)"
    r"|(?P<number>\b\d+(?:\.\d+)?\b)"
    r"|(?P<word>[A-Za-z_][A-Za-z_0-9]*)"
    r"|(?P<operator>[-+*/%<>=!|,;().]+)"
    r"|(?P<other>\s+|.)"
)
_STYLE = {
    "comment": "class:pygments.comment",
    "string": "class:pygments.literal.string",
    "quoted": "class:pygments.name",
    "number": "class:pygments.literal.number",
    "operator": "class:pygments.operator",
}


class SimpleSqlLexer(Lexer):
    """Keywords, strings, numbers and ``--`` comments, one line at a time."""

    def lex_document(self, document: Document) -> Callable[[int], list[tuple[str, str]]]:
        lines = document.lines

        def get_line(number: int) -> list[tuple[str, str]]:
            if not 0 <= number < len(lines):
                return []
            fragments = []
            for match in _TOKEN.finditer(lines[number]):
                kind, text = match.lastgroup or "other", match.group()
                if kind == "word":
                    style = "class:pygments.keyword" if text.upper() in _KEYWORD_SET else ""
                else:
                    style = _STYLE.get(kind, "")
                fragments.append((style, text))
            return fragments

        return get_line


def sql_lexer() -> Lexer:
    """The best SQL lexer available."""
    try:
        from prompt_toolkit.lexers import PygmentsLexer
        from pygments.lexers.sql import SqlLexer
    except ImportError:
        return SimpleSqlLexer()
    return PygmentsLexer(SqlLexer)
