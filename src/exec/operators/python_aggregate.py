"""The accumulator of a Python aggregate function (``@udaf`` / ``AggregateFunction``).

Plans call it as ``$udaf:<key>`` (see ``flowsql.exec.python_udf``). Each group keeps the user's
accumulator object in keyed state; an added row (+I/+U) is ``accumulate``d and a removed one
(-U/-D) ``retract``ed, so it serves updating input when the function implements ``retract``. A
``pandas`` aggregate (a function of Series returning a scalar) keeps each group's live rows and
recomputes the touched groups.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from flowsql.common.errors import ExecutionError
from flowsql.exec.operators.accumulators import Accumulator, BatchInput
from flowsql.exec.python_udf import lookup

AGGREGATE_PREFIX = "$udaf:"


def is_python_aggregate(function: str) -> bool:
    return function.startswith(AGGREGATE_PREFIX)


class PythonAggregateAccumulator(Accumulator):
    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.function = lookup(self.call.function[len(AGGREGATE_PREFIX):])
        self.values.define(self.slot, object, None)
        self.result_type = self.call.type.to_arrow()

    def update(self, batch: BatchInput, weight: np.ndarray) -> None:
        columns = [batch.columns[a].to_pylist() for a in self.call.args]
        states = self.values[self.slot]
        aggregate = self.function.evaluate
        times = (batch.signs * weight).astype(np.int64)
        # Per-row Python: the user's accumulate/retract are row-at-a-time by definition.
        for row, group in enumerate(batch.ids):
            n = int(times[row])
            if n == 0:
                continue
            args = tuple(c[row] for c in columns)
            if self.function.vectorized:
                rows = states[group] if states[group] is not None else {}
                rows[args] = rows.get(args, 0) + n
                states[group] = rows
                continue
            if states[group] is None:
                states[group] = aggregate.create_accumulator()
            method = aggregate.accumulate if n > 0 else aggregate.retract
            for _ in range(abs(n)):
                self._call(method, states[group], *args)

    def results(self, ids: np.ndarray) -> pa.Array:
        states = self.values[self.slot]
        out = []
        for group in ids:
            state = states[group]
            if self.function.vectorized:
                out.append(self._pandas_result(state))
            else:
                out.append(None if state is None else self._call(self.function.evaluate.get_value, state))
        return pa.array(out, type=self.result_type)

    def _pandas_result(self, rows: dict | None):
        import pandas as pd

        live = [args for args, n in (rows or {}).items() for _ in range(max(n, 0))]
        if not live:
            return None
        series = [pd.Series(list(c)) for c in zip(*live)]
        return self._call(self.function.evaluate, *series)

    def _call(self, method, *args):
        try:
            return method(*args)
        except Exception as e:
            raise ExecutionError(f"Python aggregate function '{self.function.name}' failed in "
                                 f"{getattr(method, '__name__', 'call')}: {type(e).__name__}: {e}") from e


__all__ = ["AGGREGATE_PREFIX", "PythonAggregateAccumulator", "is_python_aggregate"]
