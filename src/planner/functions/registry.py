"""The catalogue of built-in scalar functions: how each is typed and how it runs in DuckDB.

A function is a ``FunctionDef``: its name(s), an arity check, a type-inference rule over the
argument types, and a translation to DuckDB SQL over the already-translated argument SQL. Each
category module (``string``, ``math``, ``temporal``, ...) registers its functions with
``@scalar(...)`` when imported; ``find`` imports them all on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flowsql.common.errors import ValidationError
from flowsql.common.types import DataType

# infer(arg_types, arg_exprs) -> result type.  arg_exprs are planner Exprs (to read literal args).
InferFn = Callable[[Sequence[DataType], Sequence[object]], DataType]
# translate(arg_sql, arg_types, result_type, arg_exprs) -> DuckDB SQL text
TranslateFn = Callable[[Sequence[str], Sequence[DataType], DataType, Sequence[object]], str]


@dataclass(frozen=True)
class FunctionDef:
    name: str
    infer: InferFn
    translate: TranslateFn
    min_args: int = 0
    max_args: int | None = None  # None: any number
    deterministic: bool = True
    category: str = ""
    description: str = ""
    signature: str = ""  # for SHOW FUNCTIONS / completion, e.g. 'SPLIT_INDEX(str, sep, index)'

    def check_arity(self, count: int) -> None:
        if count < self.min_args or (self.max_args is not None and count > self.max_args):
            expected = (
                str(self.min_args) if self.max_args == self.min_args
                else f"at least {self.min_args}" if self.max_args is None
                else f"{self.min_args} to {self.max_args}"
            )
            raise ValidationError(
                f"function {self.name} takes {expected} argument(s), found {count}",
                hint=f"call it as {self.signature}" if self.signature else None,
            )


_FUNCTIONS: dict[str, FunctionDef] = {}
_LOADED = False
CATEGORY_MODULES = ("string", "math", "temporal", "conditional", "json", "collection", "hashing")


def scalar(*names: str, infer: InferFn, min_args: int = 0, max_args: int | None = None,
           deterministic: bool = True, category: str = "", description: str = "",
           signature: str = "") -> Callable[[TranslateFn], TranslateFn]:
    """Decorator registering a translation under one or more names (aliases)."""

    def register(translate: TranslateFn) -> TranslateFn:
        for name in names:
            _FUNCTIONS[name.upper()] = FunctionDef(
                name.upper(), infer, translate, min_args, max_args, deterministic, category,
                description, signature or f"{names[0]}(...)",
            )
        return translate

    return register


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import importlib

    for module in CATEGORY_MODULES:
        try:
            importlib.import_module(f"flowsql.planner.functions.{module}")
        except ModuleNotFoundError as e:
            if e.name != f"flowsql.planner.functions.{module}":
                raise


def find(name: str) -> FunctionDef | None:
    _load()
    return _FUNCTIONS.get(name.upper())


def all_functions() -> list[FunctionDef]:
    _load()
    return sorted(_FUNCTIONS.values(), key=lambda f: f.name)
