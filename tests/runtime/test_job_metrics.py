"""Job metrics users can see: malformed records skipped under '<format>.ignore-parse-errors' and
late rows dropped, per operator, through ``JobClient.get_metrics()`` and the result's warnings."""

from __future__ import annotations

import pytest
from flowsql.table import EnvironmentSettings, TableEnvironment


def _env(batch: bool = False) -> TableEnvironment:
    return TableEnvironment.create(EnvironmentSettings.in_batch_mode() if batch
                                   else EnvironmentSettings.in_streaming_mode())


@pytest.fixture
def bad_files(tmp_path):
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "a.csv").write_text("a,1\nb,x\nc,3\n")
    (tmp_path / "csv" / "b.csv").write_text("d,4\ne,5,6\nf,y\ng,7\n")
    (tmp_path / "j.json").write_text('{"a": "q", "b": 1}\nnot json\n{"a": "r", "b": 2}\n')
    return tmp_path


def _tables(env: TableEnvironment, root) -> None:
    env.execute_sql(f"CREATE TABLE c (a STRING, b INT) WITH ('connector' = 'filesystem', 'path' = '{root}/csv', "
                    "'format' = 'csv', 'csv.ignore-parse-errors' = 'true')")
    env.execute_sql(f"CREATE TABLE j (a STRING, b INT) WITH ('connector' = 'filesystem', 'path' = '{root}/j.json', "
                    "'format' = 'json', 'json.ignore-parse-errors' = 'true')")


def test_skipped_records_reach_the_metrics_and_the_warnings(bad_files):
    env = _env()
    _tables(env, bad_files)
    result = env.execute_sql("SELECT a, b FROM c UNION ALL SELECT a, b FROM j")
    assert sorted(r[0] for r in result.collect()) == ["a", "c", "d", "g", "q", "r"]
    metrics = result.get_job_client().get_metrics()
    sources = {m["operator"]: m for m in metrics if m["operator"].startswith("Source: ")}
    assert sources["Source: default_catalog.default_database.c"]["skipped_records"] == 3
    assert sources["Source: default_catalog.default_database.j"]["skipped_records"] == 1
    assert {"rows_in", "rows_out", "late_rows_dropped", "watermark"} <= set(metrics[0])
    assert sorted(result.get_warnings()) == [
        f"Skipped 1 malformed record in {bad_files}/csv/a.csv (csv.ignore-parse-errors = true)",
        f"Skipped 1 malformed record in {bad_files}/j.json (json.ignore-parse-errors = true)",
        f"Skipped 2 malformed records in {bad_files}/csv/b.csv (csv.ignore-parse-errors = true)",
    ]
    assert result.get_job_client().get_warnings() == result.get_warnings()


def test_batch_mode_reports_skipped_records_too(bad_files):
    env = _env(batch=True)
    _tables(env, bad_files)
    result = env.execute_sql("SELECT COUNT(b) FROM c")
    assert [r[0] for r in result.collect()] == [4]
    assert len(result.get_warnings()) == 2


def test_no_warnings_without_malformed_records(tmp_path):
    (tmp_path / "ok.csv").write_text("a,1\n")
    env = _env()
    env.execute_sql(f"CREATE TABLE ok (a STRING, b INT) WITH ('connector' = 'filesystem', "
                    f"'path' = '{tmp_path}/ok.csv', 'format' = 'csv', 'csv.ignore-parse-errors' = 'true')")
    result = env.execute_sql("SELECT * FROM ok")
    list(result.collect())
    assert result.get_warnings() == []


def test_late_rows_dropped_are_in_the_job_metrics(tmp_path):
    lines = ["a,1,2024-01-01 10:00:01", "a,2,2024-01-01 10:00:12", "a,3,2024-01-01 10:00:02"]  # 10 s late
    (tmp_path / "e.csv").write_text("\n".join(lines) + "\n")
    env = _env()
    env.get_config().set("flowsql.exec.batch.max-rows", "1")
    env.get_config().set("pipeline.auto-watermark-interval", "0 ms")
    env.execute_sql(f"CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) "
                    f"WITH ('connector' = 'filesystem', 'path' = '{tmp_path}', 'format' = 'csv')")
    result = env.execute_sql("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), "
                             "INTERVAL '5' SECOND)) GROUP BY window_start, window_end")
    assert len(list(result.collect())) == 2
    by_operator = {m["operator"]: m for m in result.get_job_client().get_metrics()}
    assert by_operator["WindowAggregate"]["late_rows_dropped"] == 1
    assert by_operator["Source: default_catalog.default_database.t"]["watermark"] is not None
