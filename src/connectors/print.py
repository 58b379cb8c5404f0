"""The ``print`` connector: a debugging sink writing each change as Flink's ``Row.toString()`` does.

Lines look like ``+I[1, a, 2024-01-01T10:00]`` (with ``'print-identifier' = 'P'``:
``P> +I[...]``): NULL is ``null``, timestamps use Java's ISO form (``LocalDateTime`` drops zero
seconds, ``Instant`` ends in ``Z``), doubles use Java's spelling (``1.0``, ``1.0E10``). Columns are
rendered to text with Arrow kernels, then joined. The output stream is the sink's ``stream``
attribute (stdout or stderr by default), which tests may replace.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import TextIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from flowsql.common.changelog import ChangelogMode
from flowsql.common.changes import ChangeBatch
from flowsql.common.connector import ConnectorContext, ConnectorFactory, TableSink
from flowsql.common.types import DataType
from flowsql.connectors.options import bool_option, check_options

_KINDS = pa.array(["+I", "-U", "+U", "-D"])


class PrintSink(TableSink):
    def __init__(self, context: ConnectorContext) -> None:
        self.columns = [c for c in context.physical_columns if not c.virtual]
        identifier = context.option("print-identifier")
        self.prefix = f"{identifier}> " if identifier else ""
        self.standard_error = bool_option(context, "standard-error", False)
        self.stream: TextIO | None = None  # None: sys.stdout / sys.stderr as they are when writing
        self.rows = 0

    def accepted_changelog_mode(self) -> ChangelogMode:
        return ChangelogMode.retract()

    def write(self, batch: ChangeBatch) -> None:
        if batch.num_rows == 0:
            return
        lines = render_rows(batch, [c.type for c in self.columns], self.prefix)
        stream = self.stream or (sys.stderr if self.standard_error else sys.stdout)
        stream.write("\n".join(lines.to_pylist()) + "\n")
        self.rows += batch.num_rows

    def finish(self) -> None:
        stream = self.stream or (sys.stderr if self.standard_error else sys.stdout)
        stream.flush()

    def describe(self) -> str:
        return "print" + (f" identifier={self.prefix[:-2]}" if self.prefix else "")


def render_rows(batch: ChangeBatch, types: list[DataType], prefix: str = "") -> pa.Array:
    """One ``+I[v1, v2]`` line per row."""
    kinds = _KINDS.take(pa.array(batch.kind_array().astype(np.int32)))
    texts = [render_column(batch.table.column(i), t) for i, t in enumerate(types)]
    body = pc.binary_join_element_wise(*texts, ", ") if texts else pa.repeat(pa.scalar(""), batch.num_rows)
    return pc.binary_join_element_wise(prefix, kinds, "[", body, "]", "")


def render_column(array: pa.Array | pa.ChunkedArray, t: DataType) -> pa.Array:
    """Java's toString of each value, ``null`` for NULL."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    n = t.name
    if n == "TIMESTAMP":
        text = _local_date_time(array)
    elif n == "TIMESTAMP_LTZ":
        text = _instant(array)
    elif n == "TIME":
        text = _local_time(array)
    elif n in ("FLOAT", "DOUBLE", "BINARY", "VARBINARY", "ARRAY", "MULTISET", "MAP", "ROW"):
        # Java's number spelling and nested values have no Arrow kernel; a per-value loop is fine
        # in a debugging sink.
        text = pa.array([None if v is None else java_string(v, t) for v in array.to_pylist()], pa.string())
    else:
        text = array.cast(pa.string())
    return pc.fill_null(text, "null")


def _split_seconds(array: pa.Array) -> tuple[pa.Array, pa.Array]:
    stamps = array.cast(pa.timestamp(array.type.unit)) if getattr(array.type, "tz", None) else array
    stamps = stamps.cast(pa.timestamp("ns"))
    floored = pc.floor_temporal(stamps, unit="second")
    return floored.cast(pa.timestamp("s")), pc.subtract(stamps.cast(pa.int64()), floored.cast(pa.int64()))


