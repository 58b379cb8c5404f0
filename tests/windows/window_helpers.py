"""Helpers for the window tests: event files with bounded disorder, jobs on an injected clock,
streaming/batch runs reduced to comparable row lists.

(Not a conftest.py, for the reason given in tests/planner/plan_helpers.py.)
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from flowsql.common.rowkind import RowKind
from flowsql.exec.job import Job
from flowsql.planner.logical import Sink
from flowsql.planner.optimizer import optimize
from flowsql.planner.parser import parse_statement
from flowsql.planner.physical import PhysicalPlanner
from flowsql.table import EnvironmentSettings, TableEnvironment
from flowsql.table.executor import StatementExecutor

BASE = dt.datetime(2024, 1, 1, 10, 0, 0)


def write_events(path: Path, n: int = 300, seed: int = 7, step_ms: int = 300, jitter_ms: int = 4000) -> list[tuple]:
    """CSV rows (k, v, ts) in file order; each ts is behind the largest earlier one by < jitter_ms."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        ts = BASE + dt.timedelta(milliseconds=i * step_ms + rng.randrange(jitter_ms))
        rows.append((rng.choice("abc"), rng.randrange(100), ts))
    path.mkdir(parents=True, exist_ok=True)
    with open(path / "events.csv", "w") as f:
        for k, v, ts in rows:
            f.write(f"{k},{v},{ts.isoformat(sep=' ', timespec='milliseconds')}\n")
    return rows


def make_env(path: Path, batch: bool = False, max_rows: int = 7, interval: str = "0 ms",
             watermark: str = "ts - INTERVAL '5' SECOND", **options: str) -> TableEnvironment:
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode() if batch
                                  else EnvironmentSettings.in_streaming_mode())
    config = env.get_config()
    config.set("flowsql.exec.batch.max-rows", str(max_rows))
    config.set("pipeline.auto-watermark-interval", interval)
    for k, v in options.items():
        config.set(k, v)
    env.execute_sql(f"CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), pt AS PROCTIME(), "
                    f"WATERMARK FOR ts AS {watermark}) "
                    f"WITH ('connector'='filesystem', 'path'='{path}', 'format'='csv')")
    return env


def changes(env: TableEnvironment, sql: str) -> list[tuple[RowKind, tuple]]:
    out = []
    for batch in env.execute_sql(sql).change_batches():
        if batch.kinds is None:
            out += [(RowKind.INSERT, r) for r in zip(*[c.to_pylist() for c in batch.table.columns])]
        else:
            out += batch.rows_with_kinds()
    return out


def rows(env: TableEnvironment, sql: str) -> list[tuple]:
    """The final rows of a query, sorted (streaming runs must be insert-only)."""
    result = changes(env, sql)
    assert all(kind == RowKind.INSERT for kind, _ in result), "window results must be insert-only"
    return sorted((r for _, r in result), key=repr)


def make_job(env: TableEnvironment, sql: str, clock=None) -> Job:
    """The streaming job of a query, built by hand so that tests can inject a clock."""
    executor = StatementExecutor(env)
    plan = executor.binder().bind_query(parse_statement(sql).query)
    sink = optimize(Sink(plan, None), env.config)
    physical = PhysicalPlanner(env.config, False).plan(sink)
    return Job([physical], env.config.copy(), "test", clock=clock)


def drained(job: Job) -> list[tuple]:
    out = []
    queue = job.collectors[0].queue
    while not queue.empty():
        batch = queue.get()
        if batch is not None:  # None marks the end of the job
            out += [r for _, r in batch.rows_with_kinds()]
    return out


def operator(job: Job, name: str):
    return next(op for op in job.operators if op.name == name)
