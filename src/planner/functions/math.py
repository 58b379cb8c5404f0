"""Numeric functions of Flink SQL, translated to DuckDB.

Flink computes floating-point functions with ``java.lang.Math``: out-of-domain input gives NaN or
an infinity rather than an error, and ``ROUND``/``TRUNCATE`` of a DOUBLE go through its decimal
text (``BigDecimal.valueOf``), so ``ROUND(1.005, 2)`` is 1.01. DECIMAL results keep Flink's
precision and scale rules and round HALF_UP.
"""

from __future__ import annotations

from flowsql.common.errors import ValidationError
from flowsql.common.types import DECIMAL, DOUBLE, INT, DataType, as_decimal, common_type
from flowsql.planner.functions._types import (
    any_nullable,
    expect,
    expect_all,
    is_integerish,
    is_numericish,
    literal,
    returns,
    type_name,
)
from flowsql.planner.functions.registry import scalar

_NUMBER = "a number"


def _numbers(fn: str):
    """infer: DOUBLE from numeric arguments."""

    def infer(types, exprs):
        expect_all(fn, types, is_numericish, _NUMBER)
        return DOUBLE(any_nullable(types))

    return infer


def _same_numeric(fn: str):
    def infer(types, exprs):
        expect_all(fn, types, is_numericish, _NUMBER)
        t = types[0]
        return (DOUBLE() if t.name == "NULL" else t.without_time_attribute()).with_nullable(any_nullable(types))

    return infer


def _double(sql: str) -> str:
    return f"CAST({sql} AS DOUBLE)"


@scalar("ABS", infer=_same_numeric("ABS"), min_args=1, max_args=1, category="math", signature="ABS(numeric)",
        description="Absolute value, of the argument's type.")
def _abs(a, t, r, e):
    return f"CAST(abs({a[0]}) AS {r.to_duckdb()})"


def _mod_infer(types, exprs) -> DataType:
    expect_all("MOD", types, is_numericish, _NUMBER)
    x, y = types
    nullable = any_nullable(types)
    if x.name == "NULL" or y.name == "NULL":
        other = y if x.name == "NULL" else x
        return (INT() if other.name == "NULL" else other).with_nullable(True)
    if x.name in ("FLOAT", "DOUBLE") or y.name in ("FLOAT", "DOUBLE"):
        return DOUBLE(nullable)
    if x.name == "DECIMAL" or y.name == "DECIMAL":
        dx, dy = as_decimal(x), as_decimal(y)
        scale = max(dx.scale, dy.scale)
        precision = min(dx.precision - dx.scale, dy.precision - dy.scale) + scale
        return DECIMAL(min(38, precision), min(scale, 38), nullable)
    # Flink types an integer MOD by its divisor: the remainder is smaller than it.
    return y.with_nullable(nullable)


@scalar("MOD", infer=_mod_infer, min_args=2, max_args=2, category="math", signature="MOD(numeric1, numeric2)",
        description="Remainder of numeric1 divided by numeric2, with the sign of numeric1.")
def _mod(a, t, r, e):
    if r.name == "DOUBLE":
        return f"fmod({_double(a[0])}, {_double(a[1])})"
    return f"CAST(({a[0]}) % ({a[1]}) AS {r.to_duckdb()})"


@scalar("POWER", "POW", infer=_numbers("POWER"), min_args=2, max_args=2, category="math",
        signature="POWER(base, exponent)", description="base raised to exponent, as DOUBLE.")
def _power(a, t, r, e):
    return f"pow({_double(a[0])}, {_double(a[1])})"


def _unary_double(name: str, duck: str, description: str) -> None:
    scalar(name, infer=_numbers(name), min_args=1, max_args=1, category="math",
           signature=f"{name}(numeric)", description=description)(
        lambda a, t, r, e: f"{duck}({_double(a[0])})")


