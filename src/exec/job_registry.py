"""The jobs a session has started, by id (SHOW JOBS, STOP JOB, the job server)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from flowsql.common.errors import ValidationError
from flowsql.exec.job_rates import RateMeter


@dataclass
class JobRegistry:
    jobs: dict[str, Any] = field(default_factory=dict)  # job id → flowsql.exec.job.Job
    meters: dict[str, RateMeter] = field(default_factory=dict)  # job id → its rate samples
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, job: Any) -> None:
        with self.lock:
            self.jobs[job.job_id] = job
            self.meters[job.job_id] = RateMeter()

    def list(self) -> list[Any]:
        with self.lock:
            return list(self.jobs.values())

    def meter(self, job: Any) -> RateMeter:
        with self.lock:
            return self.meters.setdefault(job.job_id, RateMeter())

    def get(self, job_id: str, line: int | None = None, column: int | None = None) -> Any:
        """The job with this id, or with this unique id prefix; an error naming the known ids if none."""
        key = job_id.strip().lower()
        with self.lock:
            if key in self.jobs:
                return self.jobs[key]
            matches = [job for jid, job in self.jobs.items() if key and jid.startswith(key)]
            known = list(self.jobs)
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ValidationError(f"the job id prefix '{job_id}' matches {len(matches)} jobs",
                                  line=line, column=column, hint="give more characters of the id (SHOW JOBS lists them)")
        hint = "SHOW JOBS lists this session's jobs" if known else "this session has started no job yet"
        raise ValidationError(f"there is no job with id '{job_id}'", line=line, column=column, hint=hint)
