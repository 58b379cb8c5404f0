"""The interactive shell: multi-line SQL until ``;``, highlighting, completion, history, Ctrl-C.

Enter submits only a complete statement (a ``;`` outside quotes, comments and statement sets);
otherwise it starts a new line under the continuation prompt. Ctrl-C at the prompt clears the
input; while a query runs it cancels the query and returns to the prompt. Ctrl-D, ``QUIT;`` or
``EXIT;`` leave.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.shortcuts import clear

from flowsql import __version__
from flowsql.sql_client.completion import SqlCompleter
from flowsql.sql_client.highlight import sql_lexer
from flowsql.sql_client.runner import HELP_TEXT, StatementRunner, client_command
from flowsql.sql_client.script import is_complete, split_statements

PROMPT = "flowsql> "
CONTINUATION = " " * (len(PROMPT) - 2) + "> "
EXIT_MESSAGE = "Exiting flowsql..."

BANNER = f"""\
  ~~~~  flowsql {__version__}
 ~~~~   streaming SQL in Flink's dialect, in-process, over Arrow
  ~~~~

Welcome! Enter 'HELP;' to list all available commands. 'QUIT;' to exit.
"""


def history_file() -> Path:
    """``$FLOWSQL_HOME/history``, by default ``~/.flowsql/history``."""
    home = os.environ.get("FLOWSQL_HOME") or os.path.join(os.path.expanduser("~"), ".flowsql")
    return Path(home) / "history"


def _submit_or_newline(event: Any) -> None:
    """Enter: run the input when it is a whole statement (or a client command), else break the line."""
    buffer = event.current_buffer
    text = buffer.text
    if not text.strip() or client_command(text) or is_complete(text):
        buffer.validate_and_handle()
    else:
        buffer.insert_text("\n")


class Shell:
    def __init__(
        self,
        env: Any,
        *,
        color: bool = True,
        history_path: str | os.PathLike | None = None,
        out: TextIO | None = None,
        catalog: Any = None,
    ) -> None:
        self.env = env
        self.catalog = catalog  # a PersistentCatalog, or None
        self.out = out or sys.stdout
        self.runner = StatementRunner(env, self.out, full_screen=self.out.isatty())
        self.completer = SqlCompleter(env)
        self.session = PromptSession(
            history=self._history(history_path),
            lexer=sql_lexer() if color and not os.environ.get("NO_COLOR") else None,
            completer=self.completer,
            complete_while_typing=False,
            multiline=True,
            key_bindings=self._key_bindings(),
            prompt_continuation=lambda width, line_number, wrap_count: CONTINUATION,
            enable_history_search=False,
        )

    @staticmethod
    def _history(path: str | os.PathLike | None) -> Any:
        target = Path(path) if path else history_file()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.touch(exist_ok=True)
        except OSError:  # a read-only home: history for this session only
            return InMemoryHistory()
        return FileHistory(str(target))

    @staticmethod
    def _key_bindings() -> KeyBindings:
        bindings = KeyBindings()
        bindings.add("enter")(_submit_or_newline)
        bindings.add("escape", "enter")(lambda event: event.current_buffer.insert_text("\n"))
        return bindings

    def println(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def run(self) -> int:
        self.println(BANNER)
        self._load_catalog()
        try:
            while True:
                try:
                    text = self.session.prompt(PROMPT)
                except KeyboardInterrupt:  # Ctrl-C clears the input
                    continue
                except EOFError:  # Ctrl-D
                    break
                if not self.execute(text):
                    break
            self.println(EXIT_MESSAGE)
            return self._finish_jobs()
        finally:
            self.runner.cancel_jobs()

    def execute(self, text: str) -> bool:
        """Run what was typed (one or more statements); False when the user asked to leave."""
        for statement, line, column in split_statements(text):
            command = client_command(statement)
            if command in ("QUIT", "EXIT"):
                return False
            if command == "HELP":
                self.out.write(HELP_TEXT)
            elif command == "CLEAR":
                clear()
            else:
                try:
                    self.runner.run(statement, line=line, column=column, script=text)
                except KeyboardInterrupt:  # Ctrl-C before any result arrived
                    self.println("\n[INFO] Statement cancelled.")
                self._save_catalog()
                self.completer.refresh()
            self.println()
        return True

    def _load_catalog(self) -> None:
        if self.catalog is None:
            return
        count, warnings = self.catalog.load()
        for warning in warnings:
            self.println(f"[WARNING] {warning}")
        if count:
            self.println(f"[INFO] Restored {count} catalog object{'s' if count > 1 else ''} from {self.catalog.path} "
                         "(--no-persistent-catalog starts without them).")
            self.println()
        self.completer.refresh()

    def _save_catalog(self) -> None:
        if self.catalog is None:
            return
        try:
            self.catalog.sync()
        except OSError as error:
            self.println(f"[WARNING] Could not save the catalog to {self.catalog.path}: {error.strerror}")

    def _finish_jobs(self) -> int:
        """Jobs run inside this process: wait for the ones still running (Ctrl-C cancels them)."""
        if not self.runner.running_jobs:
            return 0
        count = len(self.runner.running_jobs)
        self.println(f"[INFO] Waiting for {count} running job{'s' if count > 1 else ''} to finish "
                     "(Ctrl-C cancels)...")
        try:
            return 0 if self.runner.wait_for_jobs() else 1
        except KeyboardInterrupt:
            self.println("[INFO] Jobs cancelled.")
            return 130