_unary_double("SQRT", "sqrt", "Square root (NaN for a negative number).")
_unary_double("EXP", "exp", "e raised to the argument.")
_unary_double("LN", "ln", "Natural logarithm (NaN for a negative number, -Infinity for 0).")
_unary_double("LOG10", "log10", "Base-10 logarithm.")
_unary_double("LOG2", "log2", "Base-2 logarithm.")
_unary_double("SIN", "sin", "Sine.")
_unary_double("COS", "cos", "Cosine.")
_unary_double("TAN", "tan", "Tangent.")
_unary_double("COT", "cot", "Cotangent.")
_unary_double("ASIN", "asin", "Arc sine (NaN outside [-1, 1]).")
_unary_double("ACOS", "acos", "Arc cosine (NaN outside [-1, 1]).")
_unary_double("ATAN", "atan", "Arc tangent.")
_unary_double("SINH", "sinh", "Hyperbolic sine.")
_unary_double("COSH", "cosh", "Hyperbolic cosine.")
_unary_double("TANH", "tanh", "Hyperbolic tangent.")
_unary_double("DEGREES", "degrees", "Radians converted to degrees.")
_unary_double("RADIANS", "radians", "Degrees converted to radians.")


@scalar("LOG", infer=_numbers("LOG"), min_args=1, max_args=2, category="math", signature="LOG([base,] numeric)",
        description="Natural logarithm, or the logarithm to the given base.")
def _log(a, t, r, e):
    if len(a) == 1:
        return f"ln({_double(a[0])})"
    return f"(ln({_double(a[1])}) / ln({_double(a[0])}))"


@scalar("ATAN2", infer=_numbers("ATAN2"), min_args=2, max_args=2, category="math",
        signature="ATAN2(y, x)", description="Arc tangent of y / x, in the quadrant of (x, y).")
def _atan2(a, t, r, e):
    return f"atan2({_double(a[0])}, {_double(a[1])})"


@scalar("PI", infer=returns(DOUBLE, not_null=True), min_args=0, max_args=0, category="math",
        signature="PI()", description="The constant π.")
def _pi(a, t, r, e):
    return "pi()"


@scalar("E", infer=returns(DOUBLE, not_null=True), min_args=0, max_args=0, category="math",
        signature="E()", description="The constant e.")
def _e(a, t, r, e):
    return "exp(1.0)"


@scalar("SIGN", infer=_same_numeric("SIGN"), min_args=1, max_args=1, category="math", signature="SIGN(numeric)",
        description="-1, 0 or 1 by the sign of the argument, of the argument's type.")
def _sign(a, t, r, e):
    return f"CAST(sign({a[0]}) AS {r.to_duckdb()})"


# -- rounding ---------------------------------------------------------------------------------

def _ceil_floor_infer(fn: str):
    def infer(types, exprs):
        from flowsql.planner.functions.temporal import floor_ceil_time_infer

        if len(types) == 2 or types[0].is_temporal:
            return floor_ceil_time_infer(fn, types, exprs)
        expect_all(fn, types, is_numericish, _NUMBER)
        t = types[0]
        if t.name == "DECIMAL":
            # Flink keeps the precision and drops the scale (observed: DECIMAL(10, 3) → DECIMAL(10, 0)).
            return DECIMAL(t.precision, 0, t.nullable)
        return (DOUBLE() if t.name == "NULL" else t.without_time_attribute()).with_nullable(t.nullable)

    return infer


@scalar("CEIL", "CEILING", infer=_ceil_floor_infer("CEIL"), min_args=1, max_args=2, category="math",
        signature="CEIL(numeric) | CEIL(timepoint TO unit)",
        description="Smallest integral value not less than the argument; with a unit, the time rounded up.")
def _ceil(a, t, r, e):
    if len(a) == 2 or t[0].is_temporal:
        from flowsql.planner.functions.temporal import ceil_time_sql

        return ceil_time_sql(a, t, r, e)
    return f"CAST(ceil({a[0]}) AS {r.to_duckdb()})"


