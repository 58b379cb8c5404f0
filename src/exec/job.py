"""A job: the physical plan instantiated as operators, and the loop that drives them.

Sources are polled round-robin for micro-batches (bounded by rows and time, ``micro_batch.py``);
each batch is pushed depth-first through its downstream operators. When every source has ended,
a final watermark (+∞) fires pending timers and ``finish`` flushes operators in topological order:
bounded and unbounded inputs run the same plan.

After each round of polls the loop takes a barrier step: nothing is in flight then, so a snapshot
of every operator's state, every source's position and every sink's pending transaction is the
cut Flink's aligned checkpoint barriers would produce, for operators with one input or several
(``flowsql.exec.checkpoint.coordinator``). Failures restart the job from its latest checkpoint
(``flowsql.exec.recovery``).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import pyarrow as pa

from flowsql.common.changes import ChangeBatch
from flowsql.common.config import Config
from flowsql.common.errors import ExecutionError
from flowsql.exec.clock import Clock
from flowsql.exec.operator import Operator, RuntimeContext
from flowsql.exec.operators.sink import CollectSink, TableSinkOperator
from flowsql.exec.operators.source import Source
from flowsql.exec.state.backend import StateBackend
from flowsql.planner.physical import PhysicalNode


def arrow_schema(node) -> pa.Schema:
    return pa.schema([pa.field(f.name, f.type.to_arrow()) for f in node.fields])


@dataclass
class JobStatus:
    state: str = "CREATED"  # CREATED, RUNNING, FINISHED, FAILED, CANCELED
    error: BaseException | None = None


class Job:
    def __init__(self, roots: list[PhysicalNode], config: Config, name: str = "", clock: Clock | None = None) -> None:
        self.job_id = os.urandom(16).hex()  # 32 hex digits like Flink's job ids; uuid costs start-up
        self.name = name or "flowsql-job"
        self.config = config
        self.clock = clock or Clock()
        self.state_backend = StateBackend()
        self.status = JobStatus()
        self.cancel_event = threading.Event()
        self.done_event = threading.Event()
        self.operators: list[Operator] = []  # topological order
        self.downstream: dict[int, list[tuple[Operator, int]]] = {}
        self.sources: list[Source] = []
        self.collectors: list[CollectSink] = []
        self._built: dict[int, Operator] = {}
        self.roots = roots
        self.checkpoints = None  # the CheckpointCoordinator, made when the job runs
        self.restarts: list[tuple[float, str]] = []  # (time, cause) of each restart after a failure
        self.savepoint_requests: list = []  # (folder, Future) for STOP JOB ... WITH SAVEPOINT
        self.stopped_with_savepoint = False
        self.start_time: float | None = None  # epoch seconds when it began running (SHOW JOBS 'start time')
        self.end_time: float | None = None  # epoch seconds when it ended
        for root in roots:
            self._build(root)

    # -- construction ----------------------------------------------------------------------
    def _build(self, node: PhysicalNode) -> Operator:
        if id(node) in self._built:
            return self._built[id(node)]
        inputs = [self._build(i) for i in node.inputs]
        # A restart rebuilds every operator but keeps the collectors a result is being read from.
        op = next((c for c in self.collectors if c.node is node), None) or self._make_operator(node)
        op.node = node
        self._built[id(node)] = op
        self.operators.append(op)
        self.downstream[id(op)] = []
        for index, upstream in enumerate(inputs):
            self.downstream[id(upstream)].append((op, index))
        if isinstance(op, Source):
            self.sources.append(op)
        if isinstance(op, CollectSink) and op not in self.collectors:
            self.collectors.append(op)
        return op

    def rebuild(self) -> None:
        """Fresh operators for a restart (new readers, empty state until a checkpoint fills it)."""
        self.operators, self.downstream, self.sources, self._built = [], {}, [], {}
        for root in self.roots:
            self._build(root)

    def _make_operator(self, node: PhysicalNode) -> Operator:
        # Operator modules are imported on first use: start-up pays only for what a job needs.
        schema = arrow_schema(node)
        kind = node.kind
        if kind == "TableSourceScan":
            reader = node.source.create_reader()
            if hasattr(reader, "use_clock"):  # a source paced by processing time follows the job's clock
                reader.use_clock(self.clock)
            return Source(reader, schema, node.source.describe())
        if kind == "Values":
            from flowsql.exec.operators.values import ValuesReader

            return Source(ValuesReader(node.logical.rows, schema), schema, "VALUES")
        if kind == "Calc":
            from flowsql.exec.operators.calc import Calc

            return Calc(list(node.projections), node.condition, schema)
        if kind == "GroupAggregate":
            from flowsql.exec.operators.group_aggregate import GroupAggregate

            from flowsql.exec.state.ttl import state_ttl_ms

            agg = node.logical
            return GroupAggregate(node.operator_id, len(agg.group_keys), agg.aggregates,
                                  [f.type for f in agg.input.fields], node.inputs[0].mode.is_insert_only, schema,
                                  state_ttl_ms=state_ttl_ms(self.config, agg.state_ttl))
        if kind == "Union":
            from flowsql.exec.operators.union import UnionAll

            return UnionAll(schema)
        if kind in ("Rank", "Deduplicate") or (kind == "SortLimit" and not node.mode.is_insert_only):
            from flowsql.exec.operators.top_n import make_top_n_operator

            return make_top_n_operator(node, arrow_schema(node.inputs[0]), schema)
        if kind == "SortLimit":
            from flowsql.exec.operators.sort import SortLimit

            s = node.logical
            streaming_limit = not s.keys and node.inputs[0].mode.is_insert_only
            return SortLimit(node.operator_id, s.keys, s.offset, s.fetch, schema, streaming_limit)
        if kind == "ReplicateRows":
            from flowsql.exec.operators.replicate_rows import ReplicateRows

            return ReplicateRows(node.logical.width)
        if kind == "WatermarkAssigner":
            from flowsql.exec.operators.watermark_assigner import WatermarkAssigner

            return WatermarkAssigner(node.logical.rowtime_index, node.logical.expr)
        if kind == "Join":
            from flowsql.exec.operators.join import RegularJoin

            from flowsql.exec.state.ttl import state_ttl_ms

            j = node.logical
            hinted = getattr(j, "state_ttl", None) or (None, None)  # interval/window joins have no hint
            return RegularJoin(node.operator_id, j.join_type, j.condition, arrow_schema(j.left),
                               arrow_schema(j.right), schema,
                               state_ttl_ms=tuple(state_ttl_ms(self.config, ms) for ms in hinted))
        if kind == "IntervalJoin":
            from flowsql.exec.operators.interval_join import IntervalJoin

            j = node.logical
            return IntervalJoin(node.operator_id, j.join_type, j.condition, j.bounds, arrow_schema(j.left),
                                arrow_schema(j.right), schema)
        if kind == "WindowJoin":
            from flowsql.exec.operators.window_join import WindowJoin

            j = node.logical
            return WindowJoin(node.operator_id, j, arrow_schema(j.left), arrow_schema(j.right), schema)
        if kind in ("WindowTableFunction", "WindowAggregate", "WindowRank", "OverAggregate"):
            from flowsql.exec.operators.window_operators import make_window_operator

            return make_window_operator(node, schema)
        if kind == "Correlate":
            from flowsql.exec.operators.correlate import Correlate

            return Correlate(node.logical, schema)
        if kind == "TemporalJoin":
            from flowsql.exec.operators.temporal_join import TemporalJoinOperator

            return TemporalJoinOperator.from_node(node, schema)
        if kind == "LookupJoin":
            from flowsql.exec.operators.lookup_join import LookupJoinOperator

            return LookupJoinOperator.from_node(node, schema)
        if kind == "LateRowsSink":
            from flowsql.exec.operators.late_rows_sink import LateRowsSink

            return LateRowsSink(node.sink, node.sink.describe(), schema)
        if kind == "Sink":
            if node.sink is None:
                return CollectSink(schema)
            upsert = node.sink.accepted_changelog_mode().is_upsert
            return TableSinkOperator(node.sink, node.sink.describe(), upsert)
        raise ExecutionError(f"{kind} has no streaming operator yet",
                             hint="run this query with SET 'execution.runtime-mode' = 'batch'")

    # -- running ---------------------------------------------------------------------------
    def _push(self, op: Operator, batch: ChangeBatch) -> None:
        # Pushing is synchronous, so the time a push takes is the time ``op`` waits on its consumers:
        # the in-process analogue of Flink's backpressured time. Two clock reads a batch, not a row.
        pushed = time.perf_counter_ns()
        for consumer, index in self.downstream[id(op)]:
            consumer.metrics.rows_in += batch.num_rows
            started = time.perf_counter_ns()
            outputs = consumer.process(batch, index)
            consumer.metrics.busy_ns += time.perf_counter_ns() - started
            for out in outputs:
                if out.num_rows:
                    consumer.metrics.rows_out += out.num_rows
                    self._push(consumer, out)
        op.metrics.backpressured_ns += time.perf_counter_ns() - pushed

    def run(self) -> None:
        """Run to completion (bounded) or until cancelled; a failure restarts the job from its latest
        checkpoint as the restart strategy allows (``flowsql.exec.recovery``), else ends it FAILED."""
        from flowsql.exec.recovery import run_job

        self.start_time = time.time()
        try:
            run_job(self)
        finally:
            self.state_backend.close_job()
            self.end_time = time.time()
            self.done_event.set()
            for collector in self.collectors:
                collector.queue.put(None)  # wakes the consumer: the result is complete

    def run_attempt(self, restored=None) -> None:
        """One execution attempt, from the beginning or from the ``restored`` checkpoint; raises on failure.

        The loop's barrier step (``checkpoints.at_barrier``: savepoints asked for, periodic
        checkpoints) sits between two rounds of source polls, where nothing is in flight."""
        from flowsql.exec.checkpoint.coordinator import restore_job
        from flowsql.exec.recovery import ignore_unclaimed_state
        from flowsql.exec.state.factory import create_state_backend

        self.state_backend.dispose()  # the previous attempt's working files, if any
        self.state_backend = create_state_backend(self.config, self.job_id, restored)
        context = RuntimeContext(self.config, self.clock, self.state_backend)
        checkpoints = self.checkpoints
        sinks = [op for op in self.operators if isinstance(op, TableSinkOperator)]
        try:
            if restored is not None or self.restarts:
                for op in sinks:
                    op.sink.restore_state(restored.metadata["sinks"].get(op.node.operator_id) if restored else None)
            for op in self.operators:
                op.open(context)
            from flowsql.exec.micro_batch import micro_batch_bounds

            max_rows = micro_batch_bounds(self.config).max_rows
            from flowsql.exec.watermarks import WatermarkTracker

            self.watermarks = WatermarkTracker(self)
            if restored is not None:
                restore_job(self, restored, ignore_unclaimed_state(self.config))
                if restored.metadata.get("finished"):  # ended after its last checkpoint: only commit
                    for op in sinks:
                        op.finish()
                    self.status.state = "FINISHED"
                    return
            pending = list(self.sources)
            while pending and not self.cancel_event.is_set():
                progressed = False
                for source in list(pending):
                    polled = time.perf_counter_ns()
                    batch = source.poll(max_rows)
                    source.metrics.busy_ns += time.perf_counter_ns() - polled
                    if batch is not None:
                        progressed = True
                        self._push(source, batch)
                        self.watermarks.after_batch(source)
                    if source.finished:
                        pending.remove(source)
                        self.watermarks.source_finished(source)
                self.watermarks.tick()
                if checkpoints is not None:
                    checkpoints.at_barrier()  # the barrier: nothing is in flight here
                if not progressed and pending:
                    time.sleep(0.005)
            if self.cancel_event.is_set():
                self.status.state = "FINISHED" if self.stopped_with_savepoint else "CANCELED"
                return
            two_phase = checkpoints is not None and checkpoints.enabled
            for op in self.operators:
                self.watermarks.finish_operator(op)
                if two_phase and op in sinks:
                    continue  # sinks commit at the final checkpoint, then finish
                for out in op.finish():
                    if out.num_rows:
                        op.metrics.rows_out += out.num_rows
                        self._push(op, out)
            if two_phase:
                checkpoints.final_checkpoint()
                for op in sinks:
                    op.finish()
            self.status.state = "FINISHED"
        finally:
            for op in self.operators:
                try:
                    op.close()
                except Exception:
                    pass

    def stop_with_savepoint(self, directory: str | None = None, drain: bool = False,
                            timeout: float | None = None) -> str:
        """Take a savepoint at the next barrier (into ``directory``, by default 'state.savepoints.dir'),
        commit the sinks and stop; the savepoint's folder. Without ``drain`` the job stops without
        end of input, as Flink's stop-with-savepoint; with it, event time first advances to the
        end (+inf) so every window and timer fires before the savepoint."""
        from concurrent.futures import Future

        from flowsql.common.errors import ValidationError

        directory = directory or self.config.get("state.savepoints.dir") or \
            self.config.get("execution.checkpointing.savepoint-dir")
        if not directory:
            raise ValidationError("STOP JOB ... WITH SAVEPOINT needs a folder for the savepoint",
                                  hint="SET 'state.savepoints.dir' = '/path/to/savepoints'")
        if self.done_event.is_set() or self.status.state != "RUNNING":
            raise ExecutionError(f"job {self.job_id} is {self.status.state}, not running: no savepoint taken")
        future: Future = Future()
        self.savepoint_requests.append((directory, drain, future))
        path = future.result(timeout)
        self.done_event.wait(timeout)
        return path

    def stop_after_savepoint(self) -> None:
        self.stopped_with_savepoint = True
        self.cancel_event.set()

    def checkpoint_metrics(self) -> dict:
        """Checkpoint and restart metrics under Flink's names (numberOfCompletedCheckpoints, ...)."""
        metrics = self.checkpoints.metrics() if self.checkpoints is not None else {}
        return dict(metrics, numRestarts=len(self.restarts))

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name=f"flowsql-job-{self.job_id[:8]}", daemon=True)
        thread.start()
        return thread

    def cancel(self) -> None:
        self.cancel_event.set()

    def wait(self, timeout: float | None = None) -> None:
        self.done_event.wait(timeout)
        if self.status.error is not None:
            raise self.status.error

