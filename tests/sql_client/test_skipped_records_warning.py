"""``flowsql -f``: malformed records skipped under '<format>.ignore-parse-errors' end in a one-line
warning per file, after the query's rows (or when an INSERT job finishes)."""

import io

from flowsql.sql_client.cli import run

NO_TIME = ["-D", "sql-client.display.print-time-cost=false"]


def run_file(tmp_path, text: str) -> tuple[int, str]:
    job = tmp_path / "job.sql"
    job.write_text(text)
    out = io.StringIO()
    stdin = io.StringIO("")
    code = run(["-f", str(job)] + NO_TIME, stdout=out, stdin=stdin)
    return code, out.getvalue()


def test_query_prints_the_skipped_records_warning_after_its_rows(tmp_path):
    data = tmp_path / "orders.csv"
    data.write_text("1,a\nx,b\n3,c\n4,d,extra\n5,\n")
    code, out = run_file(tmp_path, f"""\
CREATE TABLE orders (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '{data}',
  'format' = 'csv', 'csv.ignore-parse-errors' = 'true');
SELECT id FROM orders WHERE id > 0;
""")
    assert code == 0, out
    lines = out.splitlines()
    footer = lines.index("Received a total of 3 rows")
    assert lines[footer + 1] == f"[WARNING] Skipped 2 malformed records in {data} (csv.ignore-parse-errors = true)"


def test_insert_job_prints_the_warning_when_it_ends(tmp_path):
    data = tmp_path / "events.json"
    data.write_text('{"id": 1}\n{oops\n{"id": 2}\n')
    code, out = run_file(tmp_path, f"""\
CREATE TABLE events (id INT) WITH ('connector' = 'filesystem', 'path' = '{data}', 'format' = 'json',
  'json.ignore-parse-errors' = 'true');
CREATE TABLE sink (id INT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT * FROM events;
""")
    assert code == 0, out
    assert out.rstrip().endswith(
        f"[WARNING] Skipped 1 malformed record in {data} (json.ignore-parse-errors = true)")


def test_no_warning_when_nothing_was_skipped(tmp_path):
    data = tmp_path / "ok.csv"
    data.write_text("1,a\n")
    code, out = run_file(tmp_path, f"""\
CREATE TABLE ok (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '{data}', 'format' = 'csv',
  'csv.ignore-parse-errors' = 'true');
SELECT * FROM ok;
""")
    assert code == 0 and "[WARNING]" not in out
