"""Per-column value generators of the ``datagen`` connector (``fields.<name>.*`` options).

Each generator draws a whole column at once from numpy. Nested types take their element, key,
value or field options from nested names, as Flink does: ``fields.tags.element.length``,
``fields.attrs.key.length``, ``fields.address.city.length``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from flowsql.common.connector import ConnectorContext
from flowsql.common.types import MAX_LENGTH, DataType
from flowsql.connectors.options import bool_option, duration_option, float_option

FIELD_SUFFIXES = ("kind", "min", "max", "max-past", "length", "var-len", "start", "end", "null-rate")
DEFAULT_LENGTH = 100
_INT_RANGES = {"TINYINT": (-(2**7), 2**7 - 1), "SMALLINT": (-(2**15), 2**15 - 1),
               "INT": (-(2**31), 2**31 - 1), "BIGINT": (-(2**63), 2**63 - 1)}
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_DAY_MS = 86_400_000


@dataclass
class FieldGenerator:
    """Generates one column; ``rows`` is the length of a sequence (None when unlimited)."""

    prefix: str
    type: DataType
    kind: str
    options: dict
    null_rate: float
    children: tuple[FieldGenerator, ...] = ()
    rows: int | None = None

    def generate(self, rng: np.random.Generator, n: int, offset: int, now_ms: int) -> pa.Array:
        array = self._values(rng, n, offset, now_ms)
        if self.null_rate > 0:
            mask = pa.array(rng.random(n) < self.null_rate)
            array = pc.if_else(mask, pa.scalar(None, array.type), array)
        return array

    def _values(self, rng: np.random.Generator, n: int, offset: int, now_ms: int) -> pa.Array:
        t = self.type
        target = t.to_arrow()
        if self.kind == "sequence":
            values = np.arange(n, dtype=np.int64) + (self.options["start"] + offset)
            return _numbers(values, t)
        if t.is_integer or t.name in ("FLOAT", "DOUBLE", "DECIMAL"):
            return self._random_number(rng, n)
        if t.name == "BOOLEAN":
            return pa.array(rng.integers(0, 2, n).astype(bool))
        if t.is_string or t.name in ("BINARY", "VARBINARY"):
            return self._random_text(rng, n)
        if t.name in ("TIMESTAMP", "TIMESTAMP_LTZ", "DATE"):
            past = self.options["max-past"]
            millis = now_ms - (rng.integers(0, past, n, endpoint=True) if past else np.zeros(n, np.int64))
            stamps = pa.array(millis, pa.timestamp("ms"))
            if t.name == "DATE":
                return stamps.cast(pa.date32(), safe=False)
            return stamps.cast(pa.timestamp(target.unit), safe=False).cast(target)
        if t.name == "TIME":
            millis = rng.integers(0, _DAY_MS, n)
            return pa.array(millis.astype(np.int32), pa.time32("ms")).cast(target, safe=False)
        if t.name == "ROW":
            children = [g.generate(rng, n, offset, now_ms) for g in self.children]
            return pa.StructArray.from_arrays(children, fields=list(target))
        length = self.options["length"]
        offsets = pa.array(np.arange(n + 1, dtype=np.int32) * length)
        if t.name in ("ARRAY", "MULTISET"):
            return pa.ListArray.from_arrays(offsets, self.children[0].generate(rng, n * length, 0, now_ms),
                                            type=target)
        if t.name == "MAP":
            keys = self.children[0].generate(rng, n * length, 0, now_ms)
            items = self.children[1].generate(rng, n * length, 0, now_ms)
            return pa.MapArray.from_arrays(offsets, pc.fill_null(keys, _zero(keys.type)), items, type=target)
        raise AssertionError(t)

    def _random_number(self, rng: np.random.Generator, n: int) -> pa.Array:
        t = self.type
        low, high = self.options["min"], self.options["max"]
        if t.is_integer:
            return pa.array(rng.integers(low, high, n, endpoint=True, dtype=np.int64)).cast(t.to_arrow())
        if t.name == "DECIMAL":
            return _decimals(rng.integers(low, high, n, endpoint=True, dtype=np.int64), t)
        values = rng.uniform(low, high, n)
        return pa.array(values.astype(np.float32) if t.name == "FLOAT" else values)

    def _random_text(self, rng: np.random.Generator, n: int) -> pa.Array:
        length = self.options["length"]
        if self.options["var-len"]:
            lengths = rng.integers(1, length, n, endpoint=True)
        else:
            lengths = np.full(n, length, dtype=np.int64)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if self.type.is_string:
            data = _HEX[rng.integers(0, 16, int(offsets[-1]))].tobytes()
            return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()),
                                                    pa.py_buffer(data)).cast(pa.string())
        data = rng.integers(0, 256, int(offsets[-1]), dtype=np.uint8).tobytes()
        return pa.LargeBinaryArray.from_buffers(pa.large_binary(), n, [None, pa.py_buffer(offsets.tobytes()),
                                                                      pa.py_buffer(data)]).cast(pa.binary())


def _zero(t: pa.DataType) -> pa.Scalar:
    return pa.scalar("" if pa.types.is_string(t) else 0).cast(t)


def _numbers(values: np.ndarray, t: DataType) -> pa.Array:
    if t.is_string:
        return pa.array(values).cast(pa.string())
    if t.name == "DECIMAL":
        return _decimals(values * 10 ** (t.scale or 0), t)
    return pa.array(values).cast(t.to_arrow())


def _decimals(unscaled: np.ndarray, t: DataType) -> pa.Array:
    """Decimal128 values from their unscaled int64 form (two little-endian words each)."""
    words = np.empty((len(unscaled), 2), dtype=np.int64)
    words[:, 0] = unscaled
    words[:, 1] = np.where(unscaled < 0, -1, 0)
    return pa.Array.from_buffers(t.to_arrow(), len(unscaled), [None, pa.py_buffer(words.tobytes())])


def field_generator(context: ConnectorContext, prefix: str, t: DataType) -> FieldGenerator:
    """The generator for column (or nested field) ``prefix`` of type ``t``, from its options."""
    kind = (context.option(f"{prefix}.kind", "random") or "random").lower()
    if kind not in ("random", "sequence"):
        raise context.error(f"option '{prefix}.kind' must be 'random' or 'sequence', found '{kind}'")
    null_rate = float_option(context, f"{prefix}.null-rate", 0.0)
    if not 0.0 <= null_rate <= 1.0:
        raise context.error(f"option '{prefix}.null-rate' must be between 0 and 1, found {null_rate}")
    options: dict = {}
    if kind == "sequence":
        if not (t.is_integer or t.is_string or t.name in ("DECIMAL", "FLOAT", "DOUBLE")):
            raise context.error(f"a sequence generator cannot produce {t} (column `{prefix[7:]}`)")
        for key in ("start", "end"):
            if context.option(f"{prefix}.{key}") is None:
                raise context.error(f"Could not find required property '{prefix}.{key}' for sequence generator",
                                    hint=f"add '{prefix}.{key}' = '...'")
        options["start"] = _integer(context, f"{prefix}.start")
        end = _integer(context, f"{prefix}.end")
        if end < options["start"]:
            raise context.error(f"'{prefix}.end' ({end}) is less than '{prefix}.start' ({options['start']})")
        return FieldGenerator(prefix, t, kind, options, null_rate, rows=end - options["start"] + 1)
    if t.is_integer:
        low, high = _INT_RANGES[t.name]
        options["min"] = _integer(context, f"{prefix}.min", low)
        options["max"] = _integer(context, f"{prefix}.max", high)
    elif t.name in ("FLOAT", "DOUBLE"):
        top = float(np.finfo(np.float32 if t.name == "FLOAT" else np.float64).max)
        options["min"] = float_option(context, f"{prefix}.min", 0.0)
        options["max"] = float_option(context, f"{prefix}.max", top)
    elif t.name == "DECIMAL":
        scale = 10 ** (t.scale or 0)
        widest = min(10 ** (t.precision or 10) - 1, 2**63 - 1)
        options["min"] = _unscaled(context, f"{prefix}.min", scale, -widest)
        options["max"] = _unscaled(context, f"{prefix}.max", scale, widest)
    if "min" in options and options["min"] > options["max"]:
        raise context.error(f"'{prefix}.min' is greater than '{prefix}.max'")
    if t.is_string or t.name in ("BINARY", "VARBINARY", "ARRAY", "MULTISET", "MAP"):
        declared = t.length if t.length not in (None, MAX_LENGTH) else None
        default = declared if declared is not None and t.name in ("CHAR", "BINARY") else DEFAULT_LENGTH
        length = _integer(context, f"{prefix}.length", default)
        options["length"] = min(length, declared) if declared is not None else length
        options["var-len"] = bool_option(context, f"{prefix}.var-len", False)
    if t.is_timestamp or t.name == "DATE":
        options["max-past"] = duration_option(context, f"{prefix}.max-past", 0)
    children: tuple[FieldGenerator, ...] = ()
    if t.name in ("ARRAY", "MULTISET"):
        children = (field_generator(context, f"{prefix}.element", t.children[0]),)
    elif t.name == "MAP":
        children = (field_generator(context, f"{prefix}.key", t.children[0]),
                    field_generator(context, f"{prefix}.value", t.children[1]))
    elif t.name == "ROW":
        children = tuple(field_generator(context, f"{prefix}.{name}", child)
                         for name, child in zip(t.field_names, t.children))
    elif not (t.is_numeric or t.is_string or t.is_temporal or t.name in ("BOOLEAN", "BINARY", "VARBINARY")):
        raise context.error(f"the datagen connector cannot generate {t} (column `{prefix[7:]}`)")
    return FieldGenerator(prefix, t, kind, options, null_rate, children)


def _integer(context: ConnectorContext, key: str, default: int | None = None) -> int:
    value = context.option(key)
    if value is None:
        return default
    try:
        return int(value.strip())
    except ValueError:
        raise context.error(f"option '{key}' must be an integer, found '{value}'") from None


def _unscaled(context: ConnectorContext, key: str, scale: int, default: int) -> int:
    value = context.option(key)
    if value is None:
        return default
    try:
        return int((Decimal(value.strip()) * scale).to_integral_value())
    except InvalidOperation:
        raise context.error(f"option '{key}' must be a number, found '{value}'") from None
