"""CAST and TRY_CAST between Flink types, as DuckDB SQL, with Flink's semantics.

Where DuckDB and Flink differ, the translation bridges it (each rule observed on Flink 2.3):
  - numbers to integers follow Java's narrowing: fractions truncate toward zero, an integer too
    big for the target wraps around (``CAST(300 AS TINYINT)`` is 44), a floating value saturates
    at the INT/BIGINT range first; none of these is an error;
  - strings to numbers ignore surrounding blanks, and to an integer cut off a fraction ('1.5' → 1);
  - strings to BOOLEAN accept true/t/yes/y/1 and false/f/no/n/0 in any case; numbers are TRUE when
    non-zero; BOOLEAN to string is 'TRUE'/'FALSE';
  - DOUBLE/FLOAT to string is Java's ``Double.toString`` ('1.0E10', '1.0E-4', '1.5');
  - a timestamp to string keeps its declared fractional digits (``2024-01-01 10:00:00.000`` for
    TIMESTAMP(3)); lowering a timestamp's precision truncates;
  - DECIMAL rounds HALF_UP; a value too big for the DECIMAL is an error (CAST) or NULL (TRY_CAST);
  - CHAR(n) pads and VARCHAR(n) truncates to the declared length.
Every failure of CAST is an error, of TRY_CAST a NULL.
"""

from __future__ import annotations

from flowsql.common.types import DataType

_INT_BITS = {"TINYINT": 8, "SMALLINT": 16, "INT": 32, "BIGINT": 64}
_TRUE_TEXT = "('t', 'true', 'y', 'yes', '1')"
_FALSE_TEXT = "('f', 'false', 'n', 'no', '0')"


def _fail(message: str, try_cast: bool, duck: str) -> str:
    return f"CAST(NULL AS {duck})" if try_cast else f"CAST(error('{message}') AS {duck})"


def _wrap(sql: str, bits: int, duck: str) -> str:
    """Two's-complement wrap of an integer value (HUGEINT-safe) to ``bits`` bits, like Java's cast."""
    modulus = 1 << bits
    m = f"(CAST({sql} AS HUGEINT) & {modulus - 1})"
    return f"CAST(CASE WHEN {m} >= {modulus >> 1} THEN {m} - {modulus} ELSE {m} END AS {duck})"


def _to_integer(arg: str, source: DataType, target: DataType, fn: str, try_cast: bool) -> str:
    duck, bits = target.to_duckdb(), _INT_BITS[target.name]
    if source.is_integer:
        if _INT_BITS[source.name] <= bits:
            return f"CAST({arg} AS {duck})"
        return _wrap(arg, bits, duck)
    if source.name in ("FLOAT", "DOUBLE"):
        limit = 63 if bits == 64 else 31
        high, low = (1 << limit) - 1, -(1 << limit)
        saturated = (f"CASE WHEN isnan({arg}) THEN 0 WHEN {arg} >= {high} THEN {high} "
                     f"WHEN {arg} <= {low} THEN {low} ELSE CAST(trunc({arg}) AS BIGINT) END")
        return _wrap(saturated, bits, duck) if bits < 32 else f"CAST({saturated} AS {duck})"
    if source.name == "DECIMAL":
        as_long = _wrap(f"trunc({arg})", 64, "BIGINT")
        return as_long if bits == 64 else _wrap(as_long, bits, duck)
    if source.name == "BOOLEAN":
        return f"CAST({arg} AS {duck})"
    if source.is_string:
        text = f"regexp_replace(trim({arg}), '^([+-]?[0-9]+)\\.[0-9]*$', '\\1')"
        return f"{fn}({text} AS {duck})"
    return f"{fn}({arg} AS {duck})"


def _to_boolean(arg: str, source: DataType, try_cast: bool) -> str:
    if source.is_string:
        text = f"lower({arg})"
        return (f"CASE WHEN {arg} IS NULL THEN NULL WHEN {text} IN {_TRUE_TEXT} THEN TRUE "
                f"WHEN {text} IN {_FALSE_TEXT} THEN FALSE "
                f"ELSE {_fail('cannot cast the string to BOOLEAN', try_cast, 'BOOLEAN')} END")
    if source.is_numeric:
        return f"({arg} <> 0)"
    return f"{'TRY_CAST' if try_cast else 'CAST'}({arg} AS BOOLEAN)"


