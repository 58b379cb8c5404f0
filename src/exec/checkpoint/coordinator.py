"""The checkpoint coordinator: barriers in the job's loop, asynchronous writes, commit notices.

Why a snapshot between two source polls is a consistent checkpoint: the runtime is one thread
that pushes each source batch depth-first through every operator to the sinks before it polls
again, so between two polls no record is in flight on any edge. Flink's aligned barriers reach
the same cut: a barrier injected after a source's last record reaches an operator with several
inputs only once every input has delivered everything before its own barrier, and the
operator snapshots then. Taking the snapshot at that point of our loop, for all operators at
once, is therefore exactly what Flink's asynchronous barrier snapshotting would capture, for
operators with one input or many. ``execution.checkpointing.mode`` (EXACTLY_ONCE /
AT_LEAST_ONCE) only changes alignment in Flink; here barriers never need aligning, so both modes
give exactly-once state.

At the barrier (job thread) each source reports its position, each sink pre-commits (its
pending transaction goes into the checkpoint), the watermark tracker's state is read, and the
state backend is serialised into detached bytes; a background thread writes them (the job keeps
processing). When a checkpoint is complete on disk the job thread tells the sinks, which commit
that checkpoint's transactions. One checkpoint is in flight at a time. Without
``state.checkpoints.dir`` checkpoints stay in memory and serve in-process restarts only.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from flowsql.common.config import Config
from flowsql.common.errors import ExecutionError, ValidationError
from flowsql.exec.checkpoint.snapshot import CapturedState, capture, load
from flowsql.exec.checkpoint.storage import (
    CheckpointStorage,
    RestoredCheckpoint,
    read_checkpoint,
    write_snapshot,
)

logger = logging.getLogger("flowsql.checkpoint")

MODES = ("EXACTLY_ONCE", "AT_LEAST_ONCE")
RETENTIONS = ("NO_EXTERNALIZED_CHECKPOINTS", "RETAIN_ON_CANCELLATION", "DELETE_ON_CANCELLATION")


@dataclass
class CheckpointStats:
    checkpoint_id: int
    size_bytes: int
    duration_ms: float  # from the barrier to the checkpoint being complete on disk
    sync_ms: float  # the part spent in the job thread (capturing state)
    path: str | None


def checkpoint_interval_ms(config: Config) -> int:
    """The checkpoint interval, 0 when checkpointing is off."""
    text = config.get("execution.checkpointing.interval")
    return max(0, config.get_duration_ms("execution.checkpointing.interval")) if text else 0


def _operator_id(op) -> str:
    return op.node.operator_id


class CheckpointCoordinator:
    def __init__(self, job, config: Config) -> None:
        self.job = job
        self.interval_ms = checkpoint_interval_ms(config)
        mode = (config.get("execution.checkpointing.mode") or "EXACTLY_ONCE").strip().upper()
        if mode not in MODES:
            raise ValidationError(f"unknown checkpointing mode '{mode}' in 'execution.checkpointing.mode'",
                                  hint="use EXACTLY_ONCE or AT_LEAST_ONCE")
        self.retention = (config.get("execution.checkpointing.externalized-checkpoint-retention")
                          or "NO_EXTERNALIZED_CHECKPOINTS").strip().upper()
        if self.retention not in RETENTIONS:
            raise ValidationError(f"unknown checkpoint retention '{self.retention}'",
                                  hint="use " + ", ".join(RETENTIONS))
        directory = config.get("state.checkpoints.dir") or config.get("execution.checkpointing.dir")
        retained_text = config.get("state.checkpoints.num-retained") or config.get(
            "execution.checkpointing.num-retained") or "1"
        if not retained_text.strip().isdigit() or int(retained_text) < 1:
            raise ValidationError(f"'state.checkpoints.num-retained' must be a positive integer, found '{retained_text}'")
        retained = int(retained_text)
        self.storage = CheckpointStorage(directory, job.job_id, retained) if directory else None
        self.next_id = 1
        self.last_trigger = job.clock.monotonic()
        self.stats: list[CheckpointStats] = []
        self.failed = 0
        self.latest_in_memory: tuple[dict, CapturedState] | None = None  # without a directory
        self.latest_completed: int | None = None
        self._in_flight: threading.Thread | None = None
        self._done: queue.Queue = queue.Queue()

    @property
    def enabled(self) -> bool:
        return self.interval_ms > 0

    # -- barriers (job thread) ----------------------------------------------------------------
    def at_barrier(self) -> None:
        """The job loop's barrier step: savepoints asked for, then a periodic checkpoint if due."""
        while self.job.savepoint_requests:
            directory, drain, future = self.job.savepoint_requests.pop(0)
            try:
                if drain:
                    for op in self.job.operators:  # topological order: every window and timer fires
                        self.job.watermarks.finish_operator(op)
                future.set_result(self.take_savepoint(directory))
            except Exception as e:  # noqa: BLE001 - the requester gets the error, the job goes on
                future.set_exception(e)
                continue
            self.job.stop_after_savepoint()
            return
        if self.enabled:
            self.maybe_trigger()

    def take_savepoint(self, directory: str) -> str:
        """A synchronous snapshot into ``<directory>/savepoint-<job>-<random>/``; sinks commit it."""
        self.wait_in_flight()
        checkpoint_id = self.next_id
        self.next_id += 1
        metadata, captured = self._capture(checkpoint_id, finished=False)
        metadata["savepoint"] = True
        folder = os.path.join(directory.removeprefix("file://"),
                              f"savepoint-{self.job.job_id[:6]}-{uuid.uuid4().hex[:12]}")
        os.makedirs(os.path.dirname(folder), exist_ok=True)
        write_snapshot(folder, metadata, captured)
        self._notify_sinks(checkpoint_id)
        return folder

    def maybe_trigger(self) -> None:
        """Called between source polls: take a checkpoint if one is due and none is in flight."""
        self.poll_completed()
        now = self.job.clock.monotonic()
        if self._in_flight is not None or (now - self.last_trigger) * 1000 < self.interval_ms:
            return
        self.last_trigger = now
        self._start(finished=False)

    def final_checkpoint(self) -> None:
        """End of input: a last checkpoint, awaited, so that sinks commit everything."""
        self.wait_in_flight()
        self._start(finished=True)
        self.wait_in_flight()

    def _start(self, finished: bool) -> None:
        started = time.monotonic()
        checkpoint_id = self.next_id
        self.next_id += 1
        metadata, captured = self._capture(checkpoint_id, finished)
        sync_ms = (time.monotonic() - started) * 1000
        self._in_flight = threading.Thread(target=self._write, args=(metadata, captured, started, sync_ms),
                                           name=f"flowsql-checkpoint-{checkpoint_id}", daemon=True)
        self._in_flight.start()

    def _capture(self, checkpoint_id: int, finished: bool) -> tuple[dict, CapturedState]:
        job = self.job
        sources = {_operator_id(s): s.reader.snapshot_position() for s in job.sources}
        sinks = {}
        for op in job.operators:
            sink = getattr(op, "sink", None)
            if sink is not None:
                sinks[_operator_id(op)] = sink.snapshot_state(checkpoint_id)
        tracker = job.watermarks
        watermarks = {_operator_id(op): [tracker.inputs[id(op)], tracker.idle_inputs[id(op)],
                                         tracker.current[id(op)], tracker.idle[id(op)]] for op in job.operators}
        metadata = {"checkpoint_id": checkpoint_id, "job_id": job.job_id, "job_name": job.name,
                    "timestamp": int(time.time() * 1000), "finished": finished,
                    "operators": [_operator_id(op) for op in job.operators],
                    "sources": sources, "sinks": sinks, "watermarks": watermarks,
                    "max_parallelism": job.state_backend.max_parallelism}
        files = job.state_backend.prepare_snapshot()  # the disk backend's state files
        captured = capture(job.state_backend.states)
        captured.files = files
        return metadata, captured

    def _write(self, metadata: dict, captured: CapturedState, started: float, sync_ms: float) -> None:
        checkpoint_id = metadata["checkpoint_id"]
        try:
            if self.storage is not None:
                path, size = self.storage.write(checkpoint_id, metadata, captured)
            else:
                self.latest_in_memory = (metadata, captured)
                path, size = None, captured.size
            stats = CheckpointStats(checkpoint_id, size, (time.monotonic() - started) * 1000, sync_ms, path)
            self._done.put(stats)
        except Exception as e:  # noqa: BLE001 - a full disk, a permission: this checkpoint fails, the job goes on
            self._done.put(ExecutionError(f"checkpoint {checkpoint_id} could not be written: {e}"))

    def wait_in_flight(self) -> None:
        if self._in_flight is not None:
            self._in_flight.join()
        self.poll_completed()

    def poll_completed(self) -> None:
        """Job thread: account for written checkpoints and let the sinks commit them."""
        if self._in_flight is not None and not self._in_flight.is_alive():
            self._in_flight = None
        while True:
            try:
                done = self._done.get_nowait()
            except queue.Empty:
                return
            if isinstance(done, ExecutionError):
                self.failed += 1
                logger.warning("WARNING: %s", done.message)
                continue
            self.stats.append(done)
            self.latest_completed = done.checkpoint_id
            self._notify_sinks(done.checkpoint_id)

    def _notify_sinks(self, checkpoint_id: int) -> None:
        for op in self.job.operators:
            sink = getattr(op, "sink", None)
            if sink is not None:
                sink.notify_checkpoint_complete(checkpoint_id)

    # -- restore ------------------------------------------------------------------------------
    def latest(self) -> RestoredCheckpoint | None:
        """The newest completed checkpoint of this run, for an in-process restart."""
        if self.storage is None:
            if self.latest_in_memory is None:
                return None
            metadata, captured = self.latest_in_memory
            data = bytearray(b"".join(captured.buffers))
            states = load(captured.stream, data, [len(b) for b in captured.buffers])
            return RestoredCheckpoint("<memory>", metadata["checkpoint_id"], metadata, states)
        if self.latest_completed is None:
            return None
        return read_checkpoint(f"{self.storage.job_dir}/chk-{self.latest_completed}")

    def continue_after(self, restored: RestoredCheckpoint) -> None:
        """Number the next checkpoints after the restored one, as Flink does."""
        self.next_id = max(self.next_id, restored.checkpoint_id + 1)
        self.last_trigger = self.job.clock.monotonic()

    # -- end of the job -------------------------------------------------------------------------
    def job_ended(self, state: str) -> None:
        """Drop the checkpoints a finished (or cancelled, unless retained) job no longer needs."""
        if self._in_flight is not None:
            self._in_flight.join()
        if self.storage is None:
            return
        if state == "FINISHED" or (state == "CANCELED" and self.retention != "RETAIN_ON_CANCELLATION"):
            self.storage.discard()

    def metrics(self) -> dict[str, Any]:
        """Flink's checkpoint metric names."""
        last = self.stats[-1] if self.stats else None
        return {"numberOfCompletedCheckpoints": len(self.stats), "numberOfFailedCheckpoints": self.failed,
                "lastCheckpointSize": last.size_bytes if last else 0,
                "lastCheckpointDuration": round(last.duration_ms, 3) if last else 0,
                "lastCheckpointSyncDuration": round(last.sync_ms, 3) if last else 0,
                "lastCheckpointExternalPath": (last.path or "") if last else ""}


