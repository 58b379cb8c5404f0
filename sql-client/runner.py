"""Running statements the way Flink's SQL client does, and printing what they produce.

``StatementRunner`` is shared by the interactive shell and ``flowsql -f``: it sends one statement
to the ``TableEnvironment`` and prints Flink's messages (``[INFO] Execute statement succeeded.``,
``Job ID: ...``), results in tableau form as they arrive, and errors with their position.
``run_script`` runs a whole file, stopping at the first error.
"""

from __future__ import annotations

import re
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TextIO

from flowsql.sql_client.script import split_statements
from flowsql.table import printing

MESSAGE_SUCCEEDED = "[INFO] Execute statement succeeded."
MESSAGE_SUBMITTING = "[INFO] Submitting SQL update statement to the cluster..."
MESSAGE_SUBMITTED = "[INFO] SQL update statement has been successfully submitted to the cluster:"
MESSAGE_SYNC = "[INFO] Execute statement in sync mode. Please wait for the execution finish..."
MESSAGE_COMPLETE = "[INFO] Complete execution of the SQL update statement."
MESSAGE_ERROR = "[ERROR] Could not execute SQL statement. Reason:"
MESSAGE_EXECUTE_FILE = "[INFO] Executing SQL from file."

# Like Flink's client, the rows of SHOW / DESCRIBE are never cut to the column width: a job id
# printed by SHOW JOBS must be whole to be pasted into STOP JOB.
STATEMENT_MAX_WIDTH = 10_000

RESULT_MODE_KEY = "sql-client.execution.result-mode"
RESULT_MODES = ("table", "changelog", "tableau")

HELP_TEXT = """\
The following commands are available:

CLEAR           Clears the current terminal.
HELP            Prints the available commands.
QUIT/EXIT       Quits the SQL CLI client.
SET             Sets a session configuration property. Syntax: "SET '<key>'='<value>';".
                Use "SET;" for listing all properties.
RESET           Resets a session configuration property. Syntax: "RESET '<key>';".
                Use "RESET;" for reset all session properties.

Any SQL statement ends with ';': CREATE / DROP / ALTER, SELECT, INSERT INTO, EXECUTE STATEMENT SET,
SHOW, DESCRIBE, EXPLAIN, USE.

Jobs: SHOW JOBS lists them; DESCRIBE JOB '<id>' shows one; SHOW JOB '<id>' shows its operators
(rows, rates, watermarks, backpressure, state size); STOP JOB '<id>' cancels it.

Hint: Make sure that a statement ends with ";" for finalizing (multi-line) statements.
Hint: Ctrl-C cancels a running query; Ctrl-D or QUIT; leaves.
Hint: SET 'sql-client.execution.result-mode' = 'tableau' | 'changelog' picks how results print.
"""

CLIENT_COMMANDS = ("HELP", "QUIT", "EXIT", "CLEAR")


def client_command(text: str) -> str | None:
    """``HELP`` / ``QUIT`` / ``EXIT`` / ``CLEAR`` when ``text`` is one of the client's own commands."""
    word = text.strip().rstrip(";").strip().upper()
    return word if word in CLIENT_COMMANDS else None


class StatementFailed(Exception):
    """A statement failed; its error has been printed already."""


