"""Event time in the runtime: watermark generation, propagation and idleness; processing-time timers.

Watermarks originate in ``WatermarkAssigner`` operators (bounded out-of-orderness: the largest
value of the declared expression seen so far). The job emits them periodically, every
``pipeline.auto-watermark-interval`` of its clock (0 = after every micro-batch, useful for
deterministic tests), so batching changes when windows fire but never their results.

Each operator's watermark is the minimum over its inputs' watermarks (an input that has sent
none holds it at -inf); it is forwarded downstream, through ``on_watermark``, only when it
advances, after the outputs the operator produced for it. Data already pushed for a watermark
therefore always arrives before it. A source that produced nothing for
``table.exec.source.idle-timeout`` is idle: its path is left out of the minimum until it produces
again. A finished source sends the final watermark (+inf) down its path.

A window operator that holds rows while its watermark has not advanced for
``flowsql.watermark.stall-warning``, because some of its sources send no newer event time while
others are ahead (or done), gets one warning naming the sources that hold event time back and
pointing to ``table.exec.source.idle-timeout``: an idle partition otherwise stalls results silently.
"""

from __future__ import annotations

import logging

from flowsql.common.changes import MAX_WATERMARK

MIN_WATERMARK = -(2**63)
MAX = MAX_WATERMARK.timestamp