def java_double_text(arg: str) -> str:
    """Java's Double.toString: plain in [1e-3, 1e7), else d.dddE±n; shortest digits (DuckDB's)."""
    text = f"CAST(abs({arg}) AS VARCHAR)"
    # Digits and decimal exponent of DuckDB's shortest text, which is plain or 'd.ddde-XX'.
    mantissa = f"regexp_extract({text}, '^([0-9.]+)', 1)"
    exp_part = f"coalesce(TRY_CAST(regexp_extract({text}, 'e([+-]?[0-9]+)$', 1) AS INTEGER), 0)"
    int_digits = f"length(split_part({mantissa}, '.', 1))"
    all_digits = f"replace({mantissa}, '.', '')"
    lead_zeros = f"(length({all_digits}) - length(ltrim({all_digits}, '0')))"
    digits = f"rtrim(ltrim({all_digits}, '0'), '0')"
    exponent = f"({int_digits} - {lead_zeros} - 1 + {exp_part})"
    scientific = (f"left({digits}, 1) || '.' || coalesce(nullif(substr({digits}, 2), ''), '0') || 'E' "
                  f"|| CAST({exponent} AS VARCHAR)")
    plain = f"CASE WHEN {text} LIKE '%.%' THEN {text} ELSE {text} || '.0' END"
    sign = f"CASE WHEN {arg} < 0 OR (({arg}) = 0 AND CAST({arg} AS VARCHAR) LIKE '-%') THEN '-' ELSE '' END"
    return (f"CASE WHEN {arg} IS NULL THEN NULL WHEN isnan({arg}) THEN 'NaN' "
            f"WHEN isinf({arg}) THEN {sign} || 'Infinity' WHEN {arg} = 0 THEN {sign} || '0.0' "
            f"WHEN abs({arg}) >= 0.001 AND abs({arg}) < 10000000 THEN {sign} || {plain} "
            f"ELSE {sign} || {scientific} END")


def _timestamp_text(arg: str, source: DataType) -> str:
    p = source.precision or 0
    fmt = "%Y-%m-%d %H:%M:%S" + (f".%{'g' if p <= 3 else 'f' if p <= 6 else 'n'}" if p else "")
    text = f"strftime({arg}, '{fmt}')"
    if p not in (0, 3, 6, 9):
        text = f"substr({text}, 1, {20 + p})"
    return text


def _truncate_timestamp(sql: str, precision: int) -> str:
    unit = "second" if precision == 0 else "millisecond" if precision <= 3 else "microsecond"
    return sql if precision > 6 else f"date_trunc('{unit}', {sql})"


def _to_string(arg: str, source: DataType, fn: str) -> str:
    if source.is_timestamp:
        return _timestamp_text(arg, source)
    if source.name == "BOOLEAN":
        return f"CASE WHEN {arg} IS NULL THEN NULL WHEN {arg} THEN 'TRUE' ELSE 'FALSE' END"
    if source.name in ("DOUBLE", "FLOAT"):
        return java_double_text(arg)
    if source.name in ("BINARY", "VARBINARY"):
        return f"decode({arg})"
    return f"{fn}({arg} AS VARCHAR)"


def cast_sql(arg: str, source: DataType, target: DataType, try_cast: bool = False) -> str:
    fn = "TRY_CAST" if try_cast else "CAST"
    duck = target.to_duckdb()
    if source.name == "NULL":
        return f"CAST(NULL AS {duck})"
    if target.is_integer:
        return _to_integer(arg, source, target, fn, try_cast)
    if target.name == "BOOLEAN":
        return _to_boolean(arg, source, try_cast)
    if target.is_string:
        text = arg if source.is_string else _to_string(arg, source, fn)
        if target.name == "CHAR" and target.length:
            return f"rpad({text}, {target.length}, ' ')"
        if target.length and target.length < 2147483647:
            return f"left({text}, {target.length})"
        return text
    if target.name in ("BINARY", "VARBINARY") and source.is_string:
        return f"encode({arg})"
    if source.is_string and (target.is_numeric or target.is_temporal):
        arg = f"trim({arg})"
    if target.is_timestamp:
        p = 6 if target.precision is None else target.precision
        wide = "TIMESTAMPTZ" if target.name == "TIMESTAMP_LTZ" else "TIMESTAMP_NS" if p > 6 else "TIMESTAMP"
        value = f"{fn}({arg} AS {wide})"
        return f"CAST({_truncate_timestamp(value, p)} AS {duck})"
    return f"{fn}({arg} AS {duck})"