class StatementRunner:
    """Executes statements against one environment and prints the outcome to ``out``.

    ``source`` names where statements come from (a file name, or None in the shell) so that error
    positions read ``job.sql:7:12``. Jobs submitted asynchronously are remembered in
    ``running_jobs`` so the caller can wait for them before the process ends.
    """

    def __init__(self, env: Any, out: TextIO | None = None, *, source: str | None = None,
                 full_screen: bool = False) -> None:
        self.env = env
        self.full_screen = full_screen  # the interactive shell: the 'table' result mode takes the screen
        self.out = out or sys.stdout
        self.source = source
        self.running_jobs: list[Any] = []
        self.interrupted = False  # set when Ctrl-C cancelled the last query
        self._rows_seen = 0  # rows of the running query received so far (for the Ctrl-C message)

    # -- output ----------------------------------------------------------------------------
    def write(self, text: str) -> None:
        self.out.write(text)

    def println(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    # -- configuration ---------------------------------------------------------------------
    def option(self, key: str, default: str | None = None) -> str | None:
        try:
            value = self.env.get_config().get(key)
        except Exception:  # an environment without the key
            value = None
        return default if value is None else value

    def option_bool(self, key: str, default: bool = False) -> bool:
        value = self.option(key)
        return default if value is None else str(value).strip().lower() == "true"

    def max_column_width(self) -> int:
        value = self.option("table.display.max-column-width")
        value = value or self.option("sql-client.display.max-column-width")
        try:
            return max(int(str(value)), len(printing.TRUNCATED_FLAG) + 1) if value is not None else 30
        except ValueError:
            return printing.DEFAULT_MAX_WIDTH

    def time_zone(self) -> Any:
        name = self.option("table.local-time-zone", "UTC")
        try:
            from zoneinfo import ZoneInfo

            return ZoneInfo(name)
        except Exception:  # an unknown zone name; the engine reports it where it matters
            return None

    # -- execution -------------------------------------------------------------------------
    def run(self, text: str, *, line: int = 1, column: int = 1, script: str | None = None) -> bool:
        """Execute one statement and print its outcome; False when it failed (error printed)."""
        started = time.monotonic()
        self.interrupted = False
        try:
            result = self.env.execute_sql(text)
            self._show(result, text, started)
        except KeyboardInterrupt:
            raise
        except Exception as error:  # every failure is reported the same way, then the caller decides
            self.print_error(error, text, line, column, script)
            return False
        return True

    def _show(self, result: Any, text: str, started: float) -> None:
        job_id = getattr(result, "job_id", None)
        if job_id is not None and not _is_query(text):
            self._show_job(result, job_id)
            return
        kind = result.get_result_kind()
        if getattr(kind, "name", str(kind)).upper().endswith("SUCCESS"):
            self.println(MESSAGE_SUCCEEDED)
            return
        self.show_rows(result, text, started)

    def _show_job(self, result: Any, job_id: str) -> None:
        self.println(MESSAGE_SUBMITTING)
        if self.option_bool("table.dml-sync"):
            self.println(MESSAGE_SYNC)
            try:
                self._wait(result)
            except KeyboardInterrupt:
                result.cancel()
                raise
            self.println(MESSAGE_COMPLETE)
            self.print_warnings(result)
            return
        self.println(MESSAGE_SUBMITTED)
        self.println(f"Job ID: {job_id}")
        self.running_jobs.append(result)

    def show_rows(self, result: Any, text: str, started: float) -> int:
        """Print a result with content: raw text for EXPLAIN / SHOW CREATE, else a tableau table."""
        schema = result.get_table_schema()
        names = list(schema.get_field_names())
        types = list(schema.get_field_data_types())
        streaming = bool(getattr(result, "is_streaming", False))
        if len(names) == 1 and _is_raw_content_statement(text):
            for batch in result.change_batches():
                for (value,) in printing.batch_rows(batch)[1]:
                    self.println(str(value))
            return 0
        print_time = self.option_bool("sql-client.display.print-time-cost", True)
        elapsed = (lambda: time.monotonic() - started) if print_time else None
        mode = (self.option(RESULT_MODE_KEY) or "tableau").strip().lower()
        count = 0
        if mode == "table" and self.full_screen and _is_query(text):  # SHOW, DESCRIBE ... print, as in Flink
            return self._show_table(result)
        try:
            if streaming and mode == "changelog":
                count = self._print_changelog(result, names, types)
                self.println(printing.footer_text(count, printing.RECEIVED, elapsed() if elapsed else None))
            else:
                count = printing.print_change_batches(
                    names, types, _counting(result.change_batches(), self._count_rows),
                    self.write, with_op=streaming, widths="types" if streaming else "data",
                    footer=printing.RECEIVED if streaming else printing.IN_SET,
                    max_width=self.max_column_width() if streaming or _is_query(text) else STATEMENT_MAX_WIDTH,
                    zone=self.time_zone(), flush=self.out.flush,
                    seconds=elapsed,
                )
        except KeyboardInterrupt:
            # Ctrl-C ends the query, not the client: Flink prints how far it got.
            _cancel(result)
            self.interrupted = True
            self.println()
            self.println(printing.footer_text(self._rows_seen, printing.TERMINATED))
        finally:
            self._rows_seen = 0
        self.print_warnings(result)
        return count

    def print_warnings(self, result: Any) -> None:
        """The run's warnings (malformed records skipped, windows stalled), one line each."""
        warnings = getattr(result, "get_warnings", None)
        for text in warnings() if warnings is not None else []:
            self.println(f"[WARNING] {text}")

    def _show_table(self, result: Any) -> int:
        """Flink's 'table' mode: the result full-screen, updating in place, until the user quits."""
        from flowsql.sql_client.table_view import TableView

        refresh = self.option("sql-client.display.table-mode.refresh-interval", "1s")
        view = TableView(result, max_width=self.max_column_width(), zone=self.time_zone(),
                         refresh=_seconds(refresh, 1.0))
        count = view.run()
        self.interrupted = view.status == "CANCELED"
        self.println(printing.footer_text(count, printing.RECEIVED if view.status != "CANCELED"
                                          else printing.TERMINATED))
        return count

    def _count_rows(self, n: int) -> None:
        self._rows_seen += n

    def _print_changelog(self, result: Any, names: list[str], types: list[Any]) -> int:
        """The changelog mode without a full screen: one line a change, ``op`` first, no borders."""
        printer = printing.TableauPrinter(
            names, types, with_op=True, max_width=self.max_column_width(), zone=self.time_zone()
        )
        self.println(" ".join(printing.fit_cell(h, w) for h, w in zip(printer.header_cells, printer.widths)))
        count = 0
        for batch in _counting(result.change_batches(), self._count_rows):
            kinds, rows = printing.batch_rows(batch)
            for kind, row in zip(kinds, rows):
                cells = printer.cells(kind, row)
                self.write(" ".join(printing.fit_cell(c, w) for c, w in zip(cells, printer.widths)) + "\n")
            self.out.flush()
            count += len(rows)
        return count

    # -- errors ----------------------------------------------------------------------------
    def print_error(
        self, error: BaseException, text: str, line: int, column: int, script: str | None
    ) -> None:
        self.println(MESSAGE_ERROR)
        self.println(self.describe_error(error, text, line, column, script))
        if self.option_bool("sql-client.verbose"):
            self.println("".join(traceback.format_exception(error)).rstrip())

    def describe_error(
        self, error: BaseException, text: str, line: int, column: int, script: str | None
    ) -> str:
        """The error with a script-relative position (and the file name, when running a file)."""
        from flowsql.common.errors import FlowSqlError

        if not isinstance(error, FlowSqlError):
            message = f"{type(error).__name__}: {error}"
            return f"{self.source}:{line}:{column}: {message}" if self.source else message
        if error.line is not None and script is not None:
            error.shift(line - 1, column - 1)
        # The caret must be drawn from the same text the position now refers to.
        error.sql = script if script is not None else text
        if not self.source:
            return str(error)
        where_line = error.line if error.line is not None else line
        where_column = error.column if error.line is not None and error.column else column
        return f"{self.source}:{where_line}:{where_column}: {error}"

    # -- jobs ------------------------------------------------------------------------------
    def wait_for_jobs(self) -> bool:
        """Wait for every job submitted so far; False if one of them failed (error printed)."""
        ok = True
        while self.running_jobs:
            job = self.running_jobs.pop(0)
            try:
                self._wait(job)
            except KeyboardInterrupt:
                for other in [job] + self.running_jobs:
                    _cancel(other)
                self.running_jobs.clear()
                raise
            except Exception as error:
                self.println(f"[ERROR] Job {getattr(job, 'job_id', '?')} failed. Reason:")
                self.println(self.describe_error(error, "", 1, 1, None))
                ok = False
            else:
                self.print_warnings(job)
        return ok

    def _wait(self, result: Any) -> None:
        """Wait for a submitted job; a bounded one shows its progress on a terminal's stderr meanwhile."""
        job = getattr(result, "job", None)
        if job is not None and getattr(job, "sources", None) and all(r.bounded for r in job.roots):
            from flowsql.sql_client.progress import should_draw, wait_with_progress

            if should_draw(sys.stderr):
                wait_with_progress(job, sys.stderr)
        result.wait()

    def cancel_jobs(self) -> None:
        for job in self.running_jobs:
            _cancel(job)
        self.running_jobs.clear()


def _is_raw_content_statement(text: str) -> bool:
    words = text.split(None, 2)
    head = " ".join(w.upper() for w in words[:2])
    return head.startswith("EXPLAIN") or head in ("SHOW CREATE",)


def _is_query(text: str) -> bool:
    """A SELECT-like statement, whose rows are printed even when the engine runs it as a job."""
    head = text.lstrip(" \t\r\n(").split(None, 1)
    return bool(head) and head[0].upper() in ("SELECT", "WITH", "VALUES", "TABLE")


def _seconds(text: str, default: float) -> float:
    """A duration such as '1s', '500 ms' or '2' (seconds)."""
    match = re.fullmatch(r"\s*([\d.]+)\s*(ms|s|sec|seconds?)?\s*", str(text))
    if not match:
        return default
    value = float(match.group(1))
    return value / 1000 if match.group(2) == "ms" else value


def _counting(batches: Any, count: Callable[[int], None]) -> Any:
    for batch in batches:
        count(batch.num_rows)
        yield batch


def _cancel(result: Any) -> None:
    try:
        result.cancel()
    except Exception:  # the job may be finished already; cancelling is best effort
        pass


def run_script(runner: StatementRunner, script: str, *, echo: bool = True, prompt: str = "flowsql> ") -> bool:
    """Run every statement of ``script`` in order, stopping at the first failure (False).

    Like ``sql-client.sh -f``, each statement is echoed after the prompt before its output, and
    ``QUIT;`` ends the script early.
    """
    for text, line, column in split_statements(script):
        command = client_command(text)
        if echo:
            runner.println(prompt + _indent_continuation(text.strip() + ";", prompt))
        if command in ("QUIT", "EXIT"):
            return True
        if command == "HELP":
            runner.write(HELP_TEXT)
        elif command is None and not runner.run(text, line=line, column=column, script=script):
            return False
        if runner.interrupted:  # Ctrl-C stops a script, as in Flink
            return False
        if echo:
            runner.println()
    return True


def _indent_continuation(text: str, prompt: str) -> str:
    continuation = " " * (len(prompt) - 2) + "> "
    return ("\n" + continuation).join(text.split("\n"))
