"""``flowsql -f`` / ``-e`` / ``-i`` / ``-D``: the non-interactive client, against a fake environment."""

import io
import subprocess
import sys

import pytest
from fake_env import FakeEnv

from flowsql.sql_client.cli import run, substitute
from flowsql.sql_client.script import scan_statements

NO_TIME = ["-D", "sql-client.display.print-time-cost=false"]


def run_cli(argv, env=None, stdin_text=None):
    envs = []

    def factory(options):
        fake = env or FakeEnv(options)
        for key, value in options.items():
            fake.get_config().set(key, value)
        envs.append(fake)
        return fake

    out = io.StringIO()
    stdin = io.StringIO(stdin_text or "")
    stdin.isatty = lambda: stdin_text is None  # type: ignore[method-assign]
    code = run(argv, env_factory=factory, stdout=out, stdin=stdin)
    return code, out.getvalue(), envs[0] if envs else None


def write(tmp_path, text, name="job.sql"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_file_with_ddl_query_and_insert(tmp_path):
    path = write(tmp_path, """\
CREATE TABLE orders (id INT) WITH ('connector' = 'datagen');
SELECT w, COUNT(*) AS c FROM words GROUP BY w;
INSERT INTO sink SELECT * FROM orders;
""")
    code, out, env = run_cli(["-f", path] + NO_TIME)
    assert code == 0
    assert out == f"""\
[INFO] Executing SQL from file.
flowsql> CREATE TABLE orders (id INT) WITH ('connector' = 'datagen');
[INFO] Execute statement succeeded.

flowsql> SELECT w, COUNT(*) AS c FROM words GROUP BY w;
+----+--------------------------------+----------------------+
| op |                              w |                    c |
+----+--------------------------------+----------------------+
| +I |                              a |                    1 |
| +I |                              b |                    1 |
| -U |                              a |                    1 |
| +U |                              a |                    2 |
+----+--------------------------------+----------------------+
Received a total of 4 rows

flowsql> INSERT INTO sink SELECT * FROM orders;
[INFO] Submitting SQL update statement to the cluster...
[INFO] SQL update statement has been successfully submitted to the cluster:
Job ID: {env.jobs[0].job_id}

"""
    assert env.jobs[0].finished  # the process waited for the job before exiting
    assert env.executed[0] == "CREATE TABLE orders (id INT) WITH ('connector' = 'datagen')"


def test_batch_mode_and_time_cost(tmp_path):
    path = write(tmp_path, "SELECT * FROM words;\nSELECT * FROM empty;\n")
    code, out, _ = run_cli(["-f", path, "-D", "execution.runtime-mode=batch"])
    assert code == 0
    assert "+---+---+\n| w | c |\n+---+---+\n| a | 2 |\n| b | 1 |\n+---+---+\n2 rows in set (" in out
    assert "\nEmpty set (0." in out


def test_error_on_line_7_stops_the_file(tmp_path):
    path = write(tmp_path, """\
CREATE TABLE t (id INT)
  WITH ('connector' = 'datagen');

-- the next statement starts on line 5

SELECT id,
       BOOM FROM t;
SELECT 1;
""")
    code, out, env = run_cli(["-f", path] + NO_TIME)
    assert code == 1
    assert out.endswith(f"""\
[ERROR] Could not execute SQL statement. Reason:
{path}:7:8: SQL parse error: unexpected 'BOOM' (at line 7, column 8)
       BOOM FROM t;
       ^
Hint: remove it
""")
    assert len(env.executed) == 2  # SELECT 1 never ran


def test_error_on_first_line_of_a_later_statement_shifts_the_column(tmp_path):
    path = write(tmp_path, "SET 'a' = 'b'; SELECT BOOM;\n")
    code, out, _ = run_cli(["-f", path] + NO_TIME)
    assert code == 1
    assert f"{path}:1:23: SQL parse error" in out
    assert "SET 'a' = 'b'; SELECT BOOM;\n                      ^\n" in out


def test_define_substitutes_variables_and_sets_options(tmp_path):
    path = write(tmp_path, "CREATE TABLE t_${suffix} (id INT) WITH ('path' = '${dir}/x');\n"
                           "SELECT ${unknown};\n")
    code, _, env = run_cli(["-f", path, "-D", "suffix=2024", "-D", "dir=/data"] + NO_TIME)
    assert code == 0
    assert env.executed[0] == "CREATE TABLE t_2024 (id INT) WITH ('path' = '/data/x')"
    assert env.executed[1] == "SELECT ${unknown}"
    assert env.get_config().get("suffix") == "2024"
    assert substitute("${a}${b}", {"a": "1"}) == "1${b}"


def test_bad_define_is_a_usage_error():
    code, _, _ = run_cli(["-e", "SELECT 1;", "-D", "novalue"])
    assert code == 2


def test_execute_option_and_init_file(tmp_path):
    init = write(tmp_path, "CREATE TABLE t (id INT);\nSET 'x' = 'y';\n", "init.sql")
    code, out, env = run_cli(["-i", init, "-e", "SELECT * FROM empty;"] + NO_TIME)
    assert code == 0
    assert "[INFO] Executing SQL from file." not in out and "CREATE TABLE" not in out  # init is silent
    assert out.startswith("flowsql> SELECT * FROM empty;\n+----+-------------+\n")
    assert env.get_config().get("x") == "y"


def test_failing_init_file_reports_and_exits(tmp_path):
    init = write(tmp_path, "CREATE TABLE t (id INT);\nCREATE BOOM;\n", "init.sql")
    code, out, _ = run_cli(["-i", init, "-e", "SELECT 1;"])
    assert code == 1
    assert out.startswith("[ERROR] Could not execute SQL statement. Reason:\n")
    assert f"{init}:2:8: SQL parse error" in out


def test_statements_from_stdin():
    code, out, _ = run_cli(NO_TIME, stdin_text="SELECT * FROM empty;")
    assert code == 0
    assert "Received a total of 0 row" in out


def test_sync_dml_waits(tmp_path):
    path = write(tmp_path, "SET 'table.dml-sync' = 'true';\nINSERT INTO s VALUES (1);\n")
    code, out, env = run_cli(["-f", path] + NO_TIME)
    assert code == 0
    assert """\
[INFO] Submitting SQL update statement to the cluster...
[INFO] Execute statement in sync mode. Please wait for the execution finish...
[INFO] Complete execution of the SQL update statement.
""" in out
    assert env.jobs[0].finished


def test_changelog_result_mode_and_explain(tmp_path):
    path = write(tmp_path, """\
SET 'sql-client.execution.result-mode' = 'changelog';
SELECT * FROM words;
EXPLAIN SELECT * FROM orders;
""")
    code, out, _ = run_cli(["-f", path] + NO_TIME)
    assert code == 0
    assert "op                              w                    c\n+I                              a" in out
    assert "-U                              a                    1\n" in out
    assert "flowsql> EXPLAIN SELECT * FROM orders;\n== Plan ==\nScan(orders)\n" in out


def test_quit_ends_a_script_early(tmp_path):
    path = write(tmp_path, "SELECT * FROM empty;\nQUIT;\nSELECT BOOM;\n")
    code, _, env = run_cli(["-f", path] + NO_TIME)
    assert code == 0
    assert len(env.executed) == 1


def test_missing_file():
    code, out, _ = run_cli(["-f", "/no/such/file.sql"])
    assert code == 1
    assert "[ERROR] Could not read /no/such/file.sql" in out


@pytest.mark.parametrize("script, expected", [
    ("SELECT 1; SELECT 2;", [("SELECT 1", 1, 1), ("SELECT 2", 1, 11)]),
    ("SELECT ';' -- x;\n;\n", [("SELECT ';' -- x;\n", 1, 1)]),
    ("/* a; */ SELECT `a;b`\nFROM t;", [("SELECT `a;b`\nFROM t", 1, 10)]),
    ("EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO a VALUES (1);\nINSERT INTO b VALUES (2);\nEND;\nSELECT 1;",
     [("EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO a VALUES (1);\nINSERT INTO b VALUES (2);\nEND", 1, 1),
      ("SELECT 1", 6, 1)]),
    ("SELECT 'it''s;'", [("SELECT 'it''s;'", 1, 1)]),
])
def test_fallback_splitter(script, expected):
    assert [(t.rstrip(), line, col) for t, line, col in scan_statements(script)] == [
        (t.rstrip(), line, col) for t, line, col in expected
    ]


def test_help_describes_the_options():
    completed = subprocess.run([sys.executable, "-m", "flowsql.sql_client.cli", "--help"],
                               capture_output=True, text=True, timeout=30)
    assert completed.returncode == 0
    for text in ("-f FILE", "--init", "-D KEY=VALUE", "--execute", "examples:", "flowsql -f job.sql"):
        assert text in completed.stdout
