"""Checkpoints in one process: files and metrics, retention, damaged checkpoints, state round trips."""

import logging
import os
import time

import numpy as np
import pyarrow as pa
import pytest
from flowsql.common.connector import ConnectorFactory, SourceReader, TableSource
from flowsql.common.errors import ConnectorError, ExecutionError, ValidationError
from flowsql.connectors import register
from flowsql.exec.checkpoint.snapshot import capture, load
from flowsql.exec.checkpoint.storage import read_checkpoint, resolve_recovery_path
from flowsql.exec.state.backend import StateBackend
from flowsql.table import EnvironmentSettings, TableEnvironment

COUNTS = """
CREATE TABLE numbers (n BIGINT, k INT) WITH ('connector' = 'datagen', 'number-of-rows' = '{rows}', 'seed' = '3',
  'rows-per-second' = '{rps}', 'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '{rows}',
  'fields.k.min' = '0', 'fields.k.max' = '9');
CREATE TABLE out (k INT, c BIGINT, s BIGINT) WITH ('connector' = 'blackhole');
CREATE TABLE shown (k INT, c BIGINT, s BIGINT) WITH ('connector' = 'print');
"""
QUERY = "INSERT INTO out SELECT k, COUNT(*), SUM(n) FROM numbers GROUP BY k"


def _env(tmp_path, **options):
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    config = env.get_config()
    for key, value in {"execution.checkpointing.interval": "50 ms", "state.checkpoints.dir": str(tmp_path / "ckpt"),
                       "flowsql.exec.batch.max-rows": "100", **options}.items():
        config.set(key, value)
    return env


def _run(env, rows=3000, rps=6000, cancel_after_checkpoints=None, query=QUERY):
    for statement in COUNTS.format(rows=rows, rps=rps).split(";")[:-1]:
        env.execute_sql(statement)
    job = env.execute_sql(query).job
    while not job.done_event.wait(0.01):
        done = job.checkpoints.metrics()["numberOfCompletedCheckpoints"] if job.checkpoints else 0
        if cancel_after_checkpoints is not None and done >= cancel_after_checkpoints:
            job.cancel()
    job.wait()
    return job


def _completed(job_dir):
    return sorted(int(p.name.split("-")[1]) for p in job_dir.glob("chk-*") if not p.name.endswith("inprogress"))


def test_checkpoints_are_written_retained_and_reported_in_the_metrics(tmp_path, capsys):
    env = _env(tmp_path, **{"state.checkpoints.num-retained": "2",
                            "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION"})
    job = _run(env, rows=100_000, rps=10_000, cancel_after_checkpoints=4)
    assert job.status.state == "CANCELED"
    from flowsql.table.job_client import JobClient

    metrics = JobClient(job).get_checkpoint_metrics()
    assert metrics["numberOfCompletedCheckpoints"] >= 4
    assert metrics["lastCheckpointSize"] > 0 and metrics["lastCheckpointDuration"] > 0
    assert metrics["numRestarts"] == 0
    job_dir = tmp_path / "ckpt" / job.job_id
    assert len(_completed(job_dir)) == 2  # num-retained
    newest = job_dir / f"chk-{_completed(job_dir)[-1]}"
    assert sorted(os.listdir(newest)) == ["_metadata", "state", "state.buffers"]
    restored = read_checkpoint(str(newest))
    assert next(iter(restored.metadata["sources"].values()))["rows"] > 0
    assert any(name == "groups" for _, name in restored.states)


def test_a_finished_job_drops_its_checkpoints_and_a_cancelled_one_too_unless_retained(tmp_path):
    finished = _run(_env(tmp_path), rows=2000, rps=20_000)
    assert finished.status.state == "FINISHED" and finished.checkpoint_metrics()["numberOfCompletedCheckpoints"] >= 1
    assert not (tmp_path / "ckpt" / finished.job_id).exists()
    cancelled = _run(_env(tmp_path), rows=100_000, rps=10_000, cancel_after_checkpoints=1)
    assert cancelled.status.state == "CANCELED" and not (tmp_path / "ckpt" / cancelled.job_id).exists()


