"""Micro-batches bounded by rows and by time: one poll of a source gathers its reader's small reads
while the reader keeps producing, and hands them over when the batch is full, when its first row
has waited the latency bound on the job's clock (a ManualClock here), or as soon as the reader has
nothing more; Flink's mini-batch options set the same bounds."""

from __future__ import annotations

import threading
import time

import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.common.config import Config
from flowsql.common.connector import SourceReader
from flowsql.exec.clock import ManualClock
from flowsql.exec.job import Job
from flowsql.exec.micro_batch import MicroBatchBounds, micro_batch_bounds
from flowsql.exec.operator import RuntimeContext
from flowsql.exec.operators.source import Source
from flowsql.exec.state.backend import StateBackend
from flowsql.planner.logical import Sink
from flowsql.planner.optimizer import optimize
from flowsql.planner.parser import parse_statement
from flowsql.planner.physical import PhysicalPlanner
from flowsql.table import EnvironmentSettings, TableEnvironment
from flowsql.table.executor import StatementExecutor

SCHEMA = pa.schema([pa.field("x", pa.int64())])


class TrickleReader(SourceReader):
    """One row a read, each read taking ``read_ms`` of the clock; ``pause`` makes it have nothing."""

    def __init__(self, clock: ManualClock, read_ms: int) -> None:
        self.clock = clock
        self.read_ms = read_ms
        self.n = 0
        self.pause_at: int | None = None
        self.done = False

    def poll(self, max_rows: int) -> ChangeBatch | None:
        if self.done or self.n == self.pause_at:
            return None
        self.clock.advance(self.read_ms)
        self.n += 1
        return ChangeBatch(pa.table({"x": pa.array([self.n], pa.int64())}))

    @property
    def finished(self) -> bool:
        return self.done


def open_source(options: dict[str, str], read_ms: int = 0) -> tuple[Source, TrickleReader]:
    clock = ManualClock()
    reader = TrickleReader(clock, read_ms)
    source = Source(reader, SCHEMA, "trickle")
    source.open(RuntimeContext(Config(options), clock, StateBackend()))
    return source, reader


def values(batch: ChangeBatch | None) -> list[int] | None:
    return None if batch is None else batch.table.column("x").to_pylist()


def test_a_trickling_reader_is_handed_over_when_the_latency_bound_passes():
    source, _ = open_source({"flowsql.exec.batch.max-latency": "100 ms"}, read_ms=30)
    # reads end every 30 ms; after the one ending at 150 ms the first row (30 ms) has waited >= 100 ms
    assert values(source.poll(1000)) == [1, 2, 3, 4, 5]
    assert values(source.poll(1000)) == [6, 7, 8, 9, 10]
    assert source.metrics.rows_out == 10


def test_a_full_batch_is_handed_over_without_waiting():
    source, _ = open_source({"flowsql.exec.batch.max-latency": "1 h"}, read_ms=1)
    assert [values(source.poll(3)) for _ in range(2)] == [[1, 2, 3], [4, 5, 6]]


def test_what_was_gathered_goes_at_once_when_the_reader_has_nothing_more():
    source, reader = open_source({"flowsql.exec.batch.max-latency": "1 h"}, read_ms=1)
    reader.pause_at = 2
    assert values(source.poll(1000)) == [1, 2]  # no waiting for the bound: the rows appear promptly
    assert source.poll(1000) is None
    reader.pause_at = None
    reader.done = True
    assert source.poll(1000) is None and source.finished


def test_zero_latency_hands_over_every_read():
    source, _ = open_source({"flowsql.exec.batch.max-latency": "0 ms"})
    assert [values(source.poll(100)) for _ in range(3)] == [[1], [2], [3]]


def test_flink_mini_batch_options_set_the_bounds():
    assert micro_batch_bounds(Config()) == MicroBatchBounds(65536, 100)
    flink = Config({"table.exec.mini-batch.enabled": "true", "table.exec.mini-batch.allow-latency": "2 s",
                    "table.exec.mini-batch.size": "5000"})
    assert micro_batch_bounds(flink) == MicroBatchBounds(5000, 2000)
    disabled = Config({"table.exec.mini-batch.allow-latency": "2 s", "table.exec.mini-batch.size": "5000",
                       "flowsql.exec.batch.max-latency": "50 ms"})
    assert micro_batch_bounds(disabled) == MicroBatchBounds(65536, 50)


def test_mini_batch_latency_bounds_a_running_source():
    source, _ = open_source({"table.exec.mini-batch.enabled": "true",
                             "table.exec.mini-batch.allow-latency": "1 s", "table.exec.mini-batch.size": "100"},
                            read_ms=400)
    assert values(source.poll(1000)) == [1, 2, 3, 4]  # the size is not reached; 1 s has passed
    source, _ = open_source({"table.exec.mini-batch.enabled": "true",
                             "table.exec.mini-batch.allow-latency": "1 h", "table.exec.mini-batch.size": "2"})
    assert values(source.poll(micro_batch_bounds(source.context.config).max_rows)) == [1, 2]


def _datagen_job(clock: ManualClock) -> Job:
    """An unbounded datagen (10 rows a second) whose reader and job run on ``clock``."""
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.execute_sql("CREATE TABLE slow (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '10', "
                    "'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '1000000')")
    plan = StatementExecutor(env).binder().bind_query(parse_statement("SELECT id FROM slow").query)
    physical = PhysicalPlanner(env.config, False).plan(optimize(Sink(plan, None), env.config))
    scan = physical
    while scan.kind != "TableSourceScan":
        scan = scan.inputs[0]
    scan.source.context.clock = clock  # the reader paces itself by the job's clock
    return Job([physical], env.config.copy(), "slow", clock=clock)


def _received(job: Job, wanted: int, seconds: float) -> list[int]:
    out: list[int] = []
    deadline = time.monotonic() + seconds
    queue = job.collectors[0].queue
    while time.monotonic() < deadline and len(out) < wanted:
        while not queue.empty():
            batch = queue.get()
            if batch is not None:
                out += batch.table.column(0).to_pylist()
        time.sleep(0.01)
    return out


def test_a_slow_datagen_hands_over_its_due_rows_without_waiting_for_the_bound():
    clock = ManualClock()  # from 0: the reader's seconds (now / 1000) stay exact
    job = _datagen_job(clock)
    thread = threading.Thread(target=job.run, daemon=True)
    thread.start()
    try:
        assert _received(job, 1, 5) == [1]  # due at once, handed over though the clock stands still
        assert _received(job, 1, 0.3) == []  # nothing more is due
        clock.advance(250)  # rows 2 and 3 are due
        assert _received(job, 2, 5) == [2, 3]
    finally:
        job.cancel()
        thread.join(5)
