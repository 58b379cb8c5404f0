"""Vectorized aggregate accumulators kept in keyed state.

Each accumulator updates the state of all groups a batch touches at once (from per-row group ids
and signs: +1 for +I/+U, -1 for -U/-D) and reads results for a set of group ids.

- Algebraic aggregates (COUNT, SUM, AVG, STDDEV/VAR, BOOL_AND/OR) keep sums and counts, so a
  retraction is a subtraction.
- Append-only MIN/MAX/FIRST_VALUE/LAST_VALUE/LISTAGG keep their running value.
- With retractions, and for every DISTINCT aggregate, a ``MultisetAccumulator`` keeps each
  group's live values with their multiplicity and recomputes the touched groups in DuckDB.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flowsql.common.types import DataType
from flowsql.exec.operators import decimal_sum
from flowsql.exec.state.backend import KeyedState, ValueArrays
from flowsql.exec.state.key_index import KeyIndex
from flowsql.planner.expressions import AggregateCall


class BatchInput:
    """What accumulators see of one batch: group id per row, sign per row, argument columns."""

    def __init__(self, ids: np.ndarray, signs: np.ndarray, columns: list[pa.ChunkedArray]) -> None:
        self.ids = ids
        self.signs = signs
        self.columns = columns

    def grouped_sum(self, values: pa.Array | np.ndarray) -> tuple[np.ndarray, pa.Array]:
        """Per touched id, the sum of ``values`` (already signed)."""
        table = pa.table({"id": self.ids, "v": values})
        out = table.group_by("id", use_threads=False).aggregate([("v", "sum")])
        return out.column("id").to_numpy(), out.column("v_sum").combine_chunks()


def _signed(column: pa.ChunkedArray, signs: np.ndarray, weight: np.ndarray) -> pa.Array:
    """value * sign for rows with weight 1, 0 elsewhere (integers and floats; decimals: decimal_sum)."""
    factor = pa.array(signs * weight)
    t = column.type
    if pa.types.is_floating(t):
        return pc.multiply(column.cast(pa.float64()), factor.cast(pa.float64()))
    return pc.multiply(column.cast(pa.int64()), factor)


class Accumulator:
    def __init__(self, call: AggregateCall, arg_types: list[DataType], values: ValueArrays, slot: str) -> None:
        self.call = call
        self.arg_types = arg_types
        self.values = values
        self.slot = slot

    def update(self, batch: BatchInput, weight: np.ndarray) -> None:
        raise NotImplementedError

    def results(self, ids: np.ndarray) -> pa.Array:
        raise NotImplementedError

    def size(self) -> int:
        return 0

    def forget(self, ids: np.ndarray) -> None:
        """Drop the groups' state kept outside the per-key value arrays (which the operator resets):
        their state TTL is up."""


class CountAccumulator(Accumulator):
    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.values.define(self.slot, np.int64, 0)

    def update(self, batch: BatchInput, weight: np.ndarray) -> None:
        w = batch.signs * weight
        if self.call.args:
            w = w * _not_null(batch.columns[self.call.args[0]])
        counts = np.bincount(batch.ids, weights=w, minlength=0).astype(np.int64)
        touched = np.flatnonzero(counts)
        self.values[self.slot][touched] += counts[touched]

    def results(self, ids: np.ndarray) -> pa.Array:
        return pa.array(self.values[self.slot][ids], pa.int64())


def _not_null(column: pa.ChunkedArray) -> np.ndarray:
    if column.null_count == 0:
        return np.ones(len(column), dtype=np.int64)
    return pc.is_valid(column).to_numpy(zero_copy_only=False).astype(np.int64)


class SumAccumulator(Accumulator):
    """SUM / AVG / SUM0: a running sum and the count of non-NULL values."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        t = self.arg_types[0]
        self.kind = "decimal" if t.name == "DECIMAL" else "float" if t.name in ("FLOAT", "DOUBLE") else "int"
        if self.kind == "decimal":  # exact int64 limbs, see decimal_sum
            decimal_sum.define(self.values, self.slot)
        else:
            self.values.define(self.slot + ".sum", np.float64 if self.kind == "float" else np.int64,
                               0.0 if self.kind == "float" else 0)
        self.values.define(self.slot + ".n", np.int64, 0)

    def update(self, batch: BatchInput, weight: np.ndarray) -> None:
        column = batch.columns[self.call.args[0]]
        valid = _not_null(column) * weight
        counts = np.bincount(batch.ids, weights=batch.signs * valid).astype(np.int64)
        touched = np.flatnonzero(counts != 0) if len(counts) else np.array([], dtype=np.int64)
        self.values[self.slot + ".n"][touched] += counts[touched]
        if self.kind == "decimal":
            decimal_sum.add(self.values, self.slot, batch.ids, column, batch.signs * valid)
            return
        x = column.fill_null(0).to_numpy(zero_copy_only=False)
        bound = float(np.abs(x).max()) * len(x) if len(x) else 0.0
        if self.kind == "float" or bound < 2.0 ** 53:  # float64 sums of these ints are exact
            sums = np.bincount(batch.ids, weights=x * (batch.signs * valid))
            nonzero = np.flatnonzero(sums)
            if self.kind == "int":
                self.values[self.slot + ".sum"][nonzero] += sums[nonzero].astype(np.int64)
            else:
                self.values[self.slot + ".sum"][nonzero] += sums[nonzero]
            return
        signed = _signed(column.fill_null(0), batch.signs, valid)
        ids, sums = batch.grouped_sum(signed)
        self.values[self.slot + ".sum"][ids] += sums.fill_null(0).to_numpy(zero_copy_only=False)

    def results(self, ids: np.ndarray) -> pa.Array:
        n = self.values[self.slot + ".n"][ids]
        out_type = self.call.type.to_arrow()
        fn = self.call.function
        mask = n == 0
        if fn == "SUM0":
            mask = np.zeros(len(ids), dtype=bool)
        if self.kind == "decimal":
            scale = self.arg_types[0].scale
            if fn == "AVG":
                values = decimal_sum.averages(self.values, self.slot, ids, n, scale, self.call.type.scale)
            else:
                values = decimal_sum.results(self.values, self.slot, ids, scale)
            if mask.any():
                values = pc.if_else(pa.array(mask), pa.scalar(None, values.type), values)
            return values.cast(out_type)
        s = self.values[self.slot + ".sum"][ids]
        if fn == "AVG":
            if self.kind == "int":
                with np.errstate(all="ignore"):
                    q = np.where(mask, 0, s) // np.where(mask, 1, n)
                    # Flink's integer AVG truncates toward zero
                    q = np.where((np.where(mask, 0, s) % np.where(mask, 1, n) != 0) & (q < 0), q + 1, q)
                return pa.array(q, pa.int64(), mask=mask).cast(out_type, safe=False)
            with np.errstate(all="ignore"):
                avg = s / np.where(mask, 1, n)
            return pa.array(avg, pa.float64(), mask=mask).cast(out_type)
        arr = pa.array(s, pa.float64() if self.kind == "float" else pa.int64(), mask=mask)
        return arr.cast(out_type, safe=False)