def _damaged_setup(tmp_path):
    env = _env(tmp_path, **{"state.checkpoints.num-retained": "3",
                            "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION"})
    job = _run(env, rows=100_000, rps=10_000, cancel_after_checkpoints=3)
    job_dir = tmp_path / "ckpt" / job.job_id
    ids = _completed(job_dir)
    assert len(ids) == 3
    newest = job_dir / f"chk-{ids[-1]}"
    with open(newest / "state.buffers", "r+b") as handle:  # a truncated checkpoint file
        handle.truncate(max(0, os.path.getsize(newest / "state.buffers") - 8))
    return job_dir, ids, newest


def test_a_truncated_checkpoint_is_skipped_with_a_warning_and_refused_when_named(tmp_path, caplog):
    job_dir, ids, newest = _damaged_setup(tmp_path)
    with caplog.at_level(logging.WARNING, logger="flowsql.checkpoint"):
        restored = resolve_recovery_path(str(tmp_path / "ckpt"))
    assert restored.checkpoint_id == ids[-2]
    assert f"skipping checkpoint {newest}" in caplog.text and "state.buffers has" in caplog.text
    with pytest.raises(ExecutionError, match=f"checkpoint {newest} is damaged: the file state.buffers has"):
        resolve_recovery_path(str(newest))
    (job_dir / f"chk-{ids[-2]}" / "state").unlink()
    with pytest.raises(ExecutionError, match="the file state is missing"):
        read_checkpoint(str(job_dir / f"chk-{ids[-2]}"))
    assert resolve_recovery_path(str(job_dir)).checkpoint_id == ids[-3]


def test_a_job_resumes_from_the_newest_intact_checkpoint_and_numbers_on(tmp_path, caplog):
    _, ids, _ = _damaged_setup(tmp_path)
    env = _env(tmp_path, **{"execution.state-recovery.path": str(tmp_path / "ckpt"),
                            "flowsql.exec.batch.max-rows": "20000"})
    with caplog.at_level(logging.WARNING, logger="flowsql.checkpoint"):
        job = _run(env, rows=100_000, rps=1_000_000)
    assert job.status.state == "FINISHED" and "skipping checkpoint" in caplog.text
    assert job.checkpoints.stats[0].checkpoint_id == ids[-2] + 1


def test_state_of_another_query_is_refused_with_the_unclaimed_operators(tmp_path):
    job_dir, ids, _ = _damaged_setup(tmp_path)
    other = "INSERT INTO out SELECT k, MAX(n), MIN(n) FROM numbers GROUP BY k"
    env = _env(tmp_path, **{"execution.state-recovery.path": str(job_dir / f"chk-{ids[0]}")})
    with pytest.raises(ValidationError, match="holds state of operators this job does not have: groupaggregate-.*; operators of this job with no state in it: groupaggregate-"):
        _run(env, query=other)
    env = _env(tmp_path, **{"execution.state-recovery.path": str(job_dir / f"chk-{ids[0]}"),
                            "execution.state-recovery.ignore-unclaimed-state": "true"})
    assert _run(env, query=other, rows=2000, rps=1_000_000).status.state == "FINISHED"


def test_operator_ids_are_the_same_in_every_planning_of_a_query(tmp_path):
    from flowsql.planner.optimizer import optimize
    from flowsql.planner.parser import parse_statement
    from flowsql.planner.physical import PhysicalPlanner
    from flowsql.table.executor import StatementExecutor

    ids = []
    for _ in range(2):
        env = _env(tmp_path)
        for statement in COUNTS.format(rows=10, rps=10).split(";")[:-1]:
            env.execute_sql(statement)
        shown = env.explain_sql(QUERY.replace("INTO out", "INTO shown"))
        assert "deliveryGuarantee=[at-least-once]" in shown  # print cannot take part in checkpoints
        insert = parse_statement(QUERY)
        sink = StatementExecutor(env).binder().bind_insert(insert.table, insert.query, insert.columns)
        ids.append(_ids(PhysicalPlanner(env.get_config()).plan(optimize(sink, env.get_config()))))
    assert ids[0] == ids[1] and len(set(ids[0])) == len(ids[0])
    assert ids[0][0].startswith("sink-") and any(i.startswith("groupaggregate-") for i in ids[0])


def _ids(node):
    return [node.operator_id] + [i for child in node.inputs for i in _ids(child)]


