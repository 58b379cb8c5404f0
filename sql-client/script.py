"""Cutting a script into statements, and telling whether typed input is a complete statement.

The parser (``flowsql.planner.parser``) owns the real rules; this module delegates to it and keeps
a small lexical scanner of its own for the moments the parser is unavailable, so the shell can
still tell where a statement ends. Both honour quotes, comments and statement sets
(``EXECUTE STATEMENT SET BEGIN ...; ...; END;``), whose inner semicolons do not end anything.
"""

from __future__ import annotations

import importlib
import re

Piece = tuple[str, int, int]  # statement text (no trailing ';'), line and column where it starts

_SET_START = re.compile(r"^\s*(EXECUTE\s+STATEMENT\s+SET\s+BEGIN|BEGIN\s+STATEMENT\s+SET)\b", re.IGNORECASE)
_SET_END = re.compile(r"\bEND\s*$", re.IGNORECASE)


def _parser_function(name: str):
    """The parser's own ``split_statements`` / ``is_complete``, or None when unavailable."""
    for module in ("flowsql.planner.parser", "flowsql.planner.parser.splitter"):
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    return None


def split_statements(script: str) -> list[Piece]:
    """The statements of ``script`` in order, each with the line and column (1-based) it starts at."""
    parser_split = _parser_function("split_statements")
    if parser_split is None:
        return scan_statements(script)
    return [(_strip_semicolon(text), line, column) for text, line, column in parser_split(script)]


def is_complete(text: str) -> bool:
    """True when ``text`` ends a statement (a ``;`` outside quotes, comments and statement sets)."""
    parser_is_complete = _parser_function("is_complete")
    if parser_is_complete is None:
        return _scan(text)[1]
    return parser_is_complete(text)


def _strip_semicolon(text: str) -> str:
    text = text.rstrip()
    return text[:-1].rstrip() if text.endswith(";") else text


def scan_statements(script: str) -> list[Piece]:
    """The lexical fallback of ``split_statements`` (also handles a last statement without ``;``)."""
    pieces, _ = _scan(script)
    return pieces


def _scan(script: str) -> tuple[list[Piece], bool]:
    """Split on top-level semicolons; the flag says whether the text ends right after one."""
    pieces: list[Piece] = []
    start: int | None = None  # offset of the current statement's first character
    i, n = 0, len(script)
    complete = False
    while i < n:
        c = script[i]
        if c in " \t\r\n":
            i += 1
            continue
        if script.startswith("--", i):
            end = script.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if script.startswith("/*", i):
            end = script.find("*/", i + 2)
            i = n if end < 0 else end + 2
            if end < 0:
                complete = False
            continue
        if start is None:
            start = i
            complete = False
        if c in "'\"`":
            j = i + 1
            while j < n:
                if script[j] == c:
                    if j + 1 < n and script[j + 1] == c:  # doubled quote escapes itself
                        j += 2
                        continue
                    break
                j += 1
            if j >= n:  # unterminated quote: the rest belongs to this statement
                i = n
                break
            i = j + 1
            continue
        if c == ";":
            text = script[start:i]
            if _SET_START.match(text) and not _SET_END.search(_without_comments(text)):
                i += 1  # a semicolon inside a statement set
                continue
            pieces.append((text.rstrip(), *_position(script, start)))
            start = None
            complete = True
        i += 1
    if start is not None and script[start:].strip():
        pieces.append((script[start:].rstrip(), *_position(script, start)))
        complete = False
    return pieces, complete and bool(pieces)


def _without_comments(text: str) -> str:
    text = re.sub(r"--[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL).rstrip()


def _position(script: str, offset: int) -> tuple[int, int]:
    line = script.count("\n", 0, offset) + 1
    column = offset - (script.rfind("\n", 0, offset) + 1) + 1
    return line, column