def _fraction(nanos: pa.Array) -> pa.Array:
    """Java's nano-of-second: 3, 6 or 9 digits, as few as hold the value; '' when zero."""
    nine = pc.utf8_lpad(nanos.cast(pa.string()), width=9, padding="0")
    digits = pc.if_else(pc.equal(pc.subtract(nanos, pc.multiply(pc.divide(nanos, 1_000_000), 1_000_000)), 0),
                        pc.utf8_slice_codeunits(nine, 0, 3),
                        pc.if_else(pc.equal(pc.subtract(nanos, pc.multiply(pc.divide(nanos, 1000), 1000)), 0),
                                   pc.utf8_slice_codeunits(nine, 0, 6), nine))
    return pc.if_else(pc.equal(nanos, 0), "", pc.binary_join_element_wise(".", digits, ""))


def _minutes_then_seconds(seconds: pa.Array, nanos: pa.Array, date_part: str, always_seconds: bool) -> pa.Array:
    head = pc.strftime(seconds, format=f"{date_part}%H:%M")
    secs = pc.binary_join_element_wise(":", pc.strftime(seconds, format="%S"), _fraction(nanos), "")
    if always_seconds:
        return pc.binary_join_element_wise(head, secs, "")
    whole_minute = pc.and_(pc.equal(pc.second(seconds), 0), pc.equal(nanos, 0))
    return pc.binary_join_element_wise(head, pc.if_else(whole_minute, "", secs), "")


def _local_date_time(array: pa.Array) -> pa.Array:
    seconds, nanos = _split_seconds(array)
    return _minutes_then_seconds(seconds, nanos, "%Y-%m-%dT", False)


def _instant(array: pa.Array) -> pa.Array:
    seconds, nanos = _split_seconds(array)
    return pc.binary_join_element_wise(_minutes_then_seconds(seconds, nanos, "%Y-%m-%dT", True), "Z", "")


def _local_time(array: pa.Array) -> pa.Array:
    nanos = array.cast(pa.time64("ns")).cast(pa.int64()).cast(pa.timestamp("ns"))
    seconds, fraction = _split_seconds(nanos)
    return _minutes_then_seconds(seconds, fraction, "", False)


def java_double(value: float, single: bool = False) -> str:
    """Java's Double.toString / Float.toString: ``1.0``, ``0.001``, ``1.0E7``, ``1.5E-4``, ``NaN``."""
    if np.isnan(value):
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    shortest = str(np.float32(value)) if single else repr(value)
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = format(Decimal(shortest), "f")
        return text if "." in text else text + ".0"
    sign, digits, exponent = Decimal(shortest).as_tuple()
    digits_text = "".join(map(str, digits)).rstrip("0") or "0"
    power = len(digits) + exponent - 1
    mantissa = digits_text[0] + "." + (digits_text[1:] or "0")
    return ("-" if sign else "") + f"{mantissa}E{power}"


def java_string(value, t: DataType) -> str:
    """One value as Java's toString of Flink's external type renders it (nested types included)."""
    if value is None:
        return "null"
    n = t.name
    if n in ("FLOAT", "DOUBLE"):
        return java_double(value, n == "FLOAT")
    if n in ("BINARY", "VARBINARY"):
        return "[" + ", ".join(str(b - 256 if b > 127 else b) for b in value) + "]"
    if n in ("ARRAY", "MULTISET"):
        return "[" + ", ".join(java_string(v, t.children[0]) for v in value) + "]"
    if n == "MAP":
        return "{" + ", ".join(f"{java_string(k, t.children[0])}={java_string(v, t.children[1])}"
                               for k, v in value) + "}"
    if n == "ROW":
        return "+I[" + ", ".join(java_string(value.get(f), c) for f, c in zip(t.field_names, t.children)) + "]"
    scalar = pa.array([value], t.to_arrow())
    return render_column(scalar, t)[0].as_py()


class PrintFactory(ConnectorFactory):
    identifier = "print"
    optional_options = ("print-identifier", "standard-error", "sink.parallelism")

    def create_sink(self, context: ConnectorContext) -> TableSink:
        check_options(context, self.identifier, self.optional_options)
        return PrintSink(context)


FACTORY = PrintFactory()
