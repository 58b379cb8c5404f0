"""Jobs from the real shell in a pseudo-terminal: SHOW JOBS, DESCRIBE JOB, SHOW JOB, STOP JOB; and
the progress bar ``flowsql -f`` draws on a terminal while a bounded job runs."""

from __future__ import annotations

import os
import re
import shutil
import sys

import pexpect
import pytest

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\r")


def clean(text: str) -> str:
    return ANSI.sub("", text)


def _spawn(args: list[str], tmp_path, timeout: float = 30) -> pexpect.spawn:
    env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", FLOWSQL_HOME=str(tmp_path), COLUMNS="250",
               LINES="50")
    command = shutil.which("flowsql")
    if command is None:
        command, args = sys.executable, ["-m", "flowsql.sql_client.cli"] + args
    return pexpect.spawn(command, args, env=env, encoding="utf-8", timeout=timeout, dimensions=(50, 250))


@pytest.fixture
def shell(tmp_path):
    child = _spawn(["--no-persistent-catalog", "-D", "sql-client.display.print-time-cost=false"], tmp_path)
    child.expect("flowsql>")
    yield child
    if child.isalive():
        child.terminate(force=True)


_OUTCOME = r"(\[INFO\] Execute statement succeeded\.|Job ID: [0-9a-f]{32}|\d+ rows? in set|Empty set|Hint: [^\n]*\n)"


def _run(child, statement: str) -> str:
    """Type a statement; its output up to the line that ends it (a message, a row count, an error hint)."""
    child.send(statement + "\r")
    child.expect(_OUTCOME)
    output = clean(child.before + child.after)
    child.expect("flowsql>")
    return output


def test_show_describe_and_stop_a_job_from_the_shell(shell):
    _run(shell, "CREATE TABLE gen (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '100');")
    _run(shell, "CREATE TABLE sink (k INT, c BIGINT) WITH ('connector' = 'blackhole');")
    _run(shell, "SET 'pipeline.name' = 'shell-job';")
    submitted = _run(shell, "INSERT INTO sink SELECT id % 4, COUNT(*) FROM gen GROUP BY id % 4;")
    job_id = re.search(r"Job ID: ([0-9a-f]{32})", submitted).group(1)

    listing = _run(shell, "SHOW JOBS;")
    header = re.search(r"\|\s+job id \|\s+job name \|\s+status \|\s+start time \|", listing)
    assert header, listing
    row = next(line for line in listing.splitlines() if job_id in line)  # the whole id, never cut
    assert "shell-job" in row and re.search(r"\| +(CREATED|RUNNING) \| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} \|", row)

    described = _run(shell, f"DESCRIBE JOB '{job_id}';")
    assert job_id in described and "1 row in set" in described

    detail = _run(shell, f"SHOW JOB '{job_id[:8]}';")  # a unique prefix is enough
    for column in ("operator id", "changelog mode", "rows in/s", "watermark lag ms", "backpressure", "state size"):
        assert column in detail
    assert re.search(r"\| +GroupAggregate \| +I,UB,UA,D \|", detail), detail
    assert "Source: default_catalog.default_database.gen" in detail and "Sink: blackhole" in detail

    assert "[INFO] Execute statement succeeded." in _run(shell, f"STOP JOB '{job_id}';")
    after = _run(shell, "SHOW JOBS;")
    assert "CANCELED" in next(line for line in after.splitlines() if job_id in line)

    again = _run(shell, f"STOP JOB '{job_id}';")
    assert "[ERROR] Could not execute SQL statement." in again and "has already ended: it is CANCELED" in again
    unknown = _run(shell, "STOP JOB 'feedface';")
    assert "there is no job with id 'feedface'" in unknown and "SHOW JOBS lists" in unknown


def test_a_bounded_job_shows_a_progress_bar_on_the_terminal(tmp_path):
    job = tmp_path / "job.sql"
    job.write_text("CREATE TABLE src (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '1500',\n"
                   "  'rows-per-second' = '1000');\n"
                   "CREATE TABLE sink (id INT) WITH ('connector' = 'blackhole');\n"
                   "SET 'pipeline.name' = 'bounded';\n"
                   "INSERT INTO sink SELECT id FROM src;\n")
    child = _spawn(["-f", str(job), "-D", "sql-client.display.print-time-cost=false"], tmp_path)
    child.expect(r"bounded [█░]+ +\d+%  [\d,]+ / 1,500  ")  # name, bar, percentage, rows of the total
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    import subprocess

    job = tmp_path / "job.sql"
    job.write_text("CREATE TABLE src (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '300',\n"
                   "  'rows-per-second' = '1000');\n"
                   "CREATE TABLE sink (id INT) WITH ('connector' = 'blackhole');\n"
                   "INSERT INTO sink SELECT id FROM src;\n")
    command = shutil.which("flowsql")
    argv = [command] if command else [sys.executable, "-m", "flowsql.sql_client.cli"]
    done = subprocess.run(argv + ["-f", str(job)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "█" not in done.stderr and "%" not in done.stderr and "\r" not in done.stderr
