"""Python scalar functions at run time: called by DuckDB over Arrow batches.

A bound call of a Python function is ``Call(type, "$udf:<key>", args)``; ``register`` hands out the
key for a function object, and ``SqlTranslator`` turns the call into a DuckDB call of an Arrow UDF it
registers on the connection the SQL runs on (``install``). A ``pandas`` function receives each
argument as a ``pandas.Series`` and returns a Series; a ``general`` one is called once per row,
inside the Arrow wrapper — the only place flowsql runs per-row Python, as Flink does.

When the function raises, the wrapper records an ``ExecutionError`` naming the function, the
argument values and the Python traceback; the evaluator raises that instead of DuckDB's one-line
message (``take_failure``).

Connections are cursors on one shared database (``flowsql.exec.engine``), whose catalog holds each
DuckDB function once for every cursor: so the registered wrapper looks the Python function up by
key when called (the latest registration wins, as before), and a failure is recorded under the
DuckDB function's name and taken by the connections that installed that name.
"""

from __future__ import annotations

import inspect
import itertools
import re
import threading
import traceback
import weakref
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
    opened: bool = False  # per registration, i.e. per planned query (each planning registers anew)


_registry: dict[str, PythonFunction] = {}
_keys: dict[int, str] = {}
_counter = itertools.count(1)
_lock = threading.Lock()
# The last failure of each DuckDB function (by name): DuckDB may call the function on one of its own
# threads, so the error is kept where the evaluator of a connection that installed the name finds it.
_failures: dict[str, ExecutionError] = {}
_installed: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


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


def duckdb_name(key: str, arg_types: list[DataType], function: PythonFunction) -> str:
    """One DuckDB function per (function, argument types, result type): DuckDB does not overload
    Python UDFs, and the shared database keeps a registration for the life of the process."""
    types = [*arg_types, function.result_type]
    signature = "_".join(re.sub(r"[^A-Za-z0-9]", "", t.to_duckdb()) for t in types)
    volatile = "" if function.deterministic else "_v"
    return f"flowsql_udf_{key}__{signature}{volatile}"


def install(connection, key: str, arg_types: list[DataType]) -> str:
    """Register the function in ``connection``'s database (once) and return the name to call it by."""
    from flowsql.exec import engine

    function = lookup(key)
    name = duckdb_name(key, arg_types, function)
    with _lock:
        _installed.setdefault(connection, set()).add(name)
    wrapper = _ArrowWrapper(key, name, arg_types, function.result_type)
    engine.create_function(connection, name, wrapper, [t.to_duckdb() for t in arg_types],
                           function.result_type.to_duckdb(), type="arrow", null_handling="special",
                           side_effects=not function.deterministic)
    return name


def take_failure(connection) -> ExecutionError | None:
    """The error a Python function installed through ``connection`` raised since the last call, if any."""
    with _lock:
        for name in _installed.get(connection, ()):
            failure = _failures.pop(name, None)
            if failure is not None:
                return failure
    return None


class _ArrowWrapper:
    def __init__(self, key: str, name: str, arg_types: list[DataType], result_type: DataType) -> None:
        self.key = key
        self.name = name
        self.arg_types = arg_types
        self.result_arrow = result_type.to_arrow()
        # DuckDB checks the declared parameter count against the callable's signature.
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(f"a{i}", inspect.Parameter.POSITIONAL_ONLY) for i in range(len(arg_types))])

    @property
    def function(self) -> PythonFunction:
        return lookup(self.key)

    def __call__(self, *columns: pa.ChunkedArray) -> pa.Array:
        f = self.function
        if not f.opened:
            f.opened = True
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
        f = self.function
        try:
            result = f.evaluate(*series)
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
        with _lock:
            _failures[self.name] = failure
        return failure


def _to_arrow_value(value: Any) -> Any:
    """Python results as Arrow accepts them: a Row (tuple with names) becomes a struct dict."""
    names = getattr(value, "_fields", None)
    if isinstance(value, tuple) and names:
        return {n: _to_arrow_value(v) for n, v in zip(names, value)}
    return value
