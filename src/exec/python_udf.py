"""Python scalar functions at run time: called by DuckDB over Arrow batches.

A bound call of a Python function is ``Call(type, "$udf:<key>", args)``; ``register`` hands out the
key for a function object, and ``SqlTranslator`` turns the call into a DuckDB call of an Arrow UDF it
registers on the connection the SQL runs on (``install``). A ``pandas`` function receives each
argument as a ``pandas.Series`` and returns a Series; a ``general`` one is called once per row,
inside the Arrow wrapper — the only place flowsql runs per-row Python, as Flink does.

When the function raises, the wrapper records an ``ExecutionError`` naming the function, the
argument values and the Python traceback; the evaluator raises that instead of DuckDB's one-line
message (``take_failure``).
"""

from __future__ import annotations

import inspect
import itertools
import re
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from flowsql.common.errors import ExecutionError
from flowsql.common.types import DataType

PREFIX = "$udf:"


@dataclass
class PythonFunction:
    """What the runtime needs of a user-defined scalar function."""

    name: str  # the user's name, for messages
    evaluate: Callable[..., Any]  # general: one row's values -> value; pandas: Series... -> Series
    result_type: DataType
    vectorized: bool = False  # func_type='pandas'
    deterministic: bool = True
    open: Callable[[], None] | None = None  # called once before the first batch


_registry: dict[str, PythonFunction] = {}
_keys: dict[int, str] = {}
_counter = itertools.count(1)
_lock = threading.Lock()
# The last failure of a Python function per DuckDB connection (by id): DuckDB may call the function
# on one of its own threads, so the error is kept where the evaluator of that connection finds it.
_failures: dict[int, ExecutionError] = {}


def register(owner: object, function: PythonFunction) -> str:
    """The key under which ``owner``'s function is called from plans (stable per owner object)."""
    with _lock:
        key = _keys.get(id(owner))
        if key is None or _registry.get(key) is None:
            key = f"{re.sub(r'[^A-Za-z0-9_]', '_', function.name)}_{next(_counter)}"
            _keys[id(owner)] = key
        _registry[key] = function
        return key


def lookup(key: str) -> PythonFunction:
    try:
        return _registry[key]
    except KeyError:
        raise ExecutionError(f"the Python function {key} is no longer registered") from None


def duckdb_name(key: str, arg_types: list[DataType]) -> str:
    """One DuckDB function per (function, argument types): DuckDB does not overload Python UDFs."""
    signature = "_".join(re.sub(r"[^A-Za-z0-9]", "", t.to_duckdb()) for t in arg_types)
    return f"flowsql_udf_{key}__{signature}"


def install(connection, key: str, arg_types: list[DataType]) -> str:
    """Register the function on ``connection`` (once) and return the name to call it by."""
    import duckdb

    name = duckdb_name(key, arg_types)
    function = lookup(key)
    wrapper = _ArrowWrapper(function, arg_types, id(connection))
    try:
        connection.create_function(name, wrapper, [t.to_duckdb() for t in arg_types],
                                   function.result_type.to_duckdb(), type="arrow", null_handling="special",
                                   side_effects=not function.deterministic)
    except duckdb.NotImplementedException:
        pass  # already registered on this connection (several evaluators share one)
    return name


def take_failure(connection) -> ExecutionError | None:
    """The error a Python function raised on ``connection`` since the last call, if any."""
    return _failures.pop(id(connection), None)


class _ArrowWrapper:
    def __init__(self, function: PythonFunction, arg_types: list[DataType], connection_id: int) -> None:
        self.function = function
        self.connection_id = connection_id
        self.arg_types = arg_types
        self.opened = False
        self.result_arrow = function.result_type.to_arrow()
        # DuckDB checks the declared parameter count against the callable's signature.
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(f"a{i}", inspect.Parameter.POSITIONAL_ONLY) for i in range(len(arg_types))])

    def __call__(self, *columns: pa.ChunkedArray) -> pa.Array:
        f = self.function
        if not self.opened:
            self.opened = True
            if f.open is not None:
                f.open()
        if f.vectorized:
            return self._vectorized(columns)
        # Per-row Python: a general UDF is a row-at-a-time function by definition.
        rows = zip(*(c.to_pylist() for c in columns)) if columns else iter([()])
        results = []
        for args in rows:
            try:
                results.append(_to_arrow_value(f.evaluate(*args)))
            except Exception as e:  # noqa: BLE001 -- any error of user code fails the job, reported
                raise self._fail(e, args) from None
        return pa.array(results, type=self.result_arrow)

    def _vectorized(self, columns) -> pa.Array:
        series = [c.to_pandas() for c in columns]
        try:
            result = self.function.evaluate(*series)
        except Exception as e:  # noqa: BLE001 -- any error of user code fails the job, reported
            raise self._fail(e, tuple(s.tolist()[:5] for s in series), batch=True) from None
        import pandas as pd

        if isinstance(result, pd.DataFrame):
            return pa.StructArray.from_arrays([pa.array(result[c], type=t.type) for c, t in
                                               zip(result.columns, self.result_arrow)],
                                              fields=list(self.result_arrow))
        if not isinstance(result, pd.Series):
            result = pd.Series(list(result) if hasattr(result, "__iter__") else [result] * len(series[0]))
        return pa.Array.from_pandas(result, type=self.result_arrow)

    def _fail(self, error: Exception, args: tuple, batch: bool = False) -> ExecutionError:
        shown = ", ".join(repr(a) for a in args)
        what = "the first values of its argument columns" if batch else "arguments"
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        failure = ExecutionError(
            f"Python function '{self.function.name}' failed on {what} ({shown}): "
            f"{type(error).__name__}: {error}\n{trace.rstrip()}",
            hint="fix the function, or guard the failing values (e.g. with IF(... IS NULL, ...))")
        _failures[self.connection_id] = failure
        return failure


def _to_arrow_value(value: Any) -> Any:
    """Python results as Arrow accepts them: a Row (tuple with names) becomes a struct dict."""
    names = getattr(value, "_fields", None)
    if isinstance(value, tuple) and names:
        return {n: _to_arrow_value(v) for n, v in zip(names, value)}
    return value