class VarianceAccumulator(Accumulator):
    """STDDEV_POP/SAMP, VAR_POP/SAMP from count, sum and sum of squares (as doubles)."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        for suffix in (".n", ".s", ".q"):
            self.values.define(self.slot + suffix, np.float64, 0.0)

    def update(self, batch: BatchInput, weight: np.ndarray) -> None:
        column = batch.columns[self.call.args[0]]
        valid = _not_null(column) * weight
        x = column.cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False)
        w = batch.signs * valid
        size = self.values.capacity
        for suffix, weights in ((".n", w), (".s", w * x), (".q", w * x * x)):
            self.values[self.slot + suffix][:size] += np.bincount(batch.ids, weights=weights, minlength=size)[:size]

    def results(self, ids: np.ndarray) -> pa.Array:
        n, s, q = (self.values[self.slot + x][ids] for x in (".n", ".s", ".q"))
        fn = self.call.function
        sample = fn in ("STDDEV_SAMP", "VAR_SAMP", "STDDEV", "VARIANCE")
        denom = n - 1 if sample else n
        with np.errstate(all="ignore"):
            var = (q - s * s / np.where(n == 0, 1, n)) / np.where(denom <= 0, 1, denom)
        var = np.maximum(var, 0.0)
        result = np.sqrt(var) if fn.startswith("STDDEV") else var
        mask = (n <= 0) | (denom <= 0)
        arr = pa.array(result, pa.float64(), mask=mask)
        out = self.call.type.to_arrow()
        if pa.types.is_integer(out):
            arr = pc.trunc(arr)
        return arr.cast(out, safe=False)


class BoolAccumulator(Accumulator):
    """BOOL_AND / BOOL_OR as counts of TRUE and FALSE values."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.values.define(self.slot + ".t", np.int64, 0)
        self.values.define(self.slot + ".f", np.int64, 0)

    def update(self, batch: BatchInput, weight: np.ndarray) -> None:
        column = batch.columns[self.call.args[0]]
        valid = _not_null(column) * weight
        truth = column.fill_null(False).to_numpy(zero_copy_only=False).astype(np.int64)
        size = self.values.capacity
        w = batch.signs * valid
        self.values[self.slot + ".t"][:size] += np.bincount(batch.ids, weights=w * truth, minlength=size)[
            :size].astype(np.int64)
        self.values[self.slot + ".f"][:size] += np.bincount(batch.ids, weights=w * (1 - truth), minlength=size)[
            :size].astype(np.int64)

    def results(self, ids: np.ndarray) -> pa.Array:
        t, f = self.values[self.slot + ".t"][ids], self.values[self.slot + ".f"][ids]
        value = (f == 0) if self.call.function == "BOOL_AND" else (t > 0)
        return pa.array(value, pa.bool_(), mask=(t + f) == 0)


