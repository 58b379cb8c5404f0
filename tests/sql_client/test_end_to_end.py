"""``flowsql -f`` as a user runs it: the real console script over the real engine."""

import shutil
import subprocess
import sys
import time



def flowsql(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    script = shutil.which("flowsql")
    command = [script] if script else [sys.executable, "-m", "flowsql.sql_client.cli"]
    return subprocess.run(command + list(args), capture_output=True, text=True, timeout=timeout, check=False)


def test_select_1_is_fast(tmp_path):
    job = tmp_path / "one.sql"
    job.write_text("SELECT 1;\n")
    started = time.monotonic()
    completed = flowsql("-f", str(job), "-D", "sql-client.display.print-time-cost=false")
    elapsed = time.monotonic() - started
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Received a total of 1 row" in completed.stdout
    assert elapsed < 5  # the target is < 0.5 s; a loaded test machine gets slack


def test_job_file_with_ddl_query_and_insert(tmp_path):
    job = tmp_path / "job.sql"
    job.write_text("""\
CREATE TABLE src (id INT, name STRING) WITH (
  'connector' = 'datagen', 'number-of-rows' = '3', 'fields.id.kind' = 'sequence',
  'fields.id.start' = '1', 'fields.id.end' = '3', 'fields.name.length' = '4'
);
CREATE TABLE snk (id INT, name STRING) WITH ('connector' = 'blackhole');
SELECT w, COUNT(*) AS c FROM (VALUES ('a'), ('b'), ('a')) AS T(w) GROUP BY w;
INSERT INTO snk SELECT id, name FROM src;
""")
    # one row per micro-batch, so the changelog is Flink's row-at-a-time sequence
    completed = flowsql("-f", str(job), "-D", "sql-client.display.print-time-cost=false",
                        "-D", "flowsql.exec.batch.max-rows=1")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    out = completed.stdout
    assert out.count("[INFO] Execute statement succeeded.") == 2
    assert "| op |                              w |                    c |" in out
    assert "Received a total of 4 rows" in out
    assert "[INFO] SQL update statement has been successfully submitted to the cluster:" in out
    assert "Job ID: " in out


def test_error_on_line_7_names_line_7(tmp_path):
    job = tmp_path / "bad.sql"
    job.write_text("""\
CREATE TABLE t (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '1');

-- a comment


SELECT id
  FROM no_such_table;
SELECT 1;
""")
    completed = flowsql("-f", str(job))
    assert completed.returncode == 1
    assert "[ERROR] Could not execute SQL statement. Reason:" in completed.stdout
    assert f"{job}:7:" in completed.stdout
    assert "Received a total" not in completed.stdout
