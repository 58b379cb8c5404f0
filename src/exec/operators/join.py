"""RegularJoin: INNER / LEFT / RIGHT / FULL / SEMI / ANTI / cross joins of two changelogs.

Changelog contract: accepts +I/-U/+U/-D on both inputs; emits +I for rows that appear and -D for
rows that go (as Flink's streaming join does). A batch from one side is joined against the other
side's current state (ΔL ⋈ R, then L += ΔL), so every pair is emitted exactly once. Rows an outer
join pads with NULLs are tracked by their number of matches: the padded row is retracted (-D)
when the first match arrives and sent again (+I) when the last match goes. SEMI emits a left row
while it has a match, ANTI while it has none. NULL keys never match.

State (in the state backend): one key index shared by both sides (join key → id), and per side a
``JoinSideStore`` of rows with multiplicities. Everything is per batch and vectorized: probing is
``searchsorted`` over sorted runs, the residual predicate is evaluated by DuckDB over the
candidate pairs.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from flowsql.common.changes import DELETE, INSERT, ChangeBatch
from flowsql.exec.expression import BatchEvaluator
from flowsql.exec.operator import Operator, RuntimeContext
from flowsql.exec.operators.join_store import JoinSideStore, take_rows
from flowsql.exec.operators.join_ttl import JoinSideTtl
from flowsql.planner.expressions import Expr, InputRef
from flowsql.planner.join_keys import split_join_condition

# Which sides' unmatched rows reach the output (and so need their matches counted).
_PRESERVED = {"INNER": (False, False), "LEFT": (True, False), "RIGHT": (False, True), "FULL": (True, True),
              "SEMI": (True, False), "ANTI": (True, False)}


class RegularJoin(Operator):
    name = "Join"

    def __init__(self, operator_id: str, join_type: str, condition: Expr, left_schema: pa.Schema,
                 right_schema: pa.Schema, output_schema: pa.Schema,
                 state_ttl_ms: tuple[int, int] = (0, 0)) -> None:
        super().__init__()
        self.state_ttl_ms = state_ttl_ms  # per side; 0: rows are kept forever
        self.operator_id = operator_id
        self.join_type = join_type
        self.schemas = (left_schema, right_schema)
        self.output_schema = output_schema
        self.preserved = _PRESERVED[join_type]
        keys = split_join_condition(condition, len(left_schema))
        self.key_exprs = (keys.left, keys.right)
        self.residual = keys.residual
        self.key_types = [_common_key_type(a, b) for a, b in zip(keys.left, keys.right)]

    def open(self, context: RuntimeContext) -> None:
        super().open(context)
        from flowsql.exec import engine

        state = context.state
        self.key_index = state.keyed_state(self.operator_id, "join-keys", len(self.key_types)).keys
        self.stores = tuple(state.value_state(self.operator_id, f"{side}-rows", None) for side in ("left", "right"))
        for store, schema in zip(self.stores, self.schemas):
            if store.value is None:
                store.value = JoinSideStore(schema)
        self.ttl = tuple(JoinSideTtl(ms, state.value_state(self.operator_id, f"{side}-ttl-due", 0)) if ms else None
                         for ms, side in zip(self.state_ttl_ms, ("left", "right")))
        # Rows of an insert-only input are never retracted, so they need no fingerprint (join_store).
        node = getattr(self, "node", None)  # set by the job; absent when a test drives the operator
        self.fingerprinted = tuple(not i.mode.is_insert_only for i in node.inputs) if node is not None \
            else (True, True)
        connection = engine.connect()
        self.key_evaluators = [None, None]
        for side in (0, 1):
            exprs = self.key_exprs[side]
            if not all(isinstance(e, InputRef) for e in exprs):
                schema = pa.schema([pa.field(f"k{i}", e.type.to_arrow()) for i, e in enumerate(exprs)])
                self.key_evaluators[side] = BatchEvaluator(list(exprs), None, schema, connection)
        self.residual_evaluator = None
        if self.residual is not None:
            from flowsql.common.types import BOOLEAN

            schema = pa.schema([pa.field("ok", BOOLEAN().to_arrow())])
            self.residual_evaluator = BatchEvaluator([self.residual], None, schema, connection)

    def state_size(self) -> int:
        return sum(s.value.live_rows() for s in self.stores)

    # -- one batch ------------------------------------------------------------------------
    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if batch.num_rows == 0:
            return []
        side, other = input_index, 1 - input_index
        now = self._expire_state()
        table = _conform(batch.table, self.schemas[side])
        signs = batch.signs()
        keys = self._key_ids(table, side)
        mine, theirs = self.stores[side].value, self.stores[other].value

        probe_rows, other_entries = self._pairs(table, keys, side, theirs)
        weights = theirs.count[other_entries]
        out: list[tuple[np.ndarray, ChangeBatch]] = []  # (sort position, rows)
        n = batch.num_rows
        matches = None
        if self.preserved[side] or self.join_type in ("SEMI", "ANTI") and side == 0:
            matches = np.bincount(probe_rows, weights=weights, minlength=n).astype(np.int64)
        if other == 1 and self.join_type in ("SEMI", "ANTI"):
            keep = matches > 0 if self.join_type == "SEMI" else matches == 0
            rows = np.flatnonzero(keep)
            if len(rows):
                out.append((rows * 2.0, ChangeBatch(table.take(pa.array(rows, pa.int64())),
                                                    _kinds(signs[rows]))))
        elif self.join_type not in ("SEMI", "ANTI") or side == 1:
            if self.join_type not in ("SEMI", "ANTI") and len(probe_rows):
                expand = np.repeat(np.arange(len(probe_rows), dtype=np.int64), weights)
                pr, oe = probe_rows[expand], other_entries[expand]
                joined = self._joined(table.take(pa.array(pr, pa.int64())), theirs.take(oe), side)
                out.append((pr * 2.0, ChangeBatch(joined, _kinds(signs[pr]))))
            if self.preserved[side] and self.join_type not in ("SEMI", "ANTI"):
                rows = np.flatnonzero(matches == 0)
                if len(rows):
                    padded = self._padded(table.take(pa.array(rows, pa.int64())), side)
                    out.append((rows * 2.0, ChangeBatch(padded, _kinds(signs[rows]))))
            if self.preserved[other] and len(probe_rows):
                out += self._transitions(theirs, other, other_entries, signs[probe_rows], n)
        first_new = mine.size
        mine.add(table, keys, signs, matches, fingerprint=self.fingerprinted[side])
        if self.ttl[side] is not None:
            self.ttl[side].stamp_from(mine, first_new, now)
        if not out:
            return []
        order = np.argsort(np.concatenate([pos for pos, _ in out]), kind="stable")
        result = ChangeBatch.concat([b for _, b in out]).take(order)
        return [ChangeBatch(result.table.combine_chunks(), result.kinds)]

    def _transitions(self, store: JoinSideStore, side: int, entries: np.ndarray, deltas: np.ndarray,
                     n: int) -> list[tuple[np.ndarray, ChangeBatch]]:
        """Matches of the other side's preserved entries change: pad or unpad them."""
        touched, inverse = np.unique(entries, return_inverse=True)
        delta = np.bincount(inverse, weights=deltas, minlength=len(touched)).astype(np.int64)
        old = store.matches[touched]
        new = np.maximum(old + delta, 0)
        store.matches[touched] = new
        if self.ttl[side] is not None:  # a write of the entries' state: their TTL starts again
            self.ttl[side].touch(store, touched, self.context.clock.now_ms())
        gained = touched[(old == 0) & (new > 0)]
        lost = touched[(old > 0) & (new == 0)]
        out = []
        for ids, first in ((gained, True), (lost, False)):
            if not len(ids):
                continue
            ids = np.repeat(ids, store.count[ids])
            rows = store.take(ids)
            if self.join_type == "SEMI":
                kind = INSERT if first else DELETE
            elif self.join_type == "ANTI":
                kind = DELETE if first else INSERT
            else:
                rows = self._padded(rows, side)
                kind = DELETE if first else INSERT
            # Retractions go before this batch's rows, new rows after them.
            position = np.full(len(ids), -1.0 if kind == DELETE else 2.0 * n + 1)
            out.append((position, ChangeBatch(rows, np.full(len(ids), kind, dtype=np.int8))))
        return out

    # -- pieces -----------------------------------------------------------------------------
    def _expire_state(self) -> int | None:
        """Drop both sides' rows whose state TTL is up (before they could match); the time now."""
        if self.ttl == (None, None):
            return None
        now = self.context.clock.now_ms()
        for store, ttl in zip(self.stores, self.ttl):
            if ttl is not None:
                ttl.expire(store.value, now)
        return now

    def _key_ids(self, table: pa.Table, side: int) -> np.ndarray:
        if not self.key_types:
            return np.zeros(table.num_rows, dtype=np.int64)
        evaluator = self.key_evaluators[side]
        if evaluator is None:
            columns = [table.column(e.index) for e in self.key_exprs[side]]
        else:
            columns = evaluator.evaluate(table).columns
        columns = [c.cast(t) if t is not None and c.type != t else c for c, t in zip(columns, self.key_types)]
        ids = self.key_index.lookup(columns)
        nulls = np.zeros(table.num_rows, dtype=bool)
        for c in columns:
            if c.null_count:
                nulls |= pc.is_null(c).to_numpy(zero_copy_only=False)
        return np.where(nulls, -1, ids)

    def _pairs(self, table: pa.Table, keys: np.ndarray, side: int,
               theirs: JoinSideStore) -> tuple[np.ndarray, np.ndarray]:
        """(probe row, other-side entry) pairs that match on the keys and the residual."""
        found = theirs.probe(keys)
        if not found:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        probe_rows = np.concatenate([p for _, p, _ in found])
        entries = np.concatenate([run.base + local for run, _, local in found])
        if self.residual_evaluator is not None and len(probe_rows):
            other_rows = pa.concat_tables([take_rows(run.table, local) for run, _, local in found])
            pair = self._joined(table.take(pa.array(probe_rows, pa.int64())), other_rows, side, conform=False)
            ok = self.residual_evaluator.evaluate(pair).column(0).fill_null(False)
            mask = ok.to_numpy(zero_copy_only=False).astype(bool)
            probe_rows, entries = probe_rows[mask], entries[mask]
        return probe_rows, entries

    def _joined(self, mine: pa.Table, theirs: pa.Table, side: int, conform: bool = True) -> pa.Table:
        left, right = (mine, theirs) if side == 0 else (theirs, mine)
        columns = list(left.columns) + list(right.columns)
        if not conform:
            columns = [pa.chunked_array([c], c.type) if isinstance(c, pa.Array) else c for c in columns]
            return pa.Table.from_arrays(columns, names=[f"c{i}" for i in range(len(columns))])
        return _with_schema(columns, self.output_schema)

    def _padded(self, rows: pa.Table, side: int) -> pa.Table:
        other_schema = self.schemas[1 - side]
        nulls = [pa.nulls(rows.num_rows, f.type) for f in other_schema]
        columns = list(rows.columns) + nulls if side == 0 else nulls + list(rows.columns)
        return _with_schema(columns, self.output_schema)