class AppendOnlyAccumulator(Accumulator):
    """MIN / MAX / FIRST_VALUE / LAST_VALUE / LISTAGG over an insert-only input."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.values.define(self.slot, object, None)
        self.arrow_type = self.call.type.to_arrow()

    def update(self, batch: BatchInput, weight: np.ndarray) -> None:
        column = batch.columns[self.call.args[0]]
        keep = (weight > 0) & (_not_null(column) > 0)
        if not keep.any():
            return
        rows = np.flatnonzero(keep)
        ids = batch.ids[rows]
        values = column.take(pa.array(rows))
        fn = self.call.function
        table = pa.table({"id": ids, "v": values})
        agg = {"MIN": "min", "MAX": "max", "FIRST_VALUE": "first", "LAST_VALUE": "last", "LISTAGG": "list"}[fn]
        grouped = table.group_by("id", use_threads=False).aggregate([("v", agg)])
        gids = grouped.column("id").to_numpy()
        new = grouped.column(f"v_{agg}").combine_chunks()
        if fn == "LISTAGG":
            new = pc.binary_join(new, self.call.constant_args[0])
        current = self.values[self.slot][gids]
        has = np.array([c is not None for c in current], dtype=bool)
        new_py = np.array(new.to_pylist(), dtype=object)
        if fn in ("MIN", "MAX") and has.any():
            cur_arr = pa.array(list(current), type=new.type)
            fn_ew = pc.min_element_wise if fn == "MIN" else pc.max_element_wise
            merged = fn_ew(cur_arr, new, skip_nulls=True)
            new_py = np.array(merged.to_pylist(), dtype=object)
        elif fn == "FIRST_VALUE":
            new_py = np.where(has, current, new_py)
        elif fn == "LISTAGG":
            sep = self.call.constant_args[0]
            new_py = np.array([n if c is None else c + sep + n for c, n in zip(current, new_py)], dtype=object)
        self.values[self.slot][gids] = new_py

    def results(self, ids: np.ndarray) -> pa.Array:
        return pa.array(list(self.values[self.slot][ids]), self.arrow_type)


class _Multiset:
    """Every group's live values with their multiplicity: (group id, value) → entry id."""

    def __init__(self) -> None:
        self.entries = KeyIndex(2)
        self.entry_values = ValueArrays()
        self.entry_values.define("count", np.int64, 0)
        self.entry_values.define("group", np.int64, -1)
        self.entry_values.define("seq", np.int64, 0)
        self.value_chunks: list[pa.Array] = []  # values in entry-id order
        self.value_count = 0
        self.sequence = 0