@scalar("FLOOR", infer=_ceil_floor_infer("FLOOR"), min_args=1, max_args=2, category="math",
        signature="FLOOR(numeric) | FLOOR(timepoint TO unit)",
        description="Largest integral value not greater than the argument; with a unit, the time rounded down.")
def _floor(a, t, r, e):
    if len(a) == 2 or t[0].is_temporal:
        from flowsql.planner.functions.temporal import floor_time_sql

        return floor_time_sql(a, t, r, e)
    return f"CAST(floor({a[0]}) AS {r.to_duckdb()})"


def _round_infer(fn: str):
    def infer(types, exprs):
        expect(fn, types, 0, is_numericish, _NUMBER)
        expect(fn, types, 1, is_integerish, "an integer")
        t = types[0]
        nullable = any_nullable(types)
        if t.name == "NULL":
            return DOUBLE(True)
        if t.name != "DECIMAL":
            return t.without_time_attribute().with_nullable(nullable)
        digits = _digits(fn, exprs)
        if digits >= t.scale:
            return t.with_nullable(nullable)
        if digits < 0:
            return DECIMAL(min(38, 1 + t.precision - t.scale), 0, nullable)
        # Rounding may carry into a new digit: Flink adds one to the precision.
        return DECIMAL(min(38, 1 + t.precision - t.scale + digits), digits, nullable)

    return infer


def _digits(fn: str, exprs) -> int:
    if len(exprs) < 2:
        return 0
    is_lit, value = literal(exprs, 1)
    if not is_lit or not isinstance(value, int):
        raise ValidationError(f"function {fn} of a DECIMAL expects the number of digits as an integer literal",
                              hint=f"write e.g. {fn}(x, 2)")
    return value


def _via_decimal_text(fn_sql: str, x: str) -> str:
    """Apply a DECIMAL rounding to a DOUBLE through its shortest decimal text, like BigDecimal.valueOf."""
    exact = f"TRY_CAST(CAST({x} AS VARCHAR) AS DECIMAL(38, 18))"
    return (f"CASE WHEN isfinite({x}) AND abs({x}) < 1e19 THEN CAST({fn_sql.format(exact)} AS DOUBLE) "
            f"ELSE {x} END")


@scalar("ROUND", infer=_round_infer("ROUND"), min_args=1, max_args=2, category="math",
        signature="ROUND(numeric [, digits])",
        description="The number rounded HALF_UP to digits decimal places (default 0; negative rounds "
                    "to tens, hundreds, ...).")
def _round(a, t, r, e):
    digits = a[1] if len(a) > 1 else "0"
    x = t[0]
    if x.name == "DECIMAL":
        return f"CAST(round({a[0]}, {_digits('ROUND', e)}) AS {r.to_duckdb()})"
    if x.is_integer:
        return f"CAST(round(CAST({a[0]} AS DECIMAL(38, 0)), CAST({digits} AS INTEGER)) AS {r.to_duckdb()})"
    value = f"CAST({a[0]} AS DOUBLE)"
    fn_sql = "round({}, CAST(" + digits + " AS INTEGER))"
    return f"CAST({_via_decimal_text(fn_sql, value)} AS {r.to_duckdb()})"


@scalar("TRUNCATE", infer=_round_infer("TRUNCATE"), min_args=1, max_args=2, category="math",
        signature="TRUNCATE(numeric [, digits])",
        description="The number cut (toward zero) to digits decimal places (default 0).")
