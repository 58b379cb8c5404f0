"""The shell's full-screen 'table' result mode, driven in a pseudo-terminal and read off the screen
through a terminal emulator (pyte), as a user would see it."""

import os
import sys
import time

import pexpect
import pyte
import pytest

ROWS, COLUMNS = 20, 120


class Terminal:
    def __init__(self, tmp_path) -> None:
        env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", FLOWSQL_HOME=str(tmp_path),
                   COLUMNS=str(COLUMNS), LINES=str(ROWS))
        self.child = pexpect.spawn(sys.executable, ["-m", "flowsql.sql_client.cli", "-D",
                                                    "sql-client.execution.result-mode=table"],
                                   env=env, encoding="utf-8", timeout=20, dimensions=(ROWS, COLUMNS))
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.Stream(self.screen)
        self.wait_for("flowsql>")

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, needle: str, timeout: float = 20) -> str:
        """Feed the terminal until ``needle`` is on the screen; the screen's text."""
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} never appeared on the screen:\n{self.text()}")
            self.feed()
        return self.text()

    def feed(self) -> None:
        try:
            self.stream.feed(self.child.read_nonblocking(65536, timeout=0.2))
        except pexpect.TIMEOUT:
            pass

    def send(self, keys: str) -> None:
        self.child.send(keys)


@pytest.fixture
def terminal(tmp_path):
    term = Terminal(tmp_path)
    yield term
    term.child.terminate(force=True)


def test_a_bounded_result_is_shown_materialized_and_q_returns_to_the_prompt(terminal):
    terminal.send("SELECT w, COUNT(*) AS c FROM (VALUES ('a'), ('b'), ('a')) AS T(w) GROUP BY w;\r")
    screen = terminal.wait_for("Status: FINISHED")
    lines = screen.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split() == ["w", "c"])
    assert [line.split() for line in lines[header + 1:header + 3]] == [["a", "2"], ["b", "1"]]
    assert "Total Rows: 2" in screen and "Q Quit" in screen
    terminal.send("q")
    screen = terminal.wait_for("Received a total of 2 rows")
    assert screen.rstrip().endswith("flowsql>") or "flowsql>" in terminal.wait_for("flowsql>")


def test_an_unbounded_query_pages_and_quitting_cancels_it(terminal):
    terminal.send("CREATE TABLE gen (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '200', "
                  "'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '1000000');\r")
    terminal.wait_for("Execute statement succeeded")
    terminal.send("SELECT id FROM gen;\r")
    terminal.wait_for("Status: RUNNING")
    screen = terminal.wait_for("Page: 1 of")
    while "Page: 1 of 1 " in screen:  # 15 rows a page: wait for a second page
        terminal.feed()
        screen = terminal.text()
    lines = screen.splitlines()
    assert lines[1].split() == ["1"] and lines[2].split() == ["2"]
    terminal.send("N")
    screen = terminal.wait_for("Page: 2 of")
    assert screen.splitlines()[1].split() == ["16"]
    terminal.send("L")
    terminal.wait_for("Page: Last")
    terminal.send("+")
    terminal.wait_for("Refresh: 500 ms")
    terminal.send("q")
    screen = terminal.wait_for("Query terminated, received a total of")
    terminal.send("SELECT 1 AS one;\r")  # the shell is usable again
    terminal.wait_for("Status: FINISHED")
    terminal.send("q")
    terminal.wait_for("Received a total of 1 row")
