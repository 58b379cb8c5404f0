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

    def __repr__(self) -> str:
        return f"JobClient({self._job.job_id}, {self._job.status.state})"
