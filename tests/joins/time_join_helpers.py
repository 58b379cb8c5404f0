"""Helpers for the interval and window join tests: event files, jobs built by hand (so tests can
inject a clock and look at operators and their state), state sizes read from the state backend.

(Not a conftest.py, as in tests/windows/window_helpers.py.)
"""

from __future__ import annotations

from pathlib import Path

from flowsql.exec.job import Job
from flowsql.planner.logical import Sink
from flowsql.planner.optimizer import optimize
from flowsql.planner.parser import parse_statement
from flowsql.planner.physical import PhysicalPlanner
from flowsql.table import EnvironmentSettings, TableEnvironment
from flowsql.table.executor import StatementExecutor

DDL = ("CREATE TABLE {name} (id INT, v INT, ts TIMESTAMP(3), pt AS PROCTIME(), "
       "WATERMARK FOR ts AS ts - INTERVAL '{bound}' SECOND) "
       "WITH ('connector'='filesystem', 'path'='{path}', 'format'='csv')")


def write_rows(path: Path, rows: list[tuple[int | None, int, str]]) -> Path:
    """CSV rows (id, v, 'HH:MM:SS' on 2024-01-01) in file order."""
    path.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{'' if k is None else k},{v},2024-01-01 {t}\n" for k, v, t in rows)
    (path / "rows.csv").write_text(text)
    return path


def make_env(tmp: Path, left: list, right: list, max_rows: int = 1, bound: int = 2) -> TableEnvironment:
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("flowsql.exec.batch.max-rows", str(max_rows))
    env.get_config().set("pipeline.auto-watermark-interval", "0 ms")
    for name, rows in (("l", left), ("r", right)):
        env.execute_sql(DDL.format(name=name, bound=bound, path=write_rows(tmp / name, rows)))
    return env


def make_job(env: TableEnvironment, sql: str, clock=None) -> Job:
    executor = StatementExecutor(env)
    plan = executor.binder().bind_query(parse_statement(sql).query)
    physical = PhysicalPlanner(env.config, False).plan(optimize(Sink(plan, None), env.config))
    return Job([physical], env.config.copy(), "test", clock=clock)


def run(job: Job) -> list[tuple[int, tuple]]:
    """Run to the end; (row kind, row) of everything collected."""
    job.run()
    job.wait()
    out, queue = [], job.collectors[0].queue
    while not queue.empty():
        batch = queue.get()
        if batch is not None:
            out += [(int(k), r) for k, r in batch.rows_with_kinds()]
    return out


def operator(job: Job, name: str):
    return next(op for op in job.operators if op.name == name)


def backend_rows(job: Job, op) -> int:
    """Rows the state backend holds for ``op`` (its kept rows or buffered windows)."""
    total = 0
    for (owner, _), state in job.state_backend.states.items():
        value = getattr(state, "value", None)
        if owner == op.operator_id and hasattr(value, "num_rows"):
            total += value.num_rows
    return total
