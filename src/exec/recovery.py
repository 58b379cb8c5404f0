"""Running a job through failures: attempts, restarts from the latest checkpoint, the end state.

``run_job`` drives ``Job.run_attempt`` until it ends. A failed attempt is retried as the restart
strategy allows (``flowsql.exec.restart``): the job's operators are built afresh, opened on a
state backend holding the latest completed checkpoint's state, its sources rewound to that
checkpoint's positions and its sinks told to commit that checkpoint's transactions and discard
the rest. Each restart is logged with its cause (the CLI shows it on stderr). A job started with
``execution.state-recovery.path`` (``flowsql -s``) begins the same way from the named checkpoint.
"""

from __future__ import annotations

import logging
import time

from flowsql.common.errors import ExecutionError, FlowSqlError, PlanningError, ValidationError
from flowsql.exec.checkpoint.coordinator import CheckpointCoordinator
from flowsql.exec.checkpoint.storage import RestoredCheckpoint, resolve_recovery_path
from flowsql.exec.restart import restart_strategy

logger = logging.getLogger("flowsql.job")

RECOVERY_PATH_KEYS = ("execution.state-recovery.path", "execution.savepoint.path")
IGNORE_UNCLAIMED_KEYS = ("execution.state-recovery.ignore-unclaimed-state",
                         "execution.savepoint.ignore-unclaimed-state")


def _as_error(e: BaseException) -> FlowSqlError:
    if isinstance(e, FlowSqlError):
        return e
    error = ExecutionError(f"{type(e).__name__}: {e}", hint="this looks like a flowsql bug; please report it")
    error.__cause__ = e
    return error


def _first_set(config, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if config.get(key):
            return config.get(key)
    return None


def ignore_unclaimed_state(config) -> bool:
    return (_first_set(config, IGNORE_UNCLAIMED_KEYS) or "false").strip().lower() == "true"


def run_job(job) -> None:
    """Run ``job`` to its end state (FINISHED, CANCELED or FAILED with ``status.error``)."""
    job.status.state = "RUNNING"
    try:
        job.checkpoints = CheckpointCoordinator(job, job.config)
        strategy = restart_strategy(job.config, job.checkpoints.enabled)
        if job.checkpoints.enabled:
            for source in job.sources:  # fail now, not at the first checkpoint, if one cannot rewind
                source.reader.snapshot_position()
        restored = _initial_checkpoint(job)
        while True:
            try:
                job.run_attempt(restored)
                break
            except Exception as e:  # noqa: BLE001 - any failure of an attempt may be retried
                error = _as_error(e)
                if job.cancel_event.is_set() or isinstance(error, (ValidationError, PlanningError)):
                    raise error
                delay_ms = strategy.next_delay_ms(job.clock.now_ms())
                if delay_ms is None:
                    raise error
                restored = job.checkpoints.latest() or restored  # none taken since: the one restored
                job.restarts.append((time.time(), str(error)))
                where = f"checkpoint {restored.checkpoint_id}" if restored else "the beginning (no checkpoint yet)"
                logger.warning("WARNING: job %s (%s) failed: %s -- restart %d (%s) in %d ms from %s",
                               job.name, job.job_id, error, len(job.restarts), strategy.name, delay_ms, where)
                if job.cancel_event.wait(delay_ms / 1000):
                    job.status.state = "CANCELED"
                    break
                job.rebuild()
    except Exception as e:  # noqa: BLE001 - the job's end state carries the error
        job.status.state = "FAILED"
        job.status.error = _as_error(e)
    finally:
        for *_, future in job.savepoint_requests:
            future.set_exception(ExecutionError(f"job {job.job_id} ended ({job.status.state}) before its savepoint"))
        job.savepoint_requests.clear()
        checkpoints = getattr(job, "checkpoints", None)
        if checkpoints is not None:
            try:
                checkpoints.job_ended(job.status.state)
            except OSError:
                pass


def _initial_checkpoint(job) -> RestoredCheckpoint | None:
    path = _first_set(job.config, RECOVERY_PATH_KEYS)
    if not path:
        return None
    restored = resolve_recovery_path(path)
    job.checkpoints.continue_after(restored)
    logger.info("job %s (%s) restores checkpoint %s", job.name, job.job_id, restored.path)
    return restored