def _kinds(signs: np.ndarray) -> np.ndarray:
    return np.where(signs > 0, INSERT, DELETE).astype(np.int8)


def _common_key_type(left: Expr, right: Expr) -> pa.DataType | None:
    a, b = left.type.to_arrow(), right.type.to_arrow()
    if pa.types.is_integer(a) and pa.types.is_integer(b):
        return pa.int64()
    if a == b:
        return None
    if pa.types.is_decimal(a) and pa.types.is_decimal(b):
        scale = max(a.scale, b.scale)
        return pa.decimal128(min(38, max(a.precision - a.scale, b.precision - b.scale) + scale), scale)
    if pa.types.is_floating(a) or pa.types.is_floating(b):
        return pa.float64()
    return a


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    if table.schema.types == schema.types:
        return table
    return pa.Table.from_arrays([c.cast(f.type) if c.type != f.type else c for c, f in zip(table.columns, schema)],
                                names=schema.names)


def _with_schema(columns: list, schema: pa.Schema) -> pa.Table:
    columns = [c.cast(f.type) if c.type != f.type else c for c, f in zip(columns, schema)]
    columns = [pa.chunked_array([c], c.type) if isinstance(c, pa.Array) else c for c in columns]
    return pa.Table.from_arrays(columns, schema=schema)