class MultisetAccumulator(Accumulator):
    """Keeps every group's live values with their multiplicity; results are recomputed in DuckDB
    for the groups a batch touched. Used for DISTINCT aggregates and for MIN/MAX/FIRST_VALUE/
    LAST_VALUE/LISTAGG when the input retracts."""

    def __init__(self, call, arg_types, values, slot, connection: duckdb.DuckDBPyConnection,
                 extras: dict | None = None) -> None:
        super().__init__(call, arg_types, values, slot)
        # The multiset lives in the keyed state's extras, so checkpoints capture it.
        self.multiset = (extras if extras is not None else {}).setdefault(slot, _Multiset())
        self.connection = connection
        self.arg_type = arg_types[0].to_arrow()

    entries = property(lambda self: self.multiset.entries)
    entry_values = property(lambda self: self.multiset.entry_values)
    value_chunks = property(lambda self: self.multiset.value_chunks)
    value_count = property(lambda self: self.multiset.value_count,
                           lambda self, n: setattr(self.multiset, "value_count", n))
    sequence = property(lambda self: self.multiset.sequence,
                        lambda self, n: setattr(self.multiset, "sequence", n))

    def size(self) -> int:
        return self.entries.size

    def forget(self, ids: np.ndarray) -> None:
        n = self.value_count
        gone = np.isin(self.entry_values["group"][:n], ids)
        self.entry_values["count"][:n][gone] = 0

    def update(self, batch: BatchInput, weight: np.ndarray) -> None:
        column = batch.columns[self.call.args[0]]
        keep = (weight > 0) & (_not_null(column) > 0)
        if not keep.any():
            return
        rows = np.flatnonzero(keep)
        values = column.take(pa.array(rows))
        if isinstance(values, pa.ChunkedArray):  # concat_arrays below needs plain arrays
            values = values.combine_chunks()
        gids = batch.ids[rows]
        entry_ids = self.entries.lookup([pa.array(gids), values])
        self.entry_values.ensure(self.entries.size)
        new_entries = entry_ids >= self.value_count
        if new_entries.any():
            # entry ids are dense and first-seen ordered, so new values append in id order
            order = np.flatnonzero(new_entries)
            _, first = np.unique(entry_ids[order], return_index=True)  # sorted by entry id
            self.value_chunks.append(values.take(pa.array(order[first])))
            self.value_count = self.entries.size
            self.entry_values["group"][entry_ids] = gids
        counts = np.bincount(entry_ids, weights=batch.signs[rows]).astype(np.int64)
        touched = np.flatnonzero(counts)
        became_live = touched[(self.entry_values["count"][touched] <= 0) & (counts[touched] > 0)]
        self.entry_values["count"][touched] += counts[touched]
        self.sequence += 1
        self.entry_values["seq"][became_live] = self.sequence * 1_000_000_000 + np.arange(len(became_live))

    def results(self, ids: np.ndarray) -> pa.Array:
        out_type = self.call.type.to_arrow()
        if len(ids) == 0:
            return pa.array([], out_type)
        n = self.value_count
        wanted = np.zeros(self.values.capacity + 1, dtype=bool)
        wanted[ids] = True
        groups = self.entry_values["group"][:n]
        counts = self.entry_values["count"][:n]
        live = np.flatnonzero((counts > 0) & wanted[np.maximum(groups, 0)] & (groups >= 0))
        all_values = pa.concat_arrays([c.cast(self.arg_type) for c in self.value_chunks]) if self.value_chunks \
            else pa.array([], self.arg_type)
        repeat = np.ones(len(live), dtype=np.int64) if self.call.distinct else counts[live]
        expanded = np.repeat(live, repeat)
        table = pa.table({
            "g": pa.array(groups[expanded]),
            "v": all_values.take(pa.array(expanded, pa.int64())),
            "s": pa.array(self.entry_values["seq"][expanded]),
        })
        fn = self.call.function
        expr = {
            "COUNT": "count(v)", "SUM": "sum(v)", "SUM0": "sum(v)", "AVG": "avg(v)", "MIN": "min(v)",
            "MAX": "max(v)", "FIRST_VALUE": "first(v ORDER BY s)", "LAST_VALUE": "last(v ORDER BY s)",
            "STDDEV_POP": "stddev_pop(v)", "STDDEV_SAMP": "stddev_samp(v)", "VAR_POP": "var_pop(v)",
            "VAR_SAMP": "var_samp(v)", "BOOL_AND": "bool_and(v)", "BOOL_OR": "bool_or(v)",
        }.get(fn)
        if fn == "LISTAGG":
            sep = str(self.call.constant_args[0]).replace("'", "''")
            expr = f"string_agg(v, '{sep}' ORDER BY s)"
        self.connection.register("ms", table)
        try:
            res = self.connection.sql(f"SELECT g, {expr} AS r FROM ms GROUP BY g").to_arrow_table()
        finally:
            self.connection.unregister("ms")
        position = np.full(self.values.capacity + 1, -1, dtype=np.int64)
        res_g = res.column("g").to_numpy()
        position[res_g] = np.arange(len(res_g))
        take = position[ids]
        r = res.column("r").combine_chunks()
        if fn in ("COUNT",):
            r = r.fill_null(0)
        result = r.take(pa.array(np.maximum(take, 0))) if len(r) else pa.nulls(len(ids), r.type)
        mask = take < 0
        if fn == "COUNT":
            result = pc.if_else(pa.array(mask), pa.scalar(0, pa.int64()), result.cast(pa.int64()))
        elif mask.any():
            result = pc.if_else(pa.array(mask), pa.nulls(len(ids), result.type), result)
        if fn == "AVG" and pa.types.is_integer(out_type):
            result = pc.trunc(result.cast(pa.float64()))
        return result.cast(out_type, safe=False)


