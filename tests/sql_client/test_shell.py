"""The interactive shell, driven through a pseudo-terminal with pexpect.

Each test runs against the fake environment (``fake_flowsql.py``) and, when the engine is
importable, against the real ``flowsql`` program too.
"""

import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

import pexpect

HERE = Path(__file__).parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\r")


BACKENDS = ["fake", "real"]

# Per backend: SQL that yields a 4-change streaming result, and an unbounded query (with setup).
WORDS_QUERY = {
    "fake": ("SELECT w, COUNT(*) AS c\r", "FROM words\r", "GROUP BY w;\r"),
    "real": ("SELECT w, COUNT(*) AS c\r", "FROM (VALUES ('a'), ('b'), ('a')) AS T(w)\r", "GROUP BY w;\r"),
}
UNBOUNDED_SETUP = {
    "fake": None,
    "real": "CREATE TABLE gen (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '20');\r",
}
UNBOUNDED_QUERY = {"fake": "SELECT * FROM endless;\r", "real": "SELECT * FROM gen;\r"}


def clean(text: str) -> str:
    return ANSI.sub("", text)


@pytest.fixture
def shell(request, tmp_path):
    """A function starting the shell for a backend; every child is closed at the end."""
    children = []

    def start(backend: str):
        env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", FLOWSQL_HOME=str(tmp_path),
                   COLUMNS="160", LINES="50")
        # one row per micro-batch, so the changelog is Flink's row-at-a-time sequence
        options = ["-D", "sql-client.display.print-time-cost=false", "-D", "flowsql.exec.batch.max-rows=1",
                   "-D", "sql-client.execution.result-mode=tableau"]  # table mode: test_table_mode.py
        if backend == "fake":
            command, args = sys.executable, [str(HERE / "fake_flowsql.py"), "--no-persistent-catalog"] + options
        else:
            command = shutil.which("flowsql") or sys.executable
            args = options if command != sys.executable else ["-m", "flowsql.sql_client.cli"] + options
        child = pexpect.spawn(command, args, env=env, encoding="utf-8", timeout=15, dimensions=(50, 160))
        children.append(child)
        child.expect("Welcome!")
        child.expect("flowsql>")
        return child

    yield start
    for child in children:
        if child.isalive():
            child.terminate(force=True)


def quit_shell(child) -> None:
    child.send("QUIT;\r")
    child.expect("Exiting flowsql...")
    child.expect(pexpect.EOF)


@pytest.mark.parametrize("backend", BACKENDS)
def test_multi_line_query_prints_a_tableau(shell, backend):
    child = shell(backend)
    first, second, third = WORDS_QUERY[backend]
    child.send(first)
    child.expect(">")  # the continuation prompt: nothing runs before the ';'
    child.send(second)
    child.send(third)
    child.expect("Received a total of 4 rows")
    output = clean(child.before)
    assert "| op |                              w |                    c |" in output
    assert "| -U |                              a |                    1 |" in output
    assert "| +U |                              a |                    2 |" in output
    child.expect("flowsql>")
    quit_shell(child)


@pytest.mark.parametrize("backend", BACKENDS)
def test_error_shows_a_caret_under_the_column(shell, backend):
    child = shell(backend)
    bad = "  FROM orders WHERE BOOM;" if backend == "fake" else "  FROM no_such_table;"
    child.send("SELECT *\r" + bad + "\r")
    child.expect(r"\[ERROR\] Could not execute SQL statement. Reason:")
    child.expect("flowsql>")
    output = clean(child.before)
    lines = output.split("\n")
    match = re.search(r"line (\d+), column (\d+)", output)
    assert match, output
    assert match.group(1) == "2"
    column = int(match.group(2))
    caret_line = next(i for i, text in enumerate(lines) if text.strip() == "^")
    assert lines[caret_line - 1] == bad.rstrip(";") or lines[caret_line - 1] == bad
    assert lines[caret_line].index("^") == column - 1
    if backend == "fake":
        assert column == 21
    quit_shell(child)


@pytest.mark.parametrize("backend", BACKENDS)
def test_ctrl_c_cancels_a_running_query_and_the_prompt_returns(shell, backend):
    child = shell(backend)
    if UNBOUNDED_SETUP[backend]:
        child.send(UNBOUNDED_SETUP[backend])
        child.expect(r"\[INFO\] Execute statement succeeded.")
        child.expect("flowsql>")
    child.send(UNBOUNDED_QUERY[backend])
    child.expect(r"\| \+I \|")
    child.expect(r"\| \+I \|")  # rows keep coming
    child.sendintr()
    child.expect(r"Query terminated, received a total of (\d+) rows?")
    assert int(child.match.group(1)) >= 2
    child.expect("flowsql>")
    # The shell still works after the cancellation.
    child.send("HELP;\r")
    child.expect("The following commands are available")
    child.expect("flowsql>")
    quit_shell(child)


def test_ctrl_c_at_the_prompt_clears_the_input_and_history_persists(shell, tmp_path):
    child = shell("fake")
    child.send("SELECT half a statement")
    time.sleep(0.2)
    child.sendintr()
    child.expect("flowsql>")
    child.send("SELECT * FROM empty;\r")
    child.expect("Received a total of 0 row")
    child.expect("flowsql>")
    child.sendeof()  # Ctrl-D leaves too
    child.expect("Exiting flowsql...")
    child.expect(pexpect.EOF)
    history = (tmp_path / "history").read_text()
    assert "SELECT * FROM empty;" in history
    assert "half a statement" not in history


def test_several_statements_on_one_line_and_client_commands(shell):
    child = shell("fake")
    child.send("SET 'a' = 'b'; SELECT * FROM empty;\r")
    child.expect(r"\[INFO\] Execute statement succeeded.")
    child.expect("Received a total of 0 row")
    child.expect("flowsql>")
    child.send("exit\r")  # client commands work without ';' too
    child.expect("Exiting flowsql...")
    child.expect(pexpect.EOF)
