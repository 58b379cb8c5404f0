"""Tab completion for the shell: keywords, built-in functions, tables, columns and SET keys.

Catalog objects come from the environment and are cached until ``refresh()`` (the shell calls it
after every statement, since DDL may have changed them). Lookups that fail are ignored: completion
must never break typing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from flowsql.sql_client.highlight import SQL_KEYWORDS

_WORD = re.compile(r"[A-Za-z_0-9$`]+$")
_OPTION_KEY = re.compile(r"^\s*(SET|RESET)\s+'([^']*)$", re.IGNORECASE)
_TABLE_CONTEXT = ("FROM", "JOIN", "INTO", "TABLE", "DESCRIBE", "DESC", "UPDATE", "VIEW", "COLUMNS")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


class SqlCompleter(Completer):
    def __init__(self, env: Any) -> None:
        self.env = env
        self._tables: list[str] | None = None
        self._columns: dict[str, list[str]] = {}
        self._functions: list[tuple[str, str]] | None = None

    def refresh(self) -> None:
        self._tables = None
        self._columns = {}

    # -- sources ---------------------------------------------------------------------------
    def tables(self) -> list[str]:
        if self._tables is None:
            names: set[str] = set()
            for lister in ("list_tables", "list_views"):
                try:
                    names.update(getattr(self.env, lister)())
                except Exception:  # not available in this environment
                    pass
            self._tables = sorted(names)
        return self._tables

    def columns(self, table: str) -> list[str]:
        if table not in self._columns:
            try:
                self._columns[table] = list(self.env.get_table_columns(table))
            except Exception:  # unknown table, or no column lookup yet
                self._columns[table] = []
        return self._columns[table]

    def functions(self) -> list[tuple[str, str]]:
        if self._functions is None:
            try:
                from flowsql.planner.functions.registry import all_functions

                self._functions = [(f.name, f.signature) for f in all_functions()]
            except Exception:  # the registry is optional for completion
                self._functions = []
        return self._functions

    @staticmethod
    def option_keys() -> list[str]:
        from flowsql.common.config import DEFAULTS

        return sorted(DEFAULTS)

    # -- completion ------------------------------------------------------------------------
    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        before = document.text_before_cursor
        option = _OPTION_KEY.search(before.split(";")[-1])
        if option:
            typed = option.group(2)
            for key in self.option_keys():
                if key.startswith(typed):
                    yield Completion(key + "'", start_position=-len(typed), display=key)
            return
        match = _WORD.search(before)
        word = match.group() if match else ""
        if not word and not complete_event.completion_requested:
            return
        prefix = word.strip("`").lower()
        previous = _previous_word(before[: len(before) - len(word)])
        seen: set[str] = set()

        def offer(name: str, meta: str) -> Iterable[Completion]:
            if name.lower().startswith(prefix) and name.lower() not in seen:
                seen.add(name.lower())
                yield Completion(name, start_position=-len(word), display_meta=meta)

        if previous in _TABLE_CONTEXT:
            for table in self.tables():
                yield from offer(table, "table")
            return
        statement = before.split(";")[-1] + document.text_after_cursor.split(";")[0]
        mentioned = {t.lower() for t in _IDENTIFIER.findall(statement)}
        for table in self.tables():
            if table.lower() in mentioned:
                for column in self.columns(table):
                    yield from offer(column, f"column of {table}")
        lower = word.islower()
        for keyword in SQL_KEYWORDS:
            yield from offer(keyword.lower() if lower else keyword, "keyword")
        for name, signature in self.functions():
            yield from offer(name.lower() if lower else name, signature or "function")
        for table in self.tables():
            yield from offer(table, "table")


def _previous_word(text: str) -> str:
    words = re.findall(r"[A-Za-z_]+", text[-64:])
    return words[-1].upper() if words else ""
