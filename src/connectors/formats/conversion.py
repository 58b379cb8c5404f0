"""Vectorized conversions between text and Flink-typed Arrow arrays, shared by the text formats.

Reading: a format parses what Arrow parses natively and hands the rest to ``conform`` (strings to
decimals, times, LTZ timestamps, base64 bytes, delimited arrays). Writing: ``render_text`` turns
temporal columns into the SQL-standard text Flink's csv and json formats write
(``2024-01-01 10:00:00.12``: seconds always, fraction only as long as needed).
"""

from __future__ import annotations

import base64
import binascii

import pyarrow as pa
import pyarrow.compute as pc
from flowsql.common.types import DataType

_UNIT_DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}


def decimal_read_type(t: DataType) -> pa.Decimal128Type:
    """A wide decimal that holds the text exactly (up to 10 extra fraction digits) before rounding."""
    p, s = t.precision or 10, t.scale or 0
    return pa.decimal128(38, min(s + 10, 38 - (p - s)))


def conform(array: pa.Array | pa.ChunkedArray, t: DataType, array_delimiter: str = ";") -> pa.Array:
    """Cast a parsed column to the Arrow type of ``t``; raises ``pa.ArrowInvalid`` on bad values."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    target = t.to_arrow()
    if array.type == target:
        return array
    if pa.types.is_null(array.type):
        return pa.nulls(len(array), target)
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return from_strings(array, t, array_delimiter)
    if t.name == "DECIMAL":
        return _round_decimal(array, t)
    if t.is_timestamp and pa.types.is_timestamp(array.type):
        naive = array if array.type.tz is None else array.cast(pa.timestamp(array.type.unit))
        return naive.cast(target, safe=False)
    if t.name == "TIME" and pa.types.is_time(array.type):
        return array.cast(target, safe=False)
    if t.name in ("ARRAY", "MULTISET") and pa.types.is_list(array.type):
        values = conform(array.flatten(), t.children[0], array_delimiter)
        return pa.ListArray.from_arrays(_list_offsets(array), values, type=target)
    if t.name == "ROW" and pa.types.is_struct(array.type):
        children = [conform(array.field(i), child, array_delimiter) for i, child in enumerate(t.children)]
        return pa.StructArray.from_arrays(children, fields=list(target), mask=array.is_null())
    if pa.types.is_floating(array.type) and t.is_integer:
        raise pa.ArrowInvalid(f"a fractional number is not a valid {t.sql(False)}")
    return array.cast(target)


def from_strings(array: pa.Array, t: DataType, array_delimiter: str = ";") -> pa.Array:
    """Parse text (as Flink's csv/json formats read it) into ``t``; ``pa.ArrowInvalid`` on bad values."""
    n = t.name
    target = t.to_arrow()
    if t.is_string:
        return array.cast(target)
    if n not in ("BINARY", "VARBINARY"):
        # Flink reads an empty field of a non-string type as NULL.
        array = pc.utf8_trim_whitespace(array)
        array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
    if n in ("TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE"):
        return array.cast(target)
    if n == "BOOLEAN":
        return pc.utf8_lower(array).cast(target)
    if n == "DECIMAL":
        return _round_decimal(array.cast(decimal_read_type(t)), t)
    if n == "DATE":
        return array.cast(target)
    if n == "TIME":
        stamped = pc.binary_join_element_wise("1970-01-01 ", array, "")
        return stamped.cast(pa.timestamp("ns")).cast(target, safe=False)
    if n in ("TIMESTAMP", "TIMESTAMP_LTZ"):
        # Flink writes LTZ values with a trailing 'Z'; both spellings (' ' or 'T') are accepted.
        text = pc.replace_substring_regex(array, pattern="Z$", replacement="")
        return text.cast(pa.timestamp("ns")).cast(target, safe=False)
    if n in ("BINARY", "VARBINARY"):
        # Base64 has no Arrow kernel; this per-value loop runs only for BYTES columns of text formats.
        try:
            return pa.array([None if v is None else base64.b64decode(v, validate=True)
                             for v in array.to_pylist()], pa.binary())
        except (binascii.Error, ValueError) as e:
            raise pa.ArrowInvalid(f"invalid base64 text: {e}") from None
    if n in ("ARRAY", "MULTISET"):
        parts = pc.split_pattern(array, pattern=array_delimiter)
        values = from_strings(parts.flatten(), t.children[0], array_delimiter)
        return pa.ListArray.from_arrays(_list_offsets(parts), values, type=target)
    raise pa.ArrowNotImplementedError(f"cannot read {t.sql(False)} from text")


def _list_offsets(array: pa.ListArray) -> pa.Array:
    """Offsets with nulls where the list is null (so ``from_arrays`` keeps null lists null)."""
    offsets = array.offsets
    if array.null_count == 0:
        return offsets
    mask = pa.concat_arrays([array.is_null(), pa.array([False])])
    return pc.if_else(mask, pa.scalar(None, offsets.type), offsets)


def _round_decimal(array: pa.Array, t: DataType) -> pa.Array:
    """Round half away from zero to the declared scale (as Flink's DecimalData does), then fit it."""
    if pa.types.is_decimal(array.type) and array.type.scale > (t.scale or 0):
        array = pc.round(array, ndigits=t.scale or 0, round_mode="half_towards_infinity")
    return array.cast(t.to_arrow())


# -- writing ------------------------------------------------------------------------------

def render_timestamp(array: pa.Array, separator: str = " ", suffix: str = "") -> pa.Array:
    """``2024-01-01 10:00:00`` plus the fraction without trailing zeros (Flink's SQL format)."""
    naive = array.cast(pa.timestamp(array.type.unit)) if array.type.tz else array
    return _render(naive, f"%Y-%m-%d{separator}%H:%M:%S", suffix)


def render_time(array: pa.Array) -> pa.Array:
    """``10:00:01.5``: a TIME value with the fraction only as long as needed."""
    nanos = array.cast(pa.time64("ns")).cast(pa.int64())
    return _render(nanos.cast(pa.timestamp("ns")), "%H:%M:%S", "")


def _render(stamps: pa.Array, fmt: str, suffix: str) -> pa.Array:
    unit = stamps.type.unit
    floored = pc.floor_temporal(stamps, unit="second")
    seconds = pc.strftime(floored.cast(pa.timestamp("s")), format=fmt)
    digits = _UNIT_DIGITS[unit]
    if digits == 0:
        return pc.binary_join_element_wise(seconds, suffix, "") if suffix else seconds
    frac = pc.subtract(stamps.cast(pa.int64()), floored.cast(pa.int64()))
    padded = pc.utf8_lpad(frac.cast(pa.string()), width=digits, padding="0")
    trimmed = pc.utf8_rtrim(padded, characters="0")
    with_dot = pc.if_else(pc.equal(frac, 0), "", pc.binary_join_element_wise(".", trimmed, ""))
    return pc.binary_join_element_wise(seconds, with_dot, suffix, "")


def render_text(array: pa.Array, t: DataType, timestamp_standard: str = "SQL") -> pa.Array:
    """Temporal columns as Flink's text formats write them; other columns unchanged."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    iso = timestamp_standard.upper() == "ISO-8601"
    if t.name == "TIMESTAMP":
        return render_timestamp(array, "T" if iso else " ")
    if t.name == "TIMESTAMP_LTZ":
        return render_timestamp(array, "T" if iso else " ", "Z")
    if t.name == "TIME":
        return render_time(array)
    if t.name == "DATE":
        return array.cast(pa.string())
    return array
