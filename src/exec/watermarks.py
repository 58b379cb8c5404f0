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
"""

from __future__ import annotations

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
        self.timers = [op for op in job.operators if getattr(op, "uses_processing_time", False)]
        config = job.config
        self.interval_ms = config.get_duration_ms("pipeline.auto-watermark-interval")
        self.idle_timeout_ms = config.get_duration_ms("table.exec.source.idle-timeout")
        self.last_emit_ms = job.clock.now_ms()
        self.last_active: dict[int, int] = {id(s): self.last_emit_ms for s in job.sources}

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
        active = [w for w, i in zip(inputs, idle) if not i]
        if not active:
            return
        combined = min(active)
        if op.generates_watermarks and combined != MAX:
            return  # an assigner emits the watermarks it generates; only end of input passes through
        if combined <= self.current[id(op)]:
            return
        op.metrics.watermark = combined
        for out in op.on_watermark(combined):
            self._deliver(op, out)
        self._forward(op, combined)

    def _set_idle(self, op, idle: bool) -> None:
        self.idle[id(op)] = idle
        for consumer, index in self.job.downstream[id(op)]:
            flags = self.idle_inputs[id(consumer)]
            flags[index] = idle
            now_idle = all(flags)
            if now_idle != self.idle[id(consumer)]:
                self._set_idle(consumer, now_idle)
            if not now_idle:
                self._recompute(consumer)

    def snapshot(self) -> list[tuple[str, int | None, bool]]:
        """(operator, current watermark or None, idle) for every operator, for introspection."""
        out = []
        for op in self.job.operators:
            w = self.current[id(op)]
            out.append((getattr(op.node, "operator_id", op.name) if getattr(op, "node", None) else op.name,
                        None if w == MIN_WATERMARK else w, self.idle[id(op)]))
        return out
