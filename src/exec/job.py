"""A job: the physical plan instantiated as operators, and the loop that drives them.

Sources are polled round-robin for micro-batches (bounded by ``flowsql.exec.batch.max-rows``);
each batch is pushed depth-first through its downstream operators. When every source has ended,
a final watermark (+∞) fires pending timers and ``finish`` flushes operators in topological order:
bounded and unbounded inputs run the same plan.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

import pyarrow as pa

from flowsql.common.changes import ChangeBatch
from flowsql.common.config import Config
from flowsql.common.errors import ExecutionError, FlowSqlError
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
        self.job_id = uuid.uuid4().hex
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
        for root in roots:
            self._build(root)

    # -- construction ----------------------------------------------------------------------
    def _build(self, node: PhysicalNode) -> Operator:
        if id(node) in self._built:
            return self._built[id(node)]
        inputs = [self._build(i) for i in node.inputs]
        op = self._make_operator(node)
        op.node = node
        self._built[id(node)] = op
        self.operators.append(op)
        self.downstream[id(op)] = []
        for index, upstream in enumerate(inputs):
            self.downstream[id(upstream)].append((op, index))
        if isinstance(op, Source):
            self.sources.append(op)
        if isinstance(op, CollectSink):
            self.collectors.append(op)
        return op

    def _make_operator(self, node: PhysicalNode) -> Operator:
        # Operator modules are imported on first use: start-up pays only for what a job needs.
        schema = arrow_schema(node)
        kind = node.kind
        if kind == "TableSourceScan":
            return Source(node.source.create_reader(), schema, node.source.describe())
        if kind == "Values":
            from flowsql.exec.operators.values import ValuesReader

            return Source(ValuesReader(node.logical.rows, schema), schema, "VALUES")
        if kind == "Calc":
            from flowsql.exec.operators.calc import Calc

            return Calc(list(node.projections), node.condition, schema)
        if kind == "GroupAggregate":
            from flowsql.exec.operators.group_aggregate import GroupAggregate

            agg = node.logical
            return GroupAggregate(node.operator_id, len(agg.group_keys), agg.aggregates,
                                  [f.type for f in agg.input.fields], node.inputs[0].mode.is_insert_only, schema)
        if kind == "Union":
            from flowsql.exec.operators.union import UnionAll

            return UnionAll(schema)
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

            j = node.logical
            return RegularJoin(node.operator_id, j.join_type, j.condition, arrow_schema(j.left),
                               arrow_schema(j.right), schema)
        if kind in ("WindowTableFunction", "WindowAggregate", "WindowRank", "OverAggregate"):
            from flowsql.exec.operators.window_operators import make_window_operator

            return make_window_operator(node, schema)
        if kind == "Sink":
            if node.sink is None:
                return CollectSink(schema)
            upsert = node.sink.accepted_changelog_mode().is_upsert
            return TableSinkOperator(node.sink, node.sink.describe(), upsert)
        raise ExecutionError(f"{kind} has no streaming operator yet",
                             hint="run this query with SET 'execution.runtime-mode' = 'batch'")

    # -- running ---------------------------------------------------------------------------
    def _push(self, op: Operator, batch: ChangeBatch) -> None:
        for consumer, index in self.downstream[id(op)]:
            consumer.metrics.rows_in += batch.num_rows
            for out in consumer.process(batch, index):
                if out.num_rows:
                    consumer.metrics.rows_out += out.num_rows
                    self._push(consumer, out)

    def run(self) -> None:
        """Run to completion (bounded) or until cancelled; errors end the job as FAILED."""
        self.status.state = "RUNNING"
        context = RuntimeContext(self.config, self.clock, self.state_backend)
        try:
            for op in self.operators:
                op.open(context)
            max_rows = max(1, self.config.get_int("flowsql.exec.batch.max-rows"))
            from flowsql.exec.watermarks import WatermarkTracker

            self.watermarks = WatermarkTracker(self)
            pending = list(self.sources)
            while pending and not self.cancel_event.is_set():
                progressed = False
                for source in list(pending):
                    batch = source.poll(max_rows)
                    if batch is not None:
                        progressed = True
                        self._push(source, batch)
                        self.watermarks.after_batch(source)
                    if source.finished:
                        pending.remove(source)
                        self.watermarks.source_finished(source)
                self.watermarks.tick()
                if not progressed and pending:
                    time.sleep(0.005)
            if self.cancel_event.is_set():
                self.status.state = "CANCELED"
                return
            for op in self.operators:
                self.watermarks.finish_operator(op)
                for out in op.finish():
                    if out.num_rows:
                        op.metrics.rows_out += out.num_rows
                        self._push(op, out)
            self.status.state = "FINISHED"
        except FlowSqlError as e:
            self.status.state = "FAILED"
            self.status.error = e
        except Exception as e:  # an engine bug: keep the cause, say where
            self.status.state = "FAILED"
            self.status.error = ExecutionError(f"{type(e).__name__}: {e}",
                                               hint="this looks like a flowsql bug; please report it")
            self.status.error.__cause__ = e
        finally:
            for op in self.operators:
                try:
                    op.close()
                except Exception:
                    pass
            self.done_event.set()
            for collector in self.collectors:
                collector.queue.put(None)  # wakes the consumer: the result is complete

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

