"""User-defined functions: ``@udf``, ``@udtf``, ``@udaf`` and the ``ScalarFunction`` /
``TableFunction`` / ``AggregateFunction`` classes, as PyFlink spells them.

A decorated function is a ``UserDefinedFunctionWrapper``: calling it with expressions gives an
``Expression`` (usable in the Table API); registered with ``create_temporary_function`` it is
usable from SQL. Either way the binder meets it through the environment's ``function_binding``
hook and calls ``bind_call`` (scalar) or ``bind_aggregate`` (aggregate) here, which type the call
and hand the runtime a ``$udf:<key>`` call (``flowsql.exec.python_udf``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from flowsql.common.errors import ValidationError
from flowsql.common.types import DataType
from sqlglot import exp


class FunctionContext:
    """What ``open(context)`` receives: job parameters (``pipeline.global-job-parameters``)."""

    def __init__(self, parameters: dict[str, str] | None = None) -> None:
        self._parameters = dict(parameters or {})

    def get_job_parameter(self, key: str, default_value: str) -> str:
        return self._parameters.get(key, default_value)

    def get_metric_group(self) -> None:
        return None


class UserDefinedFunction:
    """Base of user-defined function classes: optional ``open``/``close`` around evaluation."""

    def open(self, function_context: FunctionContext) -> None:
        pass

    def close(self) -> None:
        pass

    def is_deterministic(self) -> bool:
        return True


class ScalarFunction(UserDefinedFunction):
    """Subclass and implement ``eval(*args)``; wrap with ``udf(MyFunction(), result_type=...)``."""

    def eval(self, *args):
        raise NotImplementedError


class TableFunction(UserDefinedFunction):
    """Subclass and implement ``eval(*args)`` yielding rows; wrap with ``udtf(..., result_types=[...])``."""

    def eval(self, *args):
        raise NotImplementedError


class AggregateFunction(UserDefinedFunction):
    """``create_accumulator``, ``accumulate``, ``retract`` (for updating input), ``merge``, ``get_value``."""

    def create_accumulator(self):
        raise NotImplementedError

    def accumulate(self, accumulator, *args) -> None:
        raise NotImplementedError

    def retract(self, accumulator, *args) -> None:
        raise NotImplementedError(f"{type(self).__name__} cannot retract: implement retract() to "
                                  f"aggregate an updating input")

    def merge(self, accumulator, accumulators) -> None:
        raise NotImplementedError

    def get_value(self, accumulator):
        raise NotImplementedError

    def get_result_type(self) -> DataType | None:
        return None

    def get_accumulator_type(self) -> DataType | None:
        return None


class TableAggregateFunction(AggregateFunction):
    """``emit_value(accumulator)`` yields result rows (``flat_aggregate``)."""

    def emit_value(self, accumulator):
        raise NotImplementedError


def _as_type(value) -> DataType | None:
    if value is None:
        return None
    from flowsql.table.types import as_data_type

    return as_data_type(value)


class UserDefinedFunctionWrapper:
    """A Python function with its declared types, callable on Table API expressions."""

    kind = "scalar"
    is_aggregate = False

    def __init__(self, func, input_types=None, result_type=None, func_type: str = "general",
                 deterministic: bool | None = None, name: str | None = None) -> None:
        if func_type not in ("general", "pandas"):
            raise ValueError(f"func_type must be 'general' or 'pandas', found {func_type!r}")
        self._func = func
        self._input_types = [_as_type(t) for t in input_types] if input_types is not None else None
        self._result_type = _as_type(result_type) if not isinstance(result_type, (list, tuple)) else [
            _as_type(t) for t in result_type]
        self._func_type = func_type
        if deterministic is None:
            deterministic = func.is_deterministic() if isinstance(func, UserDefinedFunction) else True
        self._deterministic = deterministic
        self._name = name or _function_name(func)
        self._runtime_key: str | None = None

    # -- Table API --------------------------------------------------------------------------
    def __call__(self, *args) -> Any:
        from flowsql.table.expressions import Expression, _functions_of, _node

        inline = f"{self._name}${id(self):x}"
        node = exp.Anonymous(this=inline, expressions=[_node(a) for a in args])
        return Expression(node, {**_functions_of(*args), inline.lower(): self})

    def alias(self, *names: str):
        raise TypeError("call the function first, then alias its result: f(col('a')).alias('x', 'y')")

    @property
    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"<{self.kind} function {self._name}>"

    # -- binding (called by the binder through TableEnvironment.function_binding) -----------
    def _bind_args(self, binder, name: str, arg_nodes, node):
        args = [binder.bind(a) for a in arg_nodes]
        if self._input_types is not None:
            if len(self._input_types) != len(args):
                raise ValidationError(f"function {self._name} takes {len(self._input_types)} argument(s), "
                                      f"found {len(args)}")
            args = [binder.coerce(a, t) if a.type.with_nullable(True) != t.with_nullable(True) else a
                    for a, t in zip(args, self._input_types)]
        return args

    def bind_call(self, binder, name: str, arg_nodes, node):
        from flowsql.planner.expressions import Call

        if self._result_type is None:
            raise ValidationError(f"function {self._name} declares no result type",
                                  hint="declare it: @udf(result_type=DataTypes.BIGINT())")
        args = self._bind_args(binder, name, arg_nodes, node)
        return Call(self._result_type, "$udf:" + self.runtime_key(), tuple(args))

    def runtime_key(self) -> str:
        from flowsql.exec import python_udf

        func = self._func
        evaluate = func.eval if isinstance(func, UserDefinedFunction) else func
        opener = (lambda: func.open(FunctionContext())) if isinstance(func, UserDefinedFunction) else None
        self._runtime_key = python_udf.register(self, python_udf.PythonFunction(
            self._name, evaluate, self._result_type, self._func_type == "pandas", self._deterministic, opener))
        return self._runtime_key


class TableFunctionWrapper(UserDefinedFunctionWrapper):
    kind = "table"

    def bind_call(self, binder, name: str, arg_nodes, node):
        raise ValidationError(f"{self._name} is a table function: call it in FROM as LATERAL TABLE({self._name}(...))"
                              f" or with Table.join_lateral / flat_map")

    @property
    def result_types(self) -> list[DataType]:
        types = self._result_type
        return list(types) if isinstance(types, list) else [types]

    def bind_table_call(self, binder, name: str, arg_nodes, node):
        """``LATERAL TABLE(f(...))``: the runtime function (``$udtf:<key>``), its typed arguments and
        its column types (called by the binder's ``flowsql.planner.lateral``)."""
        if not self.result_types or any(t is None for t in self.result_types):
            raise ValidationError(f"table function {self._name} declares no result types",
                                  hint="declare them: @udtf(result_types=[DataTypes.STRING(), DataTypes.INT()])")
        args = self._bind_args(binder, name, arg_nodes, node)
        evaluate = self._func.eval if isinstance(self._func, UserDefinedFunction) else self._func
        try:
            inspect.signature(evaluate).bind(*args)
        except TypeError as e:
            raise ValidationError(f"table function {self._name} cannot take {len(args)} argument(s): {e}",
                                  hint=f"call it with the parameters of {self._name}"
                                       f"{inspect.signature(evaluate)}") from None
        except ValueError:
            pass  # no signature to check (a builtin or C function)
        return "$udtf:" + self.runtime_key(), tuple(args), self.result_types


class AggregateFunctionWrapper(UserDefinedFunctionWrapper):
    kind = "aggregate"
    is_aggregate = True

    def __init__(self, func, input_types=None, result_type=None, accumulator_type=None, func_type="general",
                 deterministic=None, name=None) -> None:
        if result_type is None and isinstance(func, AggregateFunction):
            result_type = func.get_result_type()
        if accumulator_type is None and isinstance(func, AggregateFunction):
            accumulator_type = func.get_accumulator_type()
        super().__init__(func, input_types, result_type, func_type, deterministic, name)
        self._accumulator_type = _as_type(accumulator_type)

    def bind_call(self, binder, name, arg_nodes, node):
        raise ValidationError(f"{self._name} is an aggregate function: use it in a grouped select or aggregate()")

    def runtime_key(self) -> str:
        """Aggregates are registered with the ``AggregateFunction`` object itself as ``evaluate``:
        an accumulator operator calls its create_accumulator / accumulate / retract / get_value."""
        from flowsql.exec import python_udf

        self._runtime_key = python_udf.register(self, python_udf.PythonFunction(
            self._name, self._func, self._result_type, self._func_type == "pandas", self._deterministic))
        return self._runtime_key

    def bind_aggregate(self, binder, name, arg_nodes, arg_position, distinct, filter_arg, node):
        from flowsql.planner.expressions import AggregateCall

        if self._result_type is None:
            raise ValidationError(f"aggregate function {self._name} declares no result type",
                                  hint="declare it: @udaf(result_type=DataTypes.BIGINT())")
        args = self._bind_args(binder, name, arg_nodes, node)
        return AggregateCall("$udaf:" + self.runtime_key(), tuple(arg_position(a) for a in args),
                             self._result_type, distinct, filter_arg)


def _function_name(func) -> str:
    if isinstance(func, functools.partial):
        func = func.func
    if inspect.isfunction(func) or inspect.ismethod(func):
        return func.__name__
    return type(func).__name__ if not isinstance(func, type) else func.__name__


def _decorator(cls: type, f, kwargs: dict) -> Any:
    if f is None:
        return lambda g: _decorator(cls, g, kwargs)
    if isinstance(f, type):
        f = f()
    return cls(f, **kwargs)


def udf(f: Callable | ScalarFunction | None = None, input_types=None, result_type=None, deterministic=None,
        name=None, func_type: str = "general", udf_type=None):
    """``@udf(result_type=DataTypes.BIGINT())`` or ``udf(fn, result_type=..., func_type='pandas')``."""
    kwargs = {"input_types": input_types, "result_type": result_type, "func_type": udf_type or func_type,
                  "deterministic": deterministic, "name": name}
    return _decorator(UserDefinedFunctionWrapper, f, kwargs)


def udtf(f: Callable | TableFunction | None = None, input_types=None, result_types=None, deterministic=None,
         name=None):
    """``@udtf(result_types=[DataTypes.STRING(), DataTypes.INT()])`` on a generator."""
    kwargs = {"input_types": input_types, "result_type": list(result_types) if isinstance(
        result_types, (list, tuple)) else [result_types], "deterministic": deterministic, "name": name}
    return _decorator(TableFunctionWrapper, f, kwargs)


def udaf(f: AggregateFunction | Callable | None = None, input_types=None, result_type=None,
         accumulator_type=None, deterministic=None, name=None, func_type: str = "general"):
    """``udaf(MyAggregate(), result_type=..., accumulator_type=...)``, or ``func_type='pandas'`` on a
    function of Series returning a scalar."""
    kwargs = {"input_types": input_types, "result_type": result_type, "accumulator_type": accumulator_type,
                  "func_type": func_type, "deterministic": deterministic, "name": name}
    return _decorator(AggregateFunctionWrapper, f, kwargs)


def udtaf(f=None, input_types=None, result_type=None, accumulator_type=None, deterministic=None, name=None):
    kwargs = {"input_types": input_types, "result_type": result_type, "accumulator_type": accumulator_type,
                  "deterministic": deterministic, "name": name}
    return _decorator(AggregateFunctionWrapper, f, kwargs)


def as_function(value) -> UserDefinedFunctionWrapper:
    """A registrable function from a wrapper, a ``ScalarFunction`` instance or class, or a 'module.fn' path."""
    if isinstance(value, UserDefinedFunctionWrapper):
        return value
    if isinstance(value, str):
        import importlib

        module, _, attr = value.rpartition(".")
        if not module:
            raise ValidationError(f"'{value}' is not a Python function path", hint="write it as 'module.function'")
        try:
            target = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            raise ValidationError(f"cannot load the Python function '{value}': {e}") from None
        return as_function(target)
    if isinstance(value, type) and issubclass(value, UserDefinedFunction):
        value = value()
    if isinstance(value, AggregateFunction):
        return AggregateFunctionWrapper(value)
    raise ValidationError(f"{value!r} is not a user-defined function",
                          hint="decorate it with @udf(result_type=...) (or @udtf / @udaf)")


__all__ = [
    "AggregateFunction",
    "FunctionContext",
    "ScalarFunction",
    "TableAggregateFunction",
    "TableFunction",
    "UserDefinedFunction",
    "UserDefinedFunctionWrapper",
    "udaf",
    "udf",
    "udtaf",
    "udtf",
]
