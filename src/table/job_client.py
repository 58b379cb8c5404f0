"""``JobClient``: what ``TableResult.get_job_client()`` returns — the id, status and control of a job."""

from __future__ import annotations

import enum


class JobStatus(enum.Enum):
    CREATED = "CREATED"
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


class JobClient:
    def __init__(self, job) -> None:
        self._job = job

    def get_job_id(self) -> str:
        return self._job.job_id

    def get_job_status(self) -> JobStatus:
        return JobStatus(self._job.status.state)

    def cancel(self) -> None:
        self._job.cancel()

    def get_job_execution_result(self, timeout_ms: int | None = None):
        """Waits for the job to end; raises its error if it failed."""
        self._job.wait(None if timeout_ms is None else timeout_ms / 1000)
        return self

    def get_metrics(self) -> list[dict]:
        """flowsql: one dict per operator — rows in and out, late rows dropped, malformed records
        skipped, current watermark (epoch ms), idleness and state size (a snapshot while running)."""
        from flowsql.exec.job_metrics import operator_reports

        return [r.as_dict() for r in operator_reports(self._job)]

    def get_checkpoint_metrics(self) -> dict:
        """flowsql: checkpoints and restarts under Flink's metric names (numberOfCompletedCheckpoints,
        lastCheckpointSize in bytes, lastCheckpointDuration in ms, numRestarts, ...)."""
        return self._job.checkpoint_metrics()

    def get_warnings(self) -> list[str]:
        """flowsql: the job's warnings (skipped malformed records, windows stalled by idle sources)."""
        from flowsql.exec.job_metrics import job_warnings

        return job_warnings(self._job)

    def __repr__(self) -> str:
        return f"JobClient({self._job.job_id}, {self._job.status.state})"