def make_accumulator(call: AggregateCall, arg_types: list[DataType], state: KeyedState, slot: str,
                     input_insert_only: bool, connection) -> Accumulator:
    fn = call.function
    args = (call, arg_types, state.values, slot)
    if fn.startswith("$udaf:"):  # a Python aggregate function (flowsql.exec.operators.python_aggregate)
        from flowsql.exec.operators.python_aggregate import PythonAggregateAccumulator

        return PythonAggregateAccumulator(*args)
    if call.distinct and fn not in ("MIN", "MAX"):
        return MultisetAccumulator(*args, connection, state.extras)
    if fn == "COUNT":
        return CountAccumulator(*args)
    if fn in ("SUM", "SUM0", "AVG"):
        return SumAccumulator(*args)
    if fn in ("STDDEV_POP", "STDDEV_SAMP", "VAR_POP", "VAR_SAMP"):
        return VarianceAccumulator(*args)
    if fn in ("BOOL_AND", "BOOL_OR"):
        return BoolAccumulator(*args)
    if fn in ("MIN", "MAX", "FIRST_VALUE", "LAST_VALUE", "LISTAGG", "ANY_VALUE"):
        if fn == "ANY_VALUE":
            call = AggregateCall("FIRST_VALUE", call.args, call.type, call.distinct, call.filter_arg, call.name)
            args = (call, arg_types, state.values, slot)
        if input_insert_only:
            return AppendOnlyAccumulator(*args)
        return MultisetAccumulator(*args, connection, state.extras)
    raise ValueError(f"no accumulator for {fn}")
