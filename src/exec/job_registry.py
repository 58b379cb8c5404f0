"""The jobs a session has started, by id (SHOW JOBS, STOP JOB, the job server)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class JobRegistry:
    jobs: dict[str, Any] = field(default_factory=dict)  # job id → flowsql.exec.job.Job

    def add(self, job: Any) -> None:
        self.jobs[job.job_id] = job
