"""``flowsql server`` as a separate process, and ``flowsql -f job.sql --server URL`` submitting to it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from flowsql.sql_client.remote import request

TOKEN = "cli-token-42"


def _command() -> list[str]:
    script = shutil.which("flowsql")
    return [script] if script else [sys.executable, "-m", "flowsql.sql_client.cli"]


def flowsql(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(_command() + list(args), capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture
def server_process():
    process = subprocess.Popen(_command() + ["server", "--port", "0", "--token", TOKEN],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = process.stdout.readline()
    match = re.search(r"listening on (http://127\.0\.0\.1:\d+)/", first)
    assert match, first + process.stderr.read()
    ui_line = process.stdout.readline()
    assert f"#token={TOKEN}" in ui_line
    yield match.group(1)
    process.terminate()
    process.wait(timeout=10)


def test_detached_submission_prints_the_job_id_and_returns(server_process, tmp_path):
    job = tmp_path / "job.sql"
    job.write_text("CREATE TABLE gen (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '50');\n"
                   "CREATE TABLE sink (id INT) WITH ('connector' = 'blackhole');\n"
                   "INSERT INTO sink SELECT id FROM gen;\n")
    done = flowsql("-f", str(job), "--server", server_process, "--token", TOKEN)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("[INFO] Execute statement succeeded.") == 2
    assert "[INFO] SQL update statement has been successfully submitted to the cluster:" in done.stdout
    job_id = re.search(r"Job ID: ([0-9a-f]{32})", done.stdout).group(1)
    status, answer = request(f"{server_process}/v1/jobs/{job_id}", token=TOKEN)
    assert status == 200 and answer["status"] in ("CREATED", "RUNNING")  # still running: detached
    assert request(f"{server_process}/v1/jobs/{job_id}/cancel", "POST", token=TOKEN)[1]["status"] == "CANCELED"


def test_attached_submission_waits_and_prints_results_and_the_end(server_process, tmp_path):
    job = tmp_path / "job.sql"
    job.write_text("CREATE TABLE src (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '30',\n"
                   "  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '30');\n"
                   "CREATE TABLE sink (id INT) WITH ('connector' = 'blackhole');\n"
                   "SELECT COUNT(*) AS n, SUM(id) AS total FROM src;\n"
                   "INSERT INTO sink SELECT id FROM src WHERE id > ${low};\n")
    done = flowsql("-f", str(job), "--server", server_process, "--token", TOKEN, "--attach", "-D", "low=10")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\|\s+n \|\s+total \|", done.stdout) and re.search(r"\|\s+30 \|\s+465 \|", done.stdout)
    job_id = re.search(r"Job ID: ([0-9a-f]{32})", done.stdout).group(1)
    assert re.search(rf"\[INFO\] Job {job_id} \(.*\) finished in [\d.]+ s\.", done.stdout)
    detail = request(f"{server_process}/v1/jobs/{job_id}", token=TOKEN)[1]
    assert detail["nodes"][-1]["metrics"]["rows_in"] == 20  # -D low=10 reached the file


def test_an_error_in_the_file_names_its_line_and_column(server_process, tmp_path):
    job = tmp_path / "bad.sql"
    job.write_text("CREATE TABLE t (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '1');\n\n"
                   "SELECT id\n  FROM no_such_table;\n")
    done = flowsql("-f", str(job), "--server", server_process, "--token", TOKEN)
    assert done.returncode == 1
    assert "[ERROR] Could not execute SQL statement. Reason:" in done.stdout
    assert f"{job}:4:8: Validation error: table or view" in done.stdout


def test_a_wrong_or_missing_token_is_refused(server_process, tmp_path):
    job = tmp_path / "one.sql"
    job.write_text("SELECT 1;\n")
    done = flowsql("-f", str(job), "--server", server_process, "--token", "wrong")
    assert done.returncode == 1 and "needs a token" in done.stdout
    done = flowsql("-f", str(job), "--server", server_process)
    assert done.returncode == 1 and "needs a token" in done.stdout
    done = flowsql("-f", str(job), "--server", server_process, "--token", TOKEN)
    assert done.returncode == 0 and "| EXPR$0 |" in done.stdout


def test_an_unreachable_server_is_a_clear_error(tmp_path):
    job = tmp_path / "one.sql"
    job.write_text("SELECT 1;\n")
    done = flowsql("-f", str(job), "--server", "http://127.0.0.1:9")
    assert done.returncode == 1 and "could not reach the job server at http://127.0.0.1:9" in done.stdout
