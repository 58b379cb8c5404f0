"""The progress line: bytes of a filesystem table's files, rows of datagen's number-of-rows, or rows
read when no source knows its total; drawn only on a terminal and erased when the job ends."""

from __future__ import annotations

import io

from flowsql.sql_client.progress import progress_text, should_draw, wait_with_progress
from flowsql.table import EnvironmentSettings, TableEnvironment


def _job(env: TableEnvironment, source_options: str):
    env.execute_sql(f"CREATE TABLE src (a STRING, b INT) WITH ({source_options})")
    env.execute_sql("CREATE TABLE snk (a STRING, b INT) WITH ('connector' = 'blackhole')")
    return env.execute_sql("INSERT INTO snk SELECT a, b FROM src").job


def test_a_filesystem_source_counts_bytes_of_its_files(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "one.csv").write_text("x,1\n" * 600)  # 2400 bytes
    (tmp_path / "in" / "two.csv").write_text("y,2\n" * 400)  # 1600 bytes
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    job = _job(env, f"'connector' = 'filesystem', 'path' = '{tmp_path}/in', 'format' = 'csv'")
    assert "  0%  0 B / 3.9 KB" in progress_text(job, 1.0)
    job.wait()
    line = progress_text(job, 2.0)
    assert "100%  3.9 KB / 3.9 KB" in line and "500 rows/s" in line and "█" * 28 in line


def test_datagen_counts_rows_and_an_endless_source_shows_rows_read():
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    bounded = _job(env, "'connector' = 'datagen', 'number-of-rows' = '250'")
    bounded.wait()
    assert "100%  250 / 250" in progress_text(bounded, 1.0)
    endless = _job(TableEnvironment.create(EnvironmentSettings.in_streaming_mode()),
                   "'connector' = 'datagen', 'rows-per-second' = '10'")
    try:
        line = progress_text(endless, 1.0)
        assert " rows read " in line and "%" not in line
    finally:
        endless.cancel()


def test_the_line_is_drawn_then_erased_and_only_on_a_terminal():
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    job = _job(env, "'connector' = 'datagen', 'number-of-rows' = '100', 'rows-per-second' = '500'")
    stream = io.StringIO()
    wait_with_progress(job, stream, interval=0.01)
    drawn = stream.getvalue()
    assert drawn.startswith("\r") and "%" in drawn
    assert drawn.endswith("\r") and drawn.rsplit("\r", 2)[-2].strip() == ""  # the last write blanks the line
    assert not should_draw(stream)
