"""One exception hierarchy for everything a user can get wrong or the engine can hit.

Every error carries, where known, the place it concerns: the SQL statement with line and column,
or the file and record. ``str(error)`` renders all of it, so callers never need a stack trace.
"""

from __future__ import annotations

import difflib
from typing import Iterable


class FlowSqlError(Exception):
    """Base of all flowsql errors: a message, a place and an optional hint."""

    kind = "Error"

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        sql: str | None = None,
        location: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.sql = sql
        self.location = location
        self.hint = hint

    def at(self, line: int | None, column: int | None) -> "FlowSqlError":
        """Fill in the position when it is not known yet; returns self for chaining."""
        if self.line is None and line is not None:
            self.line, self.column = line, column
        return self

    def shift(self, line_offset: int, column_offset_first_line: int = 0) -> "FlowSqlError":
        """Move a statement-relative position to a script-relative one."""
        if self.line is not None:
            if self.line == 1 and self.column is not None:
                self.column += column_offset_first_line
            self.line += line_offset
        return self

    def with_sql(self, sql: str) -> "FlowSqlError":
        if self.sql is None:
            self.sql = sql
        return self

    def place(self) -> str:
        parts = []
        if self.location:
            parts.append(self.location)
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        return ", ".join(parts)

    def caret(self) -> str:
        """The offending SQL line with a caret under the column, or '' when unknown."""
        if self.sql is None or self.line is None:
            return ""
        lines = self.sql.splitlines()
        if not 0 < self.line <= len(lines):
            return ""
        text = lines[self.line - 1]
        col = max(1, self.column or 1)
        return f"{text}\n{' ' * (col - 1)}^"

    def __str__(self) -> str:
        place = self.place()
        head = f"{self.kind}: {self.message}" + (f" (at {place})" if place else "")
        caret = self.caret()
        if caret:
            head += "\n" + caret
        if self.hint:
            head += f"\nHint: {self.hint}"
        return head


class SqlParseError(FlowSqlError):
    kind = "SQL parse error"


class ValidationError(FlowSqlError):
    kind = "Validation error"


class PlanningError(FlowSqlError):
    kind = "Planning error"


class ExecutionError(FlowSqlError):
    kind = "Runtime error"


class ConnectorError(FlowSqlError):
    kind = "Connector error"


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean ...' hint for a misspelt name, or None if nothing is close."""
    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f"did you mean '{lowered[match[0]]}'?" if match else None
