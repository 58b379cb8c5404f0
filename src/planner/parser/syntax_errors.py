"""Turning what went wrong while parsing into ``SqlParseError``s that say where and what.

sqlglot reports errors with ANSI-underlined context and its own class names ("Required keyword:
'expression' missing for <class 'sqlglot.expressions.core.EQ'>"); users get instead "Encountered
')': expected an expression", the line and column, and a hint where one is likely to help.
Positions here are relative to the statement text; the statement parser moves them to the script.
"""

from __future__ import annotations

import re

from sqlglot.errors import ParseError, TokenError

from flowsql.common.errors import SqlParseError
from flowsql.planner.parser.splitter import position, scan

# Words Flink (Calcite) reserves that people often try as column names.
RESERVED_NAMES = frozenset((
    "ARRAY", "CURRENT", "DATE", "DAY", "FUNCTION", "HOUR", "INTERVAL", "LANGUAGE", "LOCAL", "MAP",
    "MATCH", "MINUTE", "MONTH", "POSITION", "RANGE", "RESULT", "ROW", "ROWS", "SECOND", "SYSTEM",
    "SYSTEM_TIME", "SYSTEM_USER", "TIME", "TIMESTAMP", "USER", "VALUE", "WINDOW", "YEAR",
))

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_MISSING = re.compile(r"Required keyword: '(\w+)' missing for <class '[\w.]+\.(\w+)'>")
_CLASS = re.compile(r"<class '[\w.]+\.(\w+)'>")
_DESCRIPTIONS = {
    "Invalid expression / Unexpected token": "unexpected token",
    "Expecting )": "expected ')'",
    "Expecting (": "expected '('",
    "Expected ]": "expected ']'",
}


def syntax_error(message: str, text: str, offset: int, hint: str | None = None) -> SqlParseError:
    """A parse error at a character offset of the statement text."""
    line, column = position(text, offset)
    return SqlParseError(message, line=line, column=column, sql=text, hint=hint)


def reserved_word_hint(word: str) -> str | None:
    if word.upper() in RESERVED_NAMES:
        return f"'{word}' is a reserved word; to use it as a name, write it in back-quotes: `{word}`"
    return None


def from_sqlglot(error: ParseError | TokenError, text: str) -> SqlParseError:
    """Convert a sqlglot error raised while parsing ``text`` (positions kept)."""
    if isinstance(error, TokenError):
        return _from_token_error(text)
    details = error.errors[0] if error.errors else {}
    description = _describe(_ANSI.sub("", str(details.get("description") or error)))
    highlight = _ANSI.sub("", str(details.get("highlight") or ""))
    line, column = details.get("line"), details.get("col")
    if not line or not column:
        return SqlParseError(description, sql=text)
    lines = text.splitlines() or [""]
    # sqlglot's column is where the highlighted token ends; report where it starts.
    offset = sum(len(x) + 1 for x in lines[: line - 1]) + max(0, column - len(highlight))
    at_end = highlight and offset + len(highlight) >= len(text.rstrip())
    if at_end and description != "unexpected token" and highlight not in (")", "]", ","):
        message = f"Unexpected end of statement after '{highlight}': {description}"
        offset += len(highlight)
    elif highlight:
        message = f"Encountered '{highlight}': {description}"
    else:
        message = description[:1].upper() + description[1:]
    hint = reserved_word_hint(highlight) or _previous_word_hint(text, offset, description)
    if hint is None and description == "expected ')'":
        hint = "a '(' is not closed; check the parentheses"
    return syntax_error(message, text, offset, hint)


def _describe(description: str) -> str:
    missing = _MISSING.search(description)
    if missing:
        return "expected an expression"
    description = _DESCRIPTIONS.get(description.split(". Line ")[0], description)
    description = _CLASS.sub(r"\1", description)
    if description[1:2].islower():  # our own messages are sentences; fit them after 'Encountered'
        description = description[:1].lower() + description[1:]
    return description


def _previous_word_hint(text: str, offset: int, description: str) -> str | None:
    """A reserved word just before an unexpected token is often the culprit (``SELECT value,``)."""
    if description != "unexpected token":
        return None
    words = re.findall(r"[A-Za-z_]\w*", text[:offset])
    return reserved_word_hint(words[-1]) if words else None


def _from_token_error(text: str) -> SqlParseError:
    state = scan(text)
    if state.inside in ("'", '"', "`"):
        kind = "identifier" if state.inside == "`" else "string"
        return syntax_error(
            f"Unterminated {kind}: no closing {state.inside} for the one opened here",
            text, state.inside_start, hint=f"close it with {state.inside} (double it inside to escape it)",
        )
    if state.inside == "/*":
        return syntax_error("Unterminated comment: '/*' without '*/'", text, state.inside_start)
    return SqlParseError("cannot read the statement's characters", line=1, column=1, sql=text)
