"""CAST and TRY_CAST between Flink types, as DuckDB SQL, with Flink's semantics.

Where DuckDB and Flink differ, the translation bridges it: a floating or decimal value cast to an
integer truncates toward zero in Flink (DuckDB rounds); a timestamp cast to a string keeps its
declared fractional digits (``2024-01-01 10:00:00.000`` for TIMESTAMP(3)).
"""

from __future__ import annotations

from flowsql.common.types import DataType


def cast_sql(arg: str, source: DataType, target: DataType, try_cast: bool = False) -> str:
    fn = "TRY_CAST" if try_cast else "CAST"
    duck = target.to_duckdb()
    if source.name == "NULL":
        return f"CAST(NULL AS {duck})"
    if target.is_integer and source.name in ("FLOAT", "DOUBLE", "DECIMAL"):
        return f"{fn}(trunc({arg}) AS {duck})"
    if target.is_string and source.is_timestamp:
        p = source.precision or 0
        fmt = "%Y-%m-%d %H:%M:%S" + (f".%{'g' if p <= 3 else 'f' if p <= 6 else 'n'}" if p else "")
        text = f"strftime({arg}, '{fmt}')"
        if 0 < p < 3 or 3 < p < 6 or 6 < p < 9:
            cut = 20 + p
            text = f"substr({text}, 1, {cut})"
        return text
    if target.is_string and source.name == "BOOLEAN":
        return f"CASE WHEN {arg} IS NULL THEN NULL WHEN {arg} THEN 'TRUE' ELSE 'FALSE' END"
    if target.name == "CHAR" and target.length:
        return f"rpad({fn}({arg} AS VARCHAR), {target.length}, ' ')"
    if target.name == "VARCHAR" and target.length and target.length < 2147483647 and not source.is_string:
        return f"left({fn}({arg} AS VARCHAR), {target.length})"
    if target.name == "BOOLEAN" and source.is_string:
        return f"{fn}(trim({arg}) AS BOOLEAN)"
    if target.is_integer and source.is_string:
        return f"{fn}(trim({arg}) AS {duck})"
    return f"{fn}({arg} AS {duck})"