class WatermarkTracker:
    """Per-operator input watermarks and idleness for one job; ``push`` delivers an operator's output."""

    def __init__(self, job) -> None:
        self.job = job
        self.inputs: dict[int, list[int]] = {}  # id(op) -> watermark per input
        self.idle_inputs: dict[int, list[bool]] = {}
        self.current: dict[int, int] = {}  # id(op) -> the watermark it was last given (or generated)
        self.idle: dict[int, bool] = {}
        upstream_count: dict[int, int] = {id(op): 0 for op in job.operators}
        for op in job.operators:
            for consumer, index in job.downstream[id(op)]:
                upstream_count[id(consumer)] = max(upstream_count[id(consumer)], index + 1)
        for op in job.operators:
            n = upstream_count[id(op)]
            self.inputs[id(op)] = [MIN_WATERMARK] * n
            self.idle_inputs[id(op)] = [False] * n
            self.current[id(op)] = MIN_WATERMARK
            self.idle[id(op)] = False
        self.assigners = [op for op in job.operators if op.generates_watermarks]
        # Processing-time windows, and event-time windows that fire early or late on the clock.
        self.timers = [op for op in job.operators if getattr(op, "uses_processing_time", False)
                       or getattr(op, "has_processing_timers", False)]
        config = job.config
        self.interval_ms = config.get_duration_ms("pipeline.auto-watermark-interval")
        self.idle_timeout_ms = config.get_duration_ms("table.exec.source.idle-timeout")
        self.last_emit_ms = job.clock.now_ms()
        self.last_active: dict[int, int] = {id(s): self.last_emit_ms for s in job.sources}
        self.stall_warning_ms = config.get_duration_ms("flowsql.watermark.stall-warning")
        self.last_advance: dict[int, int] = {id(op): self.last_emit_ms for op in job.operators}
        self.stalled: set[int] = set()  # operators warned about, until their watermark moves again
        self.warnings: list[str] = []
        for source in job.sources:  # sources that read splits (files): watermarks per split
            if hasattr(source.reader, "current_split"):
                for assigner in self._assigners_after(source):
                    assigner.split_of = lambda s=source: s.current_split

    # -- called by the job's loop ----------------------------------------------------------------
    def after_batch(self, source) -> None:
        """A source produced a batch: it is active again; emit watermarks if they are due."""
        now = self.job.clock.now_ms()
        self.last_active[id(source)] = now
        if self.idle[id(source)]:
            self._set_idle(source, False)
        if self.interval_ms <= 0 or now - self.last_emit_ms >= self.interval_ms:
            self.emit_generated(now)

    def tick(self) -> None:
        """Once per round of the loop: periodic watermarks, idleness, processing-time timers."""
        now = self.job.clock.now_ms()
        if self.interval_ms > 0 and now - self.last_emit_ms >= self.interval_ms:
            self.emit_generated(now)
        if self.idle_timeout_ms > 0:
            for source in self.job.sources:
                if not self.idle[id(source)] and not source.finished and \
                        now - self.last_active[id(source)] >= self.idle_timeout_ms:
                    self._set_idle(source, True)
        for op in self.timers:
            for out in op.on_processing_time(now):
                self._deliver(op, out)
        if self.stall_warning_ms > 0:
            self._check_stalled(now)

    def emit_generated(self, now: int | None = None) -> None:
        self.last_emit_ms = self.job.clock.now_ms() if now is None else now
        for assigner in self.assigners:
            generated = assigner.current
            if generated is not None and generated > self.current[id(assigner)] and \
                    self.current[id(assigner)] != MAX:
                self._forward(assigner, generated)

    def source_finished(self, source) -> None:
        if self.current[id(source)] != MAX:
            self.emit_generated()
            self._forward(source, MAX)

    def finish_operator(self, op) -> None:
        """End of input: make sure ``op`` has seen the final watermark (normally it already has)."""
        if self.current[id(op)] != MAX:
            self.current[id(op)] = MAX
            op.metrics.watermark = MAX
            for out in op.on_watermark(MAX):
                self._deliver(op, out)

    # -- propagation ---------------------------------------------------------------------------------
    def _deliver(self, op, out) -> None:
        if out.num_rows:
            op.metrics.rows_out += out.num_rows
            self.job._push(op, out)

    def _forward(self, op, watermark: int) -> None:
        """``op`` now emits ``watermark``: update its consumers and advance those whose minimum moved."""
        self.current[id(op)] = watermark
        for consumer, index in self.job.downstream[id(op)]:
            inputs = self.inputs[id(consumer)]
            if watermark <= inputs[index]:
                continue
            inputs[index] = watermark
            self._recompute(consumer)

    def _recompute(self, op) -> None:
        inputs, idle = self.inputs[id(op)], self.idle_inputs[id(op)]
        if not inputs:
            return
        active = [w for w, i in zip(inputs, idle) if not i]
        # With every input idle, Flink's watermark valve emits the maximum over them: what the last
        # active input reached is not lost when all inputs fall silent in the same moment.
        combined = min(active) if active else max(inputs)
        if op.generates_watermarks and combined != MAX:
            return  # an assigner emits the watermarks it generates; only end of input passes through
        # An operator may hold its output watermark back (an interval join emits rows older than its
        # input watermark, by up to ``watermark_delay`` ms); the final watermark passes unchanged.
        delay = getattr(op, "watermark_delay", 0)
        emitted = combined - delay if delay and combined != MAX else combined
        if emitted <= self.current[id(op)]:
            return
        op.metrics.watermark = combined
        self.last_advance[id(op)] = self.job.clock.now_ms()
        self.stalled.discard(id(op))
        for out in op.on_watermark(combined):
            self._deliver(op, out)
        self._forward(op, emitted)

    def _set_idle(self, op, idle: bool) -> None:
        self.idle[id(op)] = idle
        for consumer, index in self.job.downstream[id(op)]:
            flags = self.idle_inputs[id(consumer)]
            flags[index] = idle
            self._recompute(consumer)
            now_idle = all(flags)
            if now_idle != self.idle[id(consumer)]:
                self._set_idle(consumer, now_idle)

    # -- introspection -------------------------------------------------------------------------------
    def watermark_of(self, op) -> int | None:
        """The watermark ``op`` has emitted (None before the first). A source's is the one generated
        for it by the WatermarkAssigner(s) right after it, until it ends with the final one."""
        w = self.current[id(op)]
        if w == MIN_WATERMARK and op in self.job.sources:
            generated = [self.current[id(a)] for a in self._assigners_after(op)]
            w = min(generated) if generated else MIN_WATERMARK
        return None if w == MIN_WATERMARK else w

    def _assigners_after(self, op) -> list:
        found, stack = [], [op]
        while stack:
            for consumer, _ in self.job.downstream[id(stack.pop())]:
                if consumer.generates_watermarks:
                    found.append(consumer)
                elif len(self.inputs[id(consumer)]) == 1:  # a chain (Calc, ...) before the assigner
                    stack.append(consumer)
        return found

    def _sources_before(self, op) -> list:
        upstream = {id(consumer): [] for consumer in self.job.operators}
        for producer in self.job.operators:
            for consumer, _ in self.job.downstream[id(producer)]:
                upstream[id(consumer)].append(producer)
        found, stack, seen = [], [op], set()
        while stack:
            current = stack.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            if current in self.job.sources:
                found.append(current)
            stack.extend(upstream[id(current)])
        return found

    def _check_stalled(self, now: int) -> None:
        from flowsql.exec.job_metrics import WATERMARK_DRIVEN, operator_label

        for op in self.job.operators:
            kind = getattr(getattr(op, "node", None), "kind", None)
            if kind not in WATERMARK_DRIVEN or id(op) in self.stalled or \
                    getattr(op, "uses_processing_time", False) or self.current[id(op)] == MAX or \
                    now - self.last_advance[id(op)] < self.stall_warning_ms:
                continue
            held = op.state_size()
            upstream = self._sources_before(op)
            sources = [s for s in upstream if not s.finished and not self.idle[id(s)]]
            if not held or not sources:
                continue
            # An idle partition: some input is ahead (or done) while these send no newer event time.
            # When every input is equally stuck, it is the data that stopped; nothing to warn about.
            times = {id(s): self.watermark_of(s) or MIN_WATERMARK for s in upstream}
            lowest = min(times[id(s)] for s in sources)
            behind = [s for s in sources if times[id(s)] == lowest]
            if all(times[id(s)] == lowest for s in upstream):
                continue
            names = ", ".join(operator_label(s).removeprefix("Source: ") for s in behind)
            seconds = (now - self.last_advance[id(op)]) / 1000
            message = (f"{operator_label(op)} holds {held} rows but its watermark has not advanced for "
                       f"{seconds:g} s: waiting for event time from {names} (an idle source or partition?). "
                       "Set 'table.exec.source.idle-timeout' (e.g. '10 s') so that idle sources do not hold "
                       "back event time.")
            self.stalled.add(id(op))
            self.warnings.append(message)
            logging.getLogger("flowsql").warning(message)

    def snapshot(self) -> list[tuple[str, int | None, bool]]:
        """(operator, current watermark or None, idle) for every operator, for introspection."""
        out = []
        for op in self.job.operators:
            w = self.current[id(op)]
            out.append((getattr(op.node, "operator_id", op.name) if getattr(op, "node", None) else op.name,
                        None if w == MIN_WATERMARK else w, self.idle[id(op)]))
        return out
