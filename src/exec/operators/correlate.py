"""Correlate: each input row joined with the rows a table function makes of it (``UNNEST`` or a
Python table function), as ``CROSS JOIN`` or ``LEFT JOIN ... ON TRUE``.

Changelog contract: accepts any changelog and emits the same kinds. Every output row carries the
kind of the input row it came from, so a retracted input row (-U/-D) retracts exactly the rows it
made before — for a deterministic function, which Flink assumes too. Stateless.

UNNEST is vectorized over the batch's list offsets; a Python table function is called once per row
(it is user code, a row-at-a-time function by definition).
"""

from __future__ import annotations

import traceback
import types

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from flowsql.common.changes import ChangeBatch
from flowsql.common.errors import ExecutionError
from flowsql.exec import python_udf
from flowsql.exec.operator import Operator, RuntimeContext
from flowsql.planner.expressions import InputRef
from flowsql.planner.logical import Correlate as CorrelateNode

UDTF_PREFIX = "$udtf:"


class Correlate(Operator):
    name = "Correlate"

    def __init__(self, node: CorrelateNode, output_schema: pa.Schema) -> None:
        super().__init__()
        self.correlate = node
        self.left = node.join_type == "LEFT"
        self.output_schema = output_schema
        self.input_width = len(node.input.fields)
        self.function = None if node.is_unnest else python_udf.lookup(node.function[len(UDTF_PREFIX):])
        self.evaluator = None
        if not all(isinstance(a, InputRef) for a in node.args):
            from flowsql.exec.expression import BatchEvaluator

            arg_schema = pa.schema([pa.field(f"a{i}", a.type.to_arrow()) for i, a in enumerate(node.args)])
            self.evaluator = BatchEvaluator(list(node.args), None, arg_schema)

    def open(self, context: RuntimeContext) -> None:
        super().open(context)
        if self.function is not None and self.function.open is not None:
            self.function.open()

    def process(self, batch: ChangeBatch, input_index: int = 0) -> list[ChangeBatch]:
        if batch.num_rows == 0:
            return []
        args = self._arguments(batch.table)
        function_schema = [self.output_schema.field(i) for i in range(self.input_width, len(self.output_schema))]
        if self.function is None:
            parents, columns = unnest(args[0], self.left, self.correlate.with_ordinality)
        else:
            parents, columns = call_table_function(self.function, args, batch.num_rows,
                                                   [f.type for f in function_schema], self.left)
        if len(parents) == 0:
            return []
        taken = batch.table.take(pa.array(parents, pa.int64())).columns
        taken += [c if c.type == f.type else c.cast(f.type) for f, c in zip(function_schema, columns)]
        table = pa.Table.from_arrays(taken, schema=self.output_schema)
        return [ChangeBatch(table, None if batch.kinds is None else batch.kinds[parents])]

    def _arguments(self, table: pa.Table) -> list[pa.Array]:
        if self.evaluator is None:
            return [table.column(a.index).combine_chunks() for a in self.correlate.args]
        return [c.combine_chunks() for c in self.evaluator.evaluate(table).columns]


# -- UNNEST -----------------------------------------------------------------------------------------

def unnest(collection: pa.Array, left: bool, ordinality: bool) -> tuple[np.ndarray, list[pa.Array]]:
    """For each element of each row's collection, the row's index and the element's columns (a
    row's fields, a map's key and value, or the element itself; the 1-based position last when
    ``ordinality``). ``left`` keeps rows with a NULL or empty collection once, padded with NULLs."""
    lists = _as_list(collection)
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    counts = np.maximum(lengths, 1) if left else lengths
    parents = np.repeat(np.arange(len(lists), dtype=np.int64), counts)
    position = np.arange(len(parents), dtype=np.int64) - (np.cumsum(counts) - counts)[parents]
    element_index = (np.cumsum(lengths) - lengths)[parents] + position
    padding = lengths[parents] == 0  # only a LEFT correlate emits these rows
    elements = pc.list_flatten(lists).take(pa.array(element_index, pa.int64(), mask=padding if left else None))
    if pa.types.is_struct(elements.type):
        columns = [pc.struct_field(elements, [i]) for i in range(elements.type.num_fields)]
    else:
        columns = [elements]
    if ordinality:
        columns.append(pa.array(position + 1, pa.int32(), mask=padding if left else None))
    return parents, columns


