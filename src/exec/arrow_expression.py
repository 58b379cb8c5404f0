"""Evaluate simple projections and filters with Arrow compute kernels instead of a DuckDB query.

A DuckDB query over a registered batch costs 2-5 ms of fixed overhead (registration, parsing,
binding), more than the work itself for the column selections, comparisons and decimal arithmetic
that most Calcs do (TPC-H's filters and ``price * (1 - discount)``). ``compile_program`` turns such
expressions into Arrow kernels, and gives up (returns None) on anything else, which then runs
through DuckDB as before. Only operations whose Arrow result is exactly DuckDB's are accepted:

- comparisons of like types (not floats: NaN orders differently), AND/OR/NOT with SQL's three-valued logic, IS [NOT] NULL, [NOT] IN of
  a list, [NOT] BETWEEN, [NOT] LIKE with a constant pattern without escapes, CASE;
- +, - and * on integers (overflow-checked) and decimals whose result scale is the exact one (no
  rounding), numeric CASTs (checked: a lossy cast raises, and the batch then goes to DuckDB);
- constant subexpressions (``CAST('1995-03-15' AS DATE) + INTERVAL '3' MONTH``) computed once by
  DuckDB at compile time.

A kernel error on a batch (an overflow, a lossy cast) makes the caller evaluate that batch with
DuckDB, which raises the error SQL defines or computes what SQL defines.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
from flowsql.common.types import DataType
from flowsql.planner.expressions import Call, Expr, InputRef, Literal

Value = pa.ChunkedArray | pa.Array | pa.Scalar
Kernel = Callable[[pa.Table], Value]

_COMPARE = {"=": pc.equal, "<>": pc.not_equal, "<": pc.less, "<=": pc.less_equal, ">": pc.greater,
            ">=": pc.greater_equal}
_ARITH = {"+": pc.add_checked, "-": pc.subtract_checked, "*": pc.multiply_checked}
_CONSTANT_OPS = {"CAST", "+", "-", "*", "NEG"}  # deterministic: folded once at compile time
_EXACT = {"TINYINT", "SMALLINT", "INT", "BIGINT", "DECIMAL"}
_LITERAL_TYPES = {"BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "DOUBLE", "CHAR", "VARCHAR", "DECIMAL",
                  "DATE"}


class Unsupported(Exception):
    """The expression needs DuckDB."""


class ArrowProgram:
    """A filter and projections as Arrow kernels over a batch whose columns are ``_0, _1, ...``."""

    def __init__(self, projections: list[Kernel], condition: Kernel | None, extra_columns: list[str]) -> None:
        self.projections = projections
        self.condition = condition
        self.extra_columns = extra_columns

    def evaluate(self, table: pa.Table) -> pa.Table:
        if self.condition is not None:
            mask = self.condition(table)
            if isinstance(mask, pa.Scalar):
                mask = pa.repeat(mask, table.num_rows)
            table = table.filter(mask)  # NULL drops the row, as WHERE does
        n = table.num_rows
        columns = []
        for kernel in self.projections:
            value = kernel(table)
            columns.append(pa.repeat(value, n) if isinstance(value, pa.Scalar) else value)
        columns += [table.column(c) for c in self.extra_columns]
        return pa.Table.from_arrays(columns, names=[f"c{i}" for i in range(len(columns))])


def compile_program(projections: list[Expr], condition: Expr | None, input_schema: pa.Schema,
                    extra_columns: list[str], constant: Callable[[Expr], pa.Scalar]) -> ArrowProgram | None:
    """The Arrow program for these expressions over ``input_schema``, or None where one needs DuckDB.
    ``constant`` evaluates a constant expression (with DuckDB); the program is tried once on an
    empty batch, so type errors show here rather than on data."""
    try:
        compiler = _Compiler(constant)
        program = ArrowProgram([compiler.compile(p) for p in projections],
                               compiler.compile(condition) if condition is not None else None, list(extra_columns))
        program.evaluate(input_schema.empty_table())
        return program
    except (Unsupported, pa.ArrowException, TypeError, ValueError, OverflowError):
        return None


def _family(t: pa.DataType) -> str:
    if pa.types.is_integer(t) or pa.types.is_decimal(t):
        return "exact"
    for name, test in (("float", pa.types.is_floating), ("string", pa.types.is_string),
                       ("date", pa.types.is_date32), ("bool", pa.types.is_boolean)):
        if test(t):
            return name
    return str(t)


class _Compiler:
    def __init__(self, constant: Callable[[Expr], pa.Scalar]) -> None:
        self.constant = constant

    def compile(self, e: Expr) -> Kernel:
        if isinstance(e, InputRef):
            name = f"_{e.index}"
            return lambda table: table.column(name)
        if isinstance(e, Literal) or _is_constant(e):
            scalar = self._scalar(e)
            return lambda table: scalar
        if not isinstance(e, Call):
            raise Unsupported(repr(e))
        op = e.op
        args = [self.compile(a) for a in e.operands]
        types = [a.type.to_arrow() for a in e.operands]
        if op in _COMPARE:
            # Not floats: DuckDB orders NaN above every number and equal to itself, IEEE does not.
            if _family(types[0]) != _family(types[1]) or _family(types[0]) not in ("exact", "string", "date", "bool"):
                raise Unsupported(op)
            fn, (a, b) = _COMPARE[op], args
            return lambda table: fn(a(table), b(table))
        if op in ("AND", "OR"):
            fn = pc.and_kleene if op == "AND" else pc.or_kleene

            def combine(table, fn=fn, args=args):
                result = args[0](table)
                for arg in args[1:]:
                    result = fn(result, arg(table))
                return result
            return combine
        if op == "NOT":
            (a,) = args
            return lambda table: pc.invert(a(table))
        if op in ("IS NULL", "IS NOT NULL"):
            (a,) = args
            fn = pc.is_null if op == "IS NULL" else pc.is_valid
            return lambda table: fn(a(table))
        if op in ("IN", "NOT IN"):
            equals = [self.compile(Call(e.type, "=", (e.operands[0], item))) for item in e.operands[1:]]
            negate = op == "NOT IN"

            def member(table):
                result = equals[0](table)
                for eq in equals[1:]:
                    result = pc.or_kleene(result, eq(table))
                return pc.invert(result) if negate else result
            return member
        if op in ("BETWEEN", "NOT BETWEEN"):
            x, lo, hi = e.operands
            low = self.compile(Call(e.type, ">=", (x, lo)))
            high = self.compile(Call(e.type, "<=", (x, hi)))
            negate = op == "NOT BETWEEN"

            def between(table):
                result = pc.and_kleene(low(table), high(table))
                return pc.invert(result) if negate else result
            return between
        if op in ("LIKE", "NOT LIKE"):
            pattern = e.operands[1]
            if len(e.operands) != 2 or not isinstance(pattern, Literal) or not isinstance(pattern.value, str) \
                    or "\\" in pattern.value or not pa.types.is_string(types[0]):
                raise Unsupported(op)
            a, text, negate = args[0], pattern.value, op == "NOT LIKE"

            def like(table):
                result = pc.match_like(a(table), text)
                return pc.invert(result) if negate else result
            return like
        if op == "CASE":
            return self._case(e, args)
        if op == "CAST":
            return self._coerced(e.operands[0], args[0], e.type)
        if op in _ARITH:
            return self._arithmetic(e, types, args)
        raise Unsupported(op)

    def _scalar(self, e: Expr) -> pa.Scalar:
        target = e.type.to_arrow()
        if isinstance(e, Literal) and e.type.name in _LITERAL_TYPES:
            return pa.scalar(e.value, target)
        if e.type.name not in _LITERAL_TYPES:
            raise Unsupported(f"constant of type {e.type}")
        value = self.constant(e)
        if value.type != target:
            converted = value.cast(target, safe=False)
            if converted.cast(value.type, safe=False) != value:  # e.g. a timestamp that is not a whole day
                raise Unsupported("inexact constant")
            value = converted
        return value

    def _case(self, e: Call, args: list[Kernel]) -> Kernel:
        target = e.type.to_arrow()
        whens = [(args[2 * i], self._coerced(e.operands[2 * i + 1], args[2 * i + 1], e.type))
                 for i in range(len(args) // 2)]
        otherwise = (self._coerced(e.operands[-1], args[-1], e.type) if len(args) % 2
                     else (lambda table: pa.scalar(None, target)))

        def case(table):
            n = table.num_rows
            result = otherwise(table)
            for when, then in reversed(whens):
                condition = when(table)
                if isinstance(condition, pa.Scalar):
                    condition = pa.repeat(condition, n)
                result = pc.if_else(condition.fill_null(False), then(table), result)
            return result
        return case

    def _coerced(self, e: Expr, kernel: Kernel, target: DataType) -> Kernel:
        """``e`` as a value of ``target``: the same Flink type as is, numbers by a checked Arrow cast;
        other casts (a VARCHAR(n) that truncates, a CHAR that pads, ...) are DuckDB's."""
        source = e.type
        if source.without_time_attribute().with_nullable(True) == target.without_time_attribute().with_nullable(True):
            return kernel
        if source.name not in _EXACT or target.name not in _EXACT:
            raise Unsupported(f"cast {source} -> {target}")
        return self._cast(source.to_arrow(), target.to_arrow(), kernel)

    def _cast(self, source: pa.DataType, target: pa.DataType, kernel: Kernel) -> Kernel:
        if source == target:
            return kernel
        numeric = (pa.types.is_integer, pa.types.is_decimal)  # decimal256 included
        if not (any(f(source) for f in numeric) and any(f(target) for f in numeric)):
            raise Unsupported(f"cast {source} -> {target}")
        if pa.types.is_decimal(source) and pa.types.is_integer(target):
            raise Unsupported("decimal -> integer rounds in SQL")
        return lambda table: pc.cast(kernel(table), target, safe=True)

    def _arithmetic(self, e: Call, types: list[pa.DataType], args: list[Kernel]) -> Kernel:
        target = e.type.to_arrow()
        exact = all(pa.types.is_integer(t) or pa.types.is_decimal(t) for t in types)
        if not exact or not (pa.types.is_integer(target) or pa.types.is_decimal(target)):
            raise Unsupported("non-exact arithmetic")
        if pa.types.is_decimal(target):
            scales = [t.scale if pa.types.is_decimal(t) else 0 for t in types]
            natural = sum(scales) if e.op == "*" else max(scales)
            if target.scale != natural:  # SQL would round to the declared scale
                raise Unsupported("decimal rounding")
        fn, (a, b) = _ARITH[e.op], args
        precision = sum(t.precision if pa.types.is_decimal(t) else 19 for t in types) + 1
        if e.op == "*" and any(pa.types.is_decimal(t) for t in types) and precision > 38:
            # Arrow types a decimal product with p1 + p2 + 1 digits; past 38 it needs 256 bits. The
            # value is the exact product either way, and the cast to the result type checks the range.
            wide = [pa.decimal256(t.precision, t.scale) if pa.types.is_decimal(t) else pa.decimal256(19, 0)
                    for t in types]
            a, b = self._cast(types[0], wide[0], a), self._cast(types[1], wide[1], b)
        return lambda table: pc.cast(fn(a(table), b(table)), target, safe=True)


def _is_constant(e: Expr) -> bool:
    if isinstance(e, Literal):
        return True
    return isinstance(e, Call) and e.op in _CONSTANT_OPS and all(_is_constant(a) for a in e.operands)
