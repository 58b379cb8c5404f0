"""``flowsql test DIR``: SQL pipelines checked against input and expected files."""

import subprocess
import sys
import textwrap

from flowsql.sql_client.cli import run

JOB = """\
-- production connectors: the harness swaps them for the test files
CREATE TABLE orders (id INT, customer STRING, amount DECIMAL(10, 2))
WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json');
CREATE TABLE rates (customer STRING, factor INT, PRIMARY KEY (customer) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'rates');
CREATE TABLE totals (customer STRING, total DECIMAL(20, 2), n BIGINT, PRIMARY KEY (customer) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'totals');
CREATE TABLE changes (customer STRING, total DECIMAL(20, 2)) WITH ('connector' = 'print');
CREATE TABLE factors (customer STRING, factor INT) WITH ('connector' = 'print');
CREATE TABLE stamped (id INT, at_time TIMESTAMP_LTZ(3)) WITH ('connector' = 'print');
EXECUTE STATEMENT SET BEGIN
INSERT INTO totals SELECT customer, SUM(amount), COUNT(*) FROM orders GROUP BY customer;
INSERT INTO changes SELECT customer, SUM(amount) FROM orders GROUP BY customer;
INSERT INTO factors SELECT customer, SUM(factor) FROM rates GROUP BY customer;
INSERT INTO stamped SELECT id, PROCTIME() FROM orders;
END;
"""


def write_case(root, expected_totals="alice,11.50,2\nbob,3.00,1\n"):
    (root / "enrich" / "input").mkdir(parents=True)
    (root / "enrich" / "expected").mkdir()
    (root / "enrich.sql").write_text(JOB)
    (root / "enrich" / "input" / "orders.csv").write_text("1,alice,10.50\n2,bob,3.00\n3,alice,1.00\n")
    (root / "enrich" / "input" / "rates.changelog.csv").write_text("+I,alice,2\n-U,alice,2\n+U,alice,5\n+I,bob,1\n")
    (root / "enrich" / "expected" / "totals.csv").write_text(expected_totals)
    (root / "enrich" / "expected" / "changes.changelog.csv").write_text(
        "+I,alice,10.50\n+I,bob,3.00\n-U,alice,10.50\n+U,alice,11.50\n")
    (root / "enrich" / "expected" / "factors.csv").write_text("alice,5\nbob,1\n")
    # processing time is a manual clock at the default start (2024-01-01 00:00:00 UTC)
    (root / "enrich" / "expected" / "stamped.csv").write_text(
        "1,2024-01-01 00:00:00.000\n2,2024-01-01 00:00:00.000\n3,2024-01-01 00:00:00.000\n")


def test_a_pipeline_passes_on_its_input_files(tmp_path, capsys):
    write_case(tmp_path)
    assert run(["test", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"{tmp_path / 'enrich.sql'} ... ok" in out and "1 job, 0 failed" in out


def test_a_wrong_expectation_lists_missing_and_unexpected_rows(tmp_path, capsys):
    write_case(tmp_path, expected_totals="alice,11.50,2\nbob,4.00,1\n")
    assert run(["test", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "`totals` holds 2 rows, 2 expected" in out
    assert "- [bob, 4.00, 1]  (missing)" in out and "+ [bob, 3.00, 1]  (unexpected)" in out
    assert "1 job, 1 failed" in out


def test_files_for_unknown_tables_and_failing_jobs_are_reported(tmp_path, capsys):
    write_case(tmp_path)
    (tmp_path / "enrich" / "expected" / "nosuch.csv").write_text("1\n")
    (tmp_path / "broken.sql").write_text("CREATE TABLE out1 (a INT) WITH ('connector' = 'print');\n"
                                         "INSERT INTO out1 SELECT nope FROM out1;\n")
    (tmp_path / "broken" / "expected").mkdir(parents=True)
    (tmp_path / "broken" / "expected" / "out1.csv").write_text("1\n")
    assert run(["test", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "nosuch.csv: no table `nosuch` in the job" in out
    assert "broken.sql ... FAILED" in out and "the job failed:" in out and "nope" in out
    assert "2 jobs, 2 failed" in out


def test_an_empty_folder_is_an_error_not_a_pass(tmp_path, capsys):
    assert run(["test", str(tmp_path)]) == 1
    assert "no jobs with test data found" in capsys.readouterr().out


def test_the_flowsql_command_runs_the_harness(tmp_path):
    write_case(tmp_path)
    done = subprocess.run([sys.executable, "-m", "flowsql.sql_client.cli", "test", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, textwrap.shorten(done.stdout + done.stderr, 2000)
