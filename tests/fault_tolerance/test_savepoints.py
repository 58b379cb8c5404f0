"""STOP JOB ... WITH SAVEPOINT, and a job started from the savepoint continuing where it stopped."""

import csv
import os
import time

import pytest
from flowsql.common.errors import ValidationError
from flowsql.table import EnvironmentSettings, TableEnvironment

TABLES = """
CREATE TABLE names (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '{names}', 'format' = 'csv');
CREATE TABLE events (n BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '3000', 'rows-per-second' = '{rps}',
  'fields.n.kind' = 'sequence', 'fields.n.start' = '0', 'fields.n.end' = '2999');
CREATE TABLE out (n BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = '{out}', 'format' = 'csv');
"""
# The CSV side is read at once and ends: after a restore, matches come only from the join's state.
QUERY = "INSERT INTO out SELECT n, name FROM events JOIN names ON CAST(n % 10 AS INT) = id"


def _env(tmp_path, rps, **options):
    names = tmp_path / "names.csv"
    names.write_text("".join(f"{i},name{i}\n" for i in range(10)))
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    config = env.get_config()
    for key, value in {"state.savepoints.dir": str(tmp_path / "savepoints"), "flowsql.exec.batch.max-rows": "50",
                       **options}.items():
        config.set(key, value)
    for statement in TABLES.format(names=names, out=tmp_path / "out", rps=rps).split(";")[:-1]:
        env.execute_sql(statement)
    return env


def _committed(directory):
    rows = []
    for name in os.listdir(directory):
        if name.startswith("part-"):
            with open(directory / name, newline="") as handle:
                rows += list(csv.reader(handle))
    return sorted((int(n), name) for n, name in rows)


def test_stop_with_savepoint_then_resume_equals_an_uninterrupted_run(tmp_path):
    env = _env(tmp_path, rps=2000)
    job = env.execute_sql(QUERY).job
    time.sleep(0.6)
    result = env.execute_sql(f"STOP JOB '{job.job_id}' WITH SAVEPOINT")
    savepoint = next(iter(result.collect()))[0]
    assert job.status.state == "FINISHED" and os.path.exists(os.path.join(savepoint, "_metadata"))
    stopped_at = len(_committed(tmp_path / "out"))
    assert 0 < stopped_at < 3000  # the sink committed what the savepoint covers
    moved = tmp_path / "elsewhere"
    os.rename(savepoint, moved)  # a savepoint is self-contained: it can move
    resumed = _env(tmp_path, rps=1_000_000, **{"execution.state-recovery.path": str(moved)})
    resumed.execute_sql(QUERY).job.wait()
    assert _committed(tmp_path / "out") == [(n, f"name{n % 10}") for n in range(3000)]


def test_stop_job_names_an_unknown_job_and_needs_a_savepoint_folder(tmp_path):
    env = _env(tmp_path, rps=2000, **{"state.savepoints.dir": ""})
    with pytest.raises(ValidationError, match="there is no job with id 'nope'"):
        env.execute_sql("STOP JOB 'nope' WITH SAVEPOINT")
    job = env.execute_sql(QUERY).job
    with pytest.raises(ValidationError, match="needs a folder for the savepoint"):
        env.execute_sql(f"STOP JOB '{job.job_id}' WITH SAVEPOINT")
    env.execute_sql(f"STOP JOB '{job.job_id}'")
    job.done_event.wait()
    assert job.status.state == "CANCELED"


def test_stop_with_savepoint_and_drain_fires_the_open_windows_first(tmp_path):
    events = tmp_path / "events"
    events.mkdir()
    (events / "a.csv").write_text("".join(f"{i},2024-01-01 00:00:{i:02d}\n" for i in range(25)))
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("state.savepoints.dir", str(tmp_path / "savepoints"))
    env.execute_sql(f"CREATE TABLE ev (v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = "
                    f"'filesystem', 'path' = '{events}', 'format' = 'csv', 'source.monitor-interval' = '1 s')")
    env.execute_sql(f"CREATE TABLE counts (window_start TIMESTAMP(3), c BIGINT) WITH ('connector' = 'filesystem', "
                    f"'path' = '{tmp_path / 'counts'}', 'format' = 'csv')")
    job = env.execute_sql("INSERT INTO counts SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE ev, "
                          "DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end").job
    deadline = time.monotonic() + 30
    while job.sources[0].metrics.rows_out < 25 and time.monotonic() < deadline:  # the file is read
        time.sleep(0.05)
    env.execute_sql(f"STOP JOB '{job.job_id}' WITH SAVEPOINT WITH DRAIN")
    committed = []
    for name in os.listdir(tmp_path / "counts"):
        if name.startswith("part-"):
            committed += (tmp_path / "counts" / name).read_text().replace('"', "").splitlines()
    # the last window (20 s..30 s) fires only because of the drain: the source never ends
    assert sorted(committed) == ["2024-01-01 00:00:00,10", "2024-01-01 00:00:10,10", "2024-01-01 00:00:20,5"]