def _truncate(a, t, r, e):
    x = t[0]
    if x.name == "DECIMAL":
        d = _digits("TRUNCATE", e)
        if d >= 0:
            return f"CAST(trunc({a[0]}, {d}) AS {r.to_duckdb()})"
        scale = 10 ** -d
        return f"CAST(trunc({a[0]} / {scale}) * {scale} AS {r.to_duckdb()})"
    digits = f"CAST({a[1]} AS INTEGER)" if len(a) > 1 else "0"
    if x.is_integer:
        return (f"CAST(CASE WHEN {digits} >= 0 THEN {a[0]} ELSE "
                f"trunc({a[0]} / pow(10, -{digits})) * pow(10, -{digits}) END AS {r.to_duckdb()})")
    value = f"CAST({a[0]} AS DOUBLE)"
    fn_sql = ("CASE WHEN " + digits + " >= 0 THEN trunc({0}, " + digits + ") ELSE trunc({0} / pow(10, -"
              + digits + ")::DECIMAL(38, 0)) * pow(10, -" + digits + ")::DECIMAL(38, 0) END")
    exact = f"TRY_CAST(CAST({value} AS VARCHAR) AS DECIMAL(38, 18))"
    return (f"CAST(CASE WHEN isfinite({value}) AND abs({value}) < 1e19 "
            f"THEN CAST({fn_sql.format(exact)} AS DOUBLE) ELSE {value} END AS {r.to_duckdb()})")


# -- random -------------------------------------------------------------------------------

def _rand_infer(types, exprs) -> DataType:
    expect_all("RAND", types, is_integerish, "an integer seed")
    return DOUBLE(any_nullable(types))


@scalar("RAND", infer=_rand_infer, min_args=0, max_args=1, deterministic=False, category="math",
        signature="RAND([seed])", description="A pseudo-random DOUBLE in [0, 1).")
def _rand(a, t, r, e):
    # A seed cannot reproduce Java's per-task sequence in DuckDB; it only makes NULL seeds NULL.
    if a:
        return f"CASE WHEN {a[0]} IS NOT NULL THEN random() END"
    return "random()"


def _rand_integer_infer(types, exprs) -> DataType:
    expect_all("RAND_INTEGER", types, is_integerish, "an integer")
    return INT(any_nullable(types))


@scalar("RAND_INTEGER", infer=_rand_integer_infer, min_args=1, max_args=2, deterministic=False,
        category="math", signature="RAND_INTEGER([seed,] bound)",
        description="A pseudo-random INT in [0, bound).")
def _rand_integer(a, t, r, e):
    bound = a[-1]
    seed_check = f"{a[0]} IS NOT NULL AND " if len(a) == 2 else ""
    return f"CASE WHEN {seed_check}{bound} IS NOT NULL THEN CAST(floor(random() * {bound}) AS INTEGER) END"


# -- GREATEST / LEAST -------------------------------------------------------------------------

def _extreme_infer(fn: str):
    def infer(types, exprs):
        common = common_type(list(types))
        if common is None:
            raise ValidationError(f"function {fn} expects arguments of comparable types, found "
                                  + ", ".join(type_name(x) for x in types),
                                  hint="CAST the arguments to one type")
        return common

    return infer


def _extreme(duck: str):
    def translate(a, t, r, e):
        target = r.to_duckdb()
        args = ", ".join(f"CAST({x} AS {target})" for x in a)
        # DuckDB's greatest/least skip NULLs; Flink's return NULL when any argument is NULL.
        any_null = " OR ".join(f"{x} IS NULL" for x, xt in zip(a, t) if xt.nullable)
        body = f"{duck}({args})"
        return f"CASE WHEN {any_null} THEN NULL ELSE {body} END" if any_null else body

    return translate


scalar("GREATEST", infer=_extreme_infer("GREATEST"), min_args=1, category="conditional",
       signature="GREATEST(value1, value2, ...)",
       description="The greatest argument; NULL if any argument is NULL.")(_extreme("greatest"))
scalar("LEAST", infer=_extreme_infer("LEAST"), min_args=1, category="conditional",
       signature="LEAST(value1, value2, ...)",
       description="The least argument; NULL if any argument is NULL.")(_extreme("least"))
