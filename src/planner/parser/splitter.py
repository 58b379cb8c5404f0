"""Splitting a SQL script into statements on ``;``.

A ``;`` ends a statement only outside quotes ('...', "...", `...`), comments (``--``, ``/* */``)
and the ``BEGIN ... END`` block of ``EXECUTE STATEMENT SET`` (whose INSERTs end in ``;`` too; a
``CASE ... END`` inside one does not close the block). The same scan tells the interactive shell
whether its buffer holds a complete statement yet.

>>> split_statements("SET 'a' = '1';\\n  SELECT 'x;y' FROM t")
[("SET 'a' = '1'", 1, 1), ("SELECT 'x;y' FROM t", 2, 3)]
"""

from __future__ import annotations

from dataclasses import dataclass, field

_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_QUOTES = {"'": "'", '"': '"', "`": "`"}


@dataclass
class _Scan:
    """The spans of the statements found, and the scanner's state at the end of the text."""

    spans: list[tuple[int, int]] = field(default_factory=list)  # [start, end) of each statement
    open_start: int | None = None  # start of the unterminated statement after the last ';'
    inside: str | None = None  # an unclosed quote character, '/*', or '--'
    inside_start: int = 0  # where that unclosed quote or comment opens
    in_block: bool = False  # inside EXECUTE STATEMENT SET BEGIN ... END


def scan(script: str) -> _Scan:
    """Find where each statement starts and ends; an unterminated tail is left in ``open_start``."""
    result = _Scan()
    start: int | None = None  # first significant character of the current statement
    words: list[str] = []  # the current statement's words so far (upper-cased), for BEGIN/END
    case_depth = 0
    i, n = 0, len(script)
    while i < n:
        ch = script[i]
        pair = script[i : i + 2]
        if ch in _QUOTES:
            start = i if start is None else start
            close, opening = _QUOTES[ch], i
            i += 1
            while i < n:
                if script[i] == close:
                    if script[i + 1 : i + 2] == close:  # doubled quote escapes itself
                        i += 2
                        continue
                    break
                i += 1
            if i >= n:
                result.inside, result.inside_start = ch, opening
            i += 1
        elif pair == "--":
            end = script.find("\n", i)
            if end < 0:
                result.inside, result.inside_start = "--", i
                break
            i = end + 1
        elif pair == "/*":
            hint = script[i : i + 3] == "/*+"
            if hint:
                start = i if start is None else start
            end = script.find("*/", i + 2)
            if end < 0:
                result.inside, result.inside_start = "/*", i
                break
            i = end + 2
        elif ch in _WORD_CHARS:
            start = i if start is None else start
            j = i
            while j < n and script[j] in _WORD_CHARS:
                j += 1
            word = script[i:j].upper()
            words.append(word)
            if words[-3:] == ["STATEMENT", "SET", "BEGIN"]:
                result.in_block = True
            elif result.in_block and word == "CASE":
                case_depth += 1
            elif result.in_block and word == "END":
                if case_depth:
                    case_depth -= 1
                else:
                    result.in_block = False
            i = j
        elif ch == ";" and not result.in_block:
            if start is not None:
                result.spans.append((start, i))
            start, words, case_depth = None, [], 0
            i += 1
        else:
            if not ch.isspace():
                start = i if start is None else start
            i += 1
    result.open_start = start
    return result


def split_statements(script: str) -> list[tuple[str, int, int]]:
    """The statements of a script as (text without the ';', start line, start column), 1-based.

    Leading whitespace and comments are not part of a statement; statements holding nothing but
    them are skipped. A last statement without ``;`` is returned too.
    """
    return [(script[start:end], *position(script, start)) for start, end in statement_spans(script)]


def statement_spans(script: str) -> list[tuple[int, int]]:
    """Like ``split_statements``, as [start, end) offsets into the script (trailing space cut)."""
    result = scan(script)
    spans = list(result.spans)
    if result.open_start is not None:
        spans.append((result.open_start, len(script)))
    return [(start, start + len(script[start:end].rstrip())) for start, end in spans]


def is_complete(text: str) -> bool:
    """Whether the buffer ends with a statement closed by ';' (and nothing open after it)."""
    result = scan(text)
    return bool(result.spans) and result.open_start is None and not result.in_block and (
        result.inside in (None, "--")
    )


def position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of a character offset in ``text``."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column