def test_keyed_state_round_trips_through_buffers_and_stays_writable():
    backend = StateBackend()
    keyed = backend.keyed_state("op", "groups", 1)
    ids = keyed.lookup([pa.array(["a", "b", "a", None])])
    keyed.values.define("count", np.int64, 0)
    np.add.at(keyed.values["count"], ids, 1)
    backend.value_state("op", "rows", None).value = pa.table({"x": [1, 2, 3]})
    captured = capture(backend.states)
    keyed.values["count"][:] = 99  # the job goes on mutating: the capture must not see it
    buffers = bytearray(b"".join(captured.buffers))
    restored = StateBackend(load(captured.stream, buffers, [len(b) for b in captured.buffers]))
    again = restored.keyed_state("op", "groups", 1)
    assert again.values.define("count", np.int64, 0) is again.values["count"]  # define keeps restored values
    assert again.values["count"][again.lookup([pa.array(["a", "b", None])])].tolist() == [2, 1, 1]
    again.values["count"][0] += 1  # writable
    assert restored.value_state("op", "rows").value.column("x").to_pylist() == [1, 2, 3]


class _NoReplayReader(SourceReader):
    finished = False

    def poll(self, max_rows):
        return None


class _NoReplaySource(TableSource):
    bounded = False

    def __init__(self, context):
        self.context = context

    def produced_columns(self):
        return list(self.context.physical_columns)

    def create_reader(self):
        return _NoReplayReader()


class _NoReplayFactory(ConnectorFactory):
    identifier = "test-no-replay"

    def create_source(self, context):
        return _NoReplaySource(context)


def test_a_source_that_cannot_rewind_refuses_checkpointing_at_once(tmp_path):
    register(_NoReplayFactory())
    env = _env(tmp_path)
    env.execute_sql("CREATE TABLE s (x INT) WITH ('connector' = 'test-no-replay')")
    env.execute_sql("CREATE TABLE o (x INT) WITH ('connector' = 'blackhole')")
    job = env.execute_sql("INSERT INTO o SELECT x FROM s").job
    started = time.monotonic()
    with pytest.raises(ConnectorError, match="cannot be replayed, so a job reading it cannot take checkpoints"):
        job.wait(30)
    assert time.monotonic() - started < 30


def test_state_inspect_lists_a_checkpoint_and_shows_a_keyed_state_as_rows(tmp_path):
    import io

    from flowsql.sql_client.cli import run

    job_dir, ids, _ = _damaged_setup(tmp_path)
    checkpoint = str(job_dir / f"chk-{ids[0]}")
    out = io.StringIO()
    assert run(["state", "inspect", checkpoint], stdout=out) == 0
    listing = out.getvalue()
    assert f"checkpoint {ids[0]} of job" in listing and "source position" in listing
    operator = next(word for word in listing.split() if word.startswith("groupaggregate-"))
    out = io.StringIO()
    assert run(["state", "inspect", checkpoint, "--operator", operator, "--state", "groups"], stdout=out) == 0
    table = out.getvalue()
    assert "| key0 " in table and "| rows " in table
    assert {line.split("|")[1].strip() for line in table.splitlines()[4:-1]} >= {str(k) for k in range(10)}
    out = io.StringIO()
    assert run(["state", "inspect", checkpoint, "--operator", "nope", "--state", "x"], stdout=out) == 1
    assert "no state 'x' of operator 'nope'" in out.getvalue()


def test_explain_against_a_checkpoint_tells_which_operators_keep_their_state(tmp_path):
    job_dir, ids, _ = _damaged_setup(tmp_path)
    env = _env(tmp_path, **{"execution.state-recovery.path": str(job_dir / f"chk-{ids[0]}")})
    for statement in COUNTS.format(rows=100_000, rps=10_000).split(";")[:-1]:
        env.execute_sql(statement)
    same = env.explain_sql(QUERY)
    assert "== State Recovery from" in same
    assert "GroupAggregate [groupaggregate-" in same and ": keeps its state (global-emitted, groups)" in same
    assert "TableSourceScan [tablesourcescan-" in same and "resumes at position {'rows'" in same
    assert "unused state" not in same
    changed = env.explain_sql("INSERT INTO out SELECT k, COUNT(*), SUM(n) FROM numbers WHERE n > 0 GROUP BY k")
    assert "GroupAggregate [groupaggregate-" in changed and "starts with empty state" in changed
    assert "unused state [groupaggregate-" in changed and "ignore-unclaimed-state" in changed
