"""kill -9 at random moments, resume from the latest checkpoint, and get the uninterrupted output.

A real process runs ``flowsql -f job.sql`` (CSV files and a throttled datagen source, a window
aggregation and a join, a filesystem sink, checkpoints every 300 ms); the driver kills it at a
random moment at least ten times, each time starting it again with ``-s`` on the checkpoint
folder (the newest intact checkpoint); at the end the committed files hold, row for row, the
output of the uninterrupted run: nothing lost, nothing duplicated. Most kills fall at a random
moment after the run's first checkpoint (so every run makes progress whatever the machine's
load); every third falls at a random moment from the start (during start-up or restore).
"""

import random
import subprocess
import time

from tests.fault_tolerance.jobs import committed_rows, flowsql, has_checkpoint

KILLS = 10


def _job_dirs(root) -> set:
    return {p.name for p in (root / "ckpt").glob("*")}


def _first_checkpoint_of_run(root, before: set, process) -> None:
    """Wait until the running process has completed a checkpoint of its own (or has ended)."""
    while process.poll() is None:
        if any(any(d.glob("chk-*/_metadata")) for d in (root / "ckpt").glob("*") if d.name not in before):
            return
        time.sleep(0.02)


def test_killed_ten_times_the_job_commits_exactly_the_uninterrupted_output(crash_setup):
    root, job, reference = crash_setup
    rng = random.Random(2024)
    kills, resumed_from_checkpoint = 0, 0
    while True:
        recover = root / "ckpt" if has_checkpoint(root) else None
        resumed_from_checkpoint += recover is not None
        before = _job_dirs(root)
        process = flowsql(job, root, "crashed", rps=300, recover_from=recover)
        if kills >= KILLS:
            assert process.wait(timeout=300) == 0, (root / "crashed.log").read_text()[-3000:]
            break
        if kills % 3 != 2:
            _first_checkpoint_of_run(root, before, process)
        try:
            process.wait(timeout=rng.uniform(0.05, 0.9) if kills % 3 != 2 else rng.uniform(0.1, 2.5))
            assert process.returncode == 0, (root / "crashed.log").read_text()[-3000:]
            break  # the job finished before this kill
        except subprocess.TimeoutExpired:  # still running: the random moment has come
            process.kill()  # SIGKILL: no clean-up of any kind
            process.wait()
            kills += 1
    assert kills >= KILLS, f"the job finished after only {kills} kills"
    assert resumed_from_checkpoint >= KILLS // 2
    committed = committed_rows(root / "crashed")
    assert len(committed) == len(reference)
    assert committed == reference
