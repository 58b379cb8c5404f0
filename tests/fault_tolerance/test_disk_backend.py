"""The disk state backend (state.backend.type = rocksdb): state larger than its memory budget,
checkpoints and restores (full and incremental), key groups recorded in snapshots."""

import json
import os
import time

import numpy as np
import pyarrow as pa
import pytest
from flowsql.common.config import Config
from flowsql.common.errors import ValidationError
from flowsql.exec.checkpoint.snapshot import capture
from flowsql.exec.checkpoint.storage import CheckpointStorage, read_checkpoint
from flowsql.exec.state.backend import KeyedState
from flowsql.exec.state.factory import create_state_backend
from flowsql.exec.state.key_groups import ids_in_key_groups, key_group_range, operator_index_for_key_group
from flowsql.exec.state.spill_backend import SpillingKeyedState, SpillingStateBackend
from flowsql.table import EnvironmentSettings, TableEnvironment

from tests.fault_tolerance.jobs import committed_rows, flowsql, has_checkpoint

AGGREGATE = """
CREATE TABLE t (n BIGINT, k BIGINT, s STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '{rows}',
  'seed' = '5', 'rows-per-second' = '100000000', 'fields.n.kind' = 'sequence', 'fields.n.start' = '1',
  'fields.n.end' = '{rows}', 'fields.k.min' = '0', 'fields.k.max' = '{keys}', 'fields.s.length' = '1')
"""


def _aggregate(backend: str, rows: int, keys: int, budget: str = "256 kb", local=None):
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    config = env.get_config()
    for key, value in {"state.backend.type": backend, "state.backend.spill.memory-budget": budget,
                       "flowsql.exec.batch.max-rows": "5000", **({"state.backend.local-dir": local} if local else {})
                       }.items():
        config.set(key, value)
    env.execute_sql(AGGREGATE.format(rows=rows, keys=keys))
    result = env.execute_sql("SELECT k, s, COUNT(*) AS c, SUM(n) AS total, MIN(n) AS first FROM t GROUP BY k, s")
    rows_out = sorted(tuple(r) for r in result.collect())
    return rows_out, result.job


def test_an_aggregation_whose_state_is_many_times_the_budget_matches_the_hashmap_backend(tmp_path):
    expected, _ = _aggregate("hashmap", 120_000, 40_000)
    got, job = _aggregate("rocksdb", 120_000, 40_000, local=str(tmp_path))
    assert got == expected
    backend = job.state_backend
    assert isinstance(backend, SpillingStateBackend)
    (state,) = [s for s in backend.states.values() if isinstance(s, SpillingKeyedState)]
    keys = state.keys.size
    assert keys > 60_000
    # 24 bytes of key fingerprint and id plus 8 per value array, per key: several times the budget
    state_bytes = keys * (24 + 8 * len(state.values.mapped()) + 4)
    assert state_bytes > 8 * backend.budget.budget
    assert len(state.keys.disk_runs) >= 2 and backend.budget.trims > 0  # it did spill and trim
    assert backend.budget.peak <= backend.budget.budget  # never more of it in memory than the budget
    assert not os.path.exists(backend.job_dir)  # the finished job's local files are gone


def test_a_global_aggregate_and_a_join_run_on_the_disk_backend(tmp_path):
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("state.backend.type", "rocksdb").set("state.backend.local-dir", str(tmp_path))
    env.execute_sql(AGGREGATE.format(rows=3000, keys=300))
    total = env.execute_sql("SELECT COUNT(*), SUM(k) FROM t").collect()
    assert [tuple(r) for r in total][-1][0] == 3000
    joined = env.execute_sql("SELECT COUNT(*) FROM (SELECT a.n FROM t a JOIN t b ON a.n = b.n)").collect()
    assert [tuple(r) for r in joined][-1] == (3000,)


def _state_with_keys(backend, keys: np.ndarray) -> SpillingKeyedState:
    state = backend.keyed_state("op", "groups", 1)
    state.values.define("count", np.int64, 0)
    state.values.define("total", np.float64, 1.5)
    ids = state.lookup([pa.array(keys)])
    np.add.at(state.values["count"], ids, 1)
    np.add.at(state.values["total"], ids, keys.astype(np.float64))
    return state


def _checkpoint(backend, storage: CheckpointStorage, checkpoint_id: int) -> str:
    files = backend.prepare_snapshot()
    captured = capture(backend.states)
    captured.files = files
    path, _ = storage.write(checkpoint_id, {"checkpoint_id": checkpoint_id, "sources": {}, "sinks": {}}, captured)
    return path


def _restore(path: str, tmp_path, **options):
    config = Config({"state.backend.type": "rocksdb", "state.backend.local-dir": str(tmp_path / "restored"),
                     **options})
    return create_state_backend(config, "restored-job", read_checkpoint(path))


def _metadata(folder: str) -> dict:
    with open(os.path.join(folder, "_metadata")) as handle:
        return json.load(handle)


def _snapshot_view(state) -> dict:
    size = state.keys.size
    view = {name: np.array(arr[:size]) for name, arr in state.values.arrays.items()}
    view["key-groups"] = np.array(state.key_groups[:size])
    return view


