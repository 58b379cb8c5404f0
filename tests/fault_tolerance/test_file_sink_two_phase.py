"""The filesystem sink's two-phase commit: in-progress → pending at a checkpoint → committed when
it completes; restore commits the restored checkpoint's pending files and drops the leftovers."""

import os

import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.common.config import Config
from flowsql.common.connector import Column, ConnectorContext
from flowsql.common.types import BIGINT, STRING
from flowsql.connectors.filesystem_sink import FileSystemSink


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _sink(path, clock=None, **options) -> FileSystemSink:
    context = ConnectorContext("`t`", [Column("k", STRING()), Column("v", BIGINT())],
                               {"connector": "filesystem", "path": str(path), "format": "csv", **options}, Config())
    sink = FileSystemSink(context, clock or _Clock())
    sink.open()
    return sink


def _write(sink, *values) -> None:
    sink.write(ChangeBatch(pa.table({"k": [f"k{v}" for v in values], "v": list(values)})))


def _visible(path) -> list[int]:
    rows = []
    for name in sorted(os.listdir(path)):
        if name.startswith("part-"):
            with open(os.path.join(path, name)) as handle:
                rows += [int(line.split(",")[1]) for line in handle.read().split()]
    return sorted(rows)


def _hidden(path) -> list[str]:
    return sorted(n for n in os.listdir(path) if n.startswith("."))


def test_rows_become_visible_only_when_their_checkpoint_completes(tmp_path):
    sink = _sink(tmp_path)
    _write(sink, 1, 2)
    assert _visible(tmp_path) == [] and len(_hidden(tmp_path)) == 1
    state = sink.snapshot_state(1)
    _write(sink, 3)  # after the barrier: belongs to the next checkpoint
    assert [e[0] for e in state["pending"]] == [1]
    assert _visible(tmp_path) == []
    sink.notify_checkpoint_complete(1)
    assert _visible(tmp_path) == [1, 2]
    sink.snapshot_state(2)
    sink.notify_checkpoint_complete(2)
    assert _visible(tmp_path) == [1, 2, 3] and _hidden(tmp_path) == []


def test_restore_commits_the_checkpoint_s_pending_files_and_drops_what_came_after(tmp_path):
    crashed = _sink(tmp_path)
    _write(crashed, 1, 2)
    state = crashed.snapshot_state(1)  # checkpoint 1 completes on disk, then the process dies
    _write(crashed, 3)
    crashed.snapshot_state(2)  # checkpoint 2 never completes
    _write(crashed, 4)
    assert _visible(tmp_path) == [] and len(_hidden(tmp_path)) == 3
    resumed = _sink(tmp_path)
    resumed.restore_state(state)
    assert _visible(tmp_path) == [1, 2] and _hidden(tmp_path) == []
    resumed.restore_state(state)  # a second crash before the next checkpoint: committing again is harmless
    _write(resumed, 3, 4)
    resumed.finish()
    assert _visible(tmp_path) == [1, 2, 3, 4]


def test_files_roll_by_size_and_by_time(tmp_path):
    clock = _Clock()
    sink = _sink(tmp_path, clock, **{"sink.rolling-policy.file-size": "1b",
                                     "sink.rolling-policy.rollover-interval": "10 s",
                                     "sink.rolling-policy.check-interval": "1 s"})
    _write(sink, 1)
    _write(sink, 2)
    assert len(sink.pending) == 2 and not sink.open_files  # each write passed the size limit
    timed = _sink(tmp_path / "timed", clock, **{"sink.rolling-policy.rollover-interval": "10 s",
                                                "sink.rolling-policy.check-interval": "1 s"})
    _write(timed, 1)
    clock.now = 5
    _write(timed, 2)
    assert not timed.pending
    clock.now = 11
    _write(timed, 3)
    assert len(timed.pending) == 1 and not timed.open_files
    timed.finish()
    assert _visible(tmp_path / "timed") == [1, 2, 3]


def test_without_checkpoints_files_are_committed_at_the_end_of_input(tmp_path):
    sink = _sink(tmp_path)
    _write(sink, 5)
    sink.close()
    assert _visible(tmp_path) == []
    sink = _sink(tmp_path)
    _write(sink, 6)
    sink.finish()
    assert _visible(tmp_path) == [6]