def _as_list(collection: pa.Array) -> pa.Array:
    """The collection as an Arrow list: a MAP as a list of (key, value) structs. (A MULTISET is
    already a list holding each element as often as it occurs.)"""
    if not pa.types.is_map(collection.type):
        return collection
    map_type = collection.type
    return collection.cast(pa.list_(pa.struct([map_type.key_field, map_type.item_field])))


# -- Python table functions -------------------------------------------------------------------------

def call_table_function(function: python_udf.PythonFunction, args: list[pa.Array], num_rows: int,
                        result_types: list[pa.DataType], left: bool) -> tuple[np.ndarray, list[pa.Array]]:
    """Call the function on each row's argument values; each row it yields becomes an output row
    (its input row's index, its values). ``left`` keeps a row that yields nothing, padded with NULLs."""
    width = len(result_types)
    values = [a.to_pylist() for a in args]
    rows = zip(*values) if values else (() for _ in range(num_rows))
    parents: list[int] = []
    out: list[list] = [[] for _ in range(width)]
    # Per-row Python: a table function is user code called once per input row, as in Flink.
    for index, row_args in enumerate(rows):
        try:
            produced = _results(function.evaluate(*row_args))
            made = 0
            for result in produced:
                fields = _fields(result, result_types, function.name)
                for column, value in zip(out, fields):
                    column.append(python_udf._to_arrow_value(value))
                made += 1
        except ExecutionError:
            raise
        except Exception as e:  # noqa: BLE001 -- any error of user code fails the job, reported
            raise _failure(function, row_args, e) from None
        parents.extend([index] * made)
        if made == 0 and left:
            parents.append(index)
            for column in out:
                column.append(None)
    try:
        columns = [pa.array(column, t) for column, t in zip(out, result_types)]
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise ExecutionError(f"table function '{function.name}' yielded a value that does not fit its declared "
                             f"result types ({', '.join(str(t) for t in result_types)}): {e}",
                             hint="yield values of the types declared in @udtf(result_types=[...])") from None
    return np.asarray(parents, dtype=np.int64), columns


def _results(result) -> list:
    """What one call produced, as rows: a generator, iterator or list yields rows; None is no row;
    anything else (a value, a tuple or Row) is one row."""
    if result is None:
        return []
    if isinstance(result, (types.GeneratorType, list, set)) or (
            hasattr(result, "__next__") and not isinstance(result, (tuple, str, bytes))):
        return list(result)
    return [result]


def _fields(result, result_types: list[pa.DataType], name: str) -> tuple:
    """One yielded row as its column values: a tuple or Row of them, or the value of a one-column function."""
    width = len(result_types)
    if width == 1:
        if isinstance(result, tuple) and len(result) == 1 and not pa.types.is_struct(result_types[0]):
            return (result[0],)
        return (result,)
    if isinstance(result, (tuple, list)) and len(result) == width:
        return tuple(result)
    raise ExecutionError(f"table function '{name}' yielded {result!r} but declares {width} result columns",
                         hint=f"yield a tuple or Row of {width} values")


def _failure(function: python_udf.PythonFunction, args: tuple, error: Exception) -> ExecutionError:
    shown = ", ".join(repr(a) for a in args)
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return ExecutionError(f"Python table function '{function.name}' failed on arguments ({shown}): "
                          f"{type(error).__name__}: {error}\n{trace.rstrip()}",
                          hint="fix the function, or guard the failing values (e.g. with IF(... IS NULL, ...))")