@pytest.mark.parametrize("incremental", [True, False])
def test_incremental_checkpoints_reference_unchanged_files_and_restore_like_full_ones(tmp_path, incremental):
    backend = SpillingStateBackend(str(tmp_path / "local"), 1 << 20, 128, incremental)
    storage = CheckpointStorage(str(tmp_path / "ckpt"), "job", num_retained=2)
    rng = np.random.default_rng(1)
    drawn = rng.integers(0, 400_000, 300_000)
    state = _state_with_keys(backend, drawn)
    first = _checkpoint(backend, storage, 1)
    _state_with_keys(backend, drawn[:2])  # two existing keys change: at most two chunks per value array
    second = _checkpoint(backend, storage, 2)
    meta = [_metadata(p) for p in (first, second)]
    shared = [set(m["shared_files"]) for m in meta]
    reused = shared[0] & shared[1]
    if incremental:
        assert len(shared[1]) - 4 <= len(reused) < len(shared[1])  # all but the changed chunks
    else:
        assert not reused
    live = _snapshot_view(state)
    restored = _restore(second, tmp_path)
    view = _snapshot_view(restored.states[("op", "groups")])
    assert view.keys() == live.keys()
    for name in live:
        assert np.array_equal(view[name], live[name]), name
    # the restored state goes on: known keys keep their ids, new keys get new ones
    again = restored.states[("op", "groups")]
    ids = again.lookup([pa.array(np.array([5, 10**9]))])
    assert ids[0] == state.lookup([pa.array(np.array([5]))], insert=False)[0]
    assert ids[1] == state.keys.size
    # retention: a third checkpoint drops the first; shared files only it referenced go, the rest stay
    _state_with_keys(backend, np.array([9]))
    third = _checkpoint(backend, storage, 3)
    assert not os.path.exists(first)
    on_disk = set(os.listdir(tmp_path / "ckpt" / "job" / "shared"))
    referenced = set(_metadata(second)["shared_files"]) | set(_metadata(third)["shared_files"])
    assert on_disk == referenced
    assert read_checkpoint(second).checkpoint_id == 2  # still intact after the retention clean-up


def test_key_groups_are_the_same_in_both_backends_and_recorded_in_snapshots(tmp_path):
    keys = pa.array(["a", "b", None, "c", "a", "zz"] * 3)
    memory = KeyedState(1, 128)
    memory_ids = memory.lookup([keys])
    disk = SpillingStateBackend(str(tmp_path), 1 << 20, 128, False).keyed_state("op", "s", 1)
    disk_ids = disk.lookup([keys])
    assert np.array_equal(memory.key_groups[memory_ids], disk.key_groups[disk_ids])
    assert (memory.key_groups[memory_ids] >= 0).all() and (memory.key_groups[memory_ids] < 128).all()
    assert len(set(memory.key_groups[memory_ids].tolist())) > 2
    snapshot = memory.__getstate__()
    assert snapshot["max_parallelism"] == 128 and np.array_equal(snapshot["key_groups"], memory.key_groups[:memory.keys.size])
    # a restore at parallelism 3 splits the key groups into contiguous ranges that cover them all
    ranges = [key_group_range(i, 3, 128) for i in range(3)]
    assert [g for r in ranges for g in r] == list(range(128))
    assert all(operator_index_for_key_group(g, 3, 128) == i for i, r in enumerate(ranges) for g in r)
    owned = np.concatenate([ids_in_key_groups(memory, r) for r in ranges])
    assert sorted(owned.tolist()) == sorted(set(memory_ids.tolist()))


def test_state_written_with_another_max_parallelism_is_refused(tmp_path):
    backend = SpillingStateBackend(str(tmp_path / "local"), 1 << 20, 128, False)
    _state_with_keys(backend, np.arange(10))
    path = _checkpoint(backend, CheckpointStorage(str(tmp_path / "ckpt"), "job", 1), 1)
    with pytest.raises(ValidationError, match="max-parallelism"):
        _restore(path, tmp_path, **{"pipeline.max-parallelism": "256"})


def test_unknown_backend_and_bad_budget_are_refused():
    with pytest.raises(ValidationError, match="rocksdb"):
        create_state_backend(Config({"state.backend.type": "leveldb"}), "j")
    with pytest.raises(ValidationError, match="memory size"):
        create_state_backend(Config({"state.backend.type": "rocksdb",
                                     "state.backend.spill.memory-budget": "lots"}), "j")


def test_a_killed_job_on_the_disk_backend_resumes_from_its_checkpoint_exactly(crash_setup, tmp_path):
    root, job, reference = crash_setup
    disk_job = root / "job-rocksdb.sql"
    disk_job.write_text("SET 'state.backend.type' = 'rocksdb';\n"
                        f"SET 'state.backend.local-dir' = '{tmp_path}';\n"
                        "SET 'execution.checkpointing.incremental' = 'true';\n" + job.read_text())
    checkpoints = root / "ckpt"
    before = {p.name for p in checkpoints.glob("*")}
    process = flowsql(disk_job, root, "rocksdb", rps=2000)
    while process.poll() is None and not any(
            any(d.glob("chk-*/_metadata")) for d in checkpoints.glob("*") if d.name not in before):
        time.sleep(0.02)
    process.kill()
    process.wait()
    assert has_checkpoint(root)
    new_dirs = [d for d in checkpoints.glob("*") if d.name not in before]
    resumed = flowsql(disk_job, root, "rocksdb", rps=1_000_000, recover_from=new_dirs[0] if new_dirs else None)
    assert resumed.wait(timeout=300) == 0, (root / "rocksdb.log").read_text()[-3000:]
    assert committed_rows(root / "rocksdb") == reference
