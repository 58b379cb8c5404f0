"""``flowsql`` with the fake environment: lets the pty tests run without the engine."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fake_env import FakeEnv  # noqa: E402

from flowsql.sql_client.cli import run  # noqa: E402

if __name__ == "__main__":
    sys.exit(run(sys.argv[1:], env_factory=lambda options: FakeEnv(options, job_duration=0.2)))