def restore_job(job, restored: RestoredCheckpoint, ignore_unclaimed: bool) -> None:
    """Put a checkpoint's source positions, sink transactions and watermarks into a freshly built
    job (its operators opened on a backend holding the restored state)."""
    metadata = restored.metadata
    by_id = {_operator_id(op): op for op in job.operators}
    claimed = set(by_id)
    unclaimed = sorted({op_id for op_id, _ in restored.states} - claimed)
    unclaimed += sorted(set(metadata["sources"]) - claimed)
    if unclaimed and not ignore_unclaimed:
        restored_ids = {op_id for op_id, _ in restored.states} | set(metadata["sources"])
        missing = sorted({op_id for op_id, _ in job.state_backend.states} - restored_ids)
        raise ValidationError(
            f"checkpoint {restored.path} holds state of operators this job does not have: {', '.join(unclaimed)}"
            + (f"; operators of this job with no state in it: {', '.join(missing)}" if missing else ""),
            location=restored.path,
            hint="restore it with the query that wrote it, or SET "
                 "'execution.state-recovery.ignore-unclaimed-state' = 'true' to drop that state")
    for op_id, position in metadata["sources"].items():
        if op_id in by_id:
            by_id[op_id].reader.restore_position(position)
    tracker = job.watermarks
    for op_id, (inputs, idle_inputs, current, idle) in metadata["watermarks"].items():
        op = by_id.get(op_id)
        if op is not None and len(inputs) == len(tracker.inputs[id(op)]):
            tracker.inputs[id(op)], tracker.idle_inputs[id(op)] = list(inputs), list(idle_inputs)
            tracker.current[id(op)], tracker.idle[id(op)] = current, idle
            if current is not None and current > -(2**63):
                op.metrics.watermark = current
