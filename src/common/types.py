"""Flink's SQL type system, and how each type maps to Arrow and to DuckDB.

A ``DataType`` is an immutable value: a type name plus its parameters and nullability. Time
attributes (event time, processing time) are marked on TIMESTAMP / TIMESTAMP_LTZ types, so that
they travel with columns through projections exactly as Flink's do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

from flowsql.common.errors import ValidationError

MAX_LENGTH = 2147483647

INTEGER_NAMES = ("TINYINT", "SMALLINT", "INT", "BIGINT")
NUMERIC_NAMES = INTEGER_NAMES + ("FLOAT", "DOUBLE", "DECIMAL")
STRING_NAMES = ("CHAR", "VARCHAR")
BINARY_NAMES = ("BINARY", "VARBINARY")
TEMPORAL_NAMES = ("DATE", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ")
INTERVAL_NAMES = ("INTERVAL_DAY_TIME", "INTERVAL_YEAR_MONTH")


@dataclass(frozen=True)
class DataType:
    """A Flink logical type. ``name`` is canonical (INT, VARCHAR, TIMESTAMP_LTZ, ROW, ...)."""

    name: str
    nullable: bool = True
    precision: int | None = None  # DECIMAL precision, TIME/TIMESTAMP fractional precision
    scale: int | None = None  # DECIMAL scale
    length: int | None = None  # CHAR/VARCHAR/BINARY/VARBINARY length
    children: tuple["DataType", ...] = ()  # ARRAY/MULTISET element, MAP key+value, ROW fields
    field_names: tuple[str, ...] = ()  # ROW field names
    time_attribute: str | None = None  # 'rowtime' | 'proctime' | None

    # -- derived views -------------------------------------------------------------------
    def with_nullable(self, nullable: bool) -> "DataType":
        return self if self.nullable == nullable else replace(self, nullable=nullable)

    def without_time_attribute(self) -> "DataType":
        return self if self.time_attribute is None else replace(self, time_attribute=None)

    def as_time_attribute(self, kind: str) -> "DataType":
        return replace(self, time_attribute=kind)

    @property
    def is_numeric(self) -> bool:
        return self.name in NUMERIC_NAMES

    @property
    def is_integer(self) -> bool:
        return self.name in INTEGER_NAMES

    @property
    def is_string(self) -> bool:
        return self.name in STRING_NAMES

    @property
    def is_temporal(self) -> bool:
        return self.name in TEMPORAL_NAMES

    @property
    def is_timestamp(self) -> bool:
        return self.name in ("TIMESTAMP", "TIMESTAMP_LTZ")

    @property
    def is_interval(self) -> bool:
        return self.name in INTERVAL_NAMES

    # -- rendering -----------------------------------------------------------------------
    def __str__(self) -> str:
        return self.sql()

    def sql(self, show_time_attribute: bool = True) -> str:
        """Flink's spelling, e.g. ``DECIMAL(10, 2) NOT NULL`` or ``TIMESTAMP(3) *ROWTIME*``."""
        text = self._base_sql()
        if not self.nullable:
            text += " NOT NULL"
        if show_time_attribute and self.time_attribute:
            text += " *ROWTIME*" if self.time_attribute == "rowtime" else " *PROCTIME*"
        return text

    def _base_sql(self) -> str:
        n = self.name
        if n == "VARCHAR":
            return "STRING" if self.length == MAX_LENGTH else f"VARCHAR({self.length})"
        if n == "VARBINARY":
            return "BYTES" if self.length == MAX_LENGTH else f"VARBINARY({self.length})"
        if n in ("CHAR", "BINARY"):
            return f"{n}({self.length})"
        if n == "DECIMAL":
            return f"DECIMAL({self.precision}, {self.scale})"
        if n in ("TIME", "TIMESTAMP", "TIMESTAMP_LTZ"):
            return f"{n}({self.precision})"
        if n == "INTERVAL_DAY_TIME":
            return "INTERVAL SECOND(3)"
        if n == "INTERVAL_YEAR_MONTH":
            return "INTERVAL MONTH"
        if n in ("ARRAY", "MULTISET"):
            return f"{n}<{self.children[0]}>"
        if n == "MAP":
            return f"MAP<{self.children[0]}, {self.children[1]}>"
        if n == "ROW":
            inner = ", ".join(f"`{f}` {t}" for f, t in zip(self.field_names, self.children))
            return f"ROW<{inner}>"
        return n

    # -- physical mappings ---------------------------------------------------------------
    def to_arrow(self) -> "pa.DataType":
        return to_arrow(self)

    def to_duckdb(self) -> str:
        return to_duckdb(self)


# -- constructors, named like pyflink.table.DataTypes ------------------------------------

def BOOLEAN(nullable: bool = True) -> DataType:
    return DataType("BOOLEAN", nullable)


def TINYINT(nullable: bool = True) -> DataType:
    return DataType("TINYINT", nullable)


def SMALLINT(nullable: bool = True) -> DataType:
    return DataType("SMALLINT", nullable)


def INT(nullable: bool = True) -> DataType:
    return DataType("INT", nullable)


def BIGINT(nullable: bool = True) -> DataType:
    return DataType("BIGINT", nullable)


def FLOAT(nullable: bool = True) -> DataType:
    return DataType("FLOAT", nullable)


def DOUBLE(nullable: bool = True) -> DataType:
    return DataType("DOUBLE", nullable)


def DECIMAL(precision: int = 10, scale: int = 0, nullable: bool = True) -> DataType:
    if not 1 <= precision <= 38 or not 0 <= scale <= precision:
        raise ValidationError(
            f"DECIMAL({precision}, {scale}) is out of range",
            hint="precision must be between 1 and 38 and scale between 0 and the precision",
        )
    return DataType("DECIMAL", nullable, precision=precision, scale=scale)


def CHAR(length: int = 1, nullable: bool = True) -> DataType:
    return DataType("CHAR", nullable, length=length)


def VARCHAR(length: int = MAX_LENGTH, nullable: bool = True) -> DataType:
    return DataType("VARCHAR", nullable, length=length)


def STRING(nullable: bool = True) -> DataType:
    return VARCHAR(MAX_LENGTH, nullable)


def BINARY(length: int = 1, nullable: bool = True) -> DataType:
    return DataType("BINARY", nullable, length=length)


def VARBINARY(length: int = MAX_LENGTH, nullable: bool = True) -> DataType:
    return DataType("VARBINARY", nullable, length=length)


def BYTES(nullable: bool = True) -> DataType:
    return VARBINARY(MAX_LENGTH, nullable)


def DATE(nullable: bool = True) -> DataType:
    return DataType("DATE", nullable)


def TIME(precision: int = 0, nullable: bool = True) -> DataType:
    return DataType("TIME", nullable, precision=precision)


def TIMESTAMP(precision: int = 6, nullable: bool = True) -> DataType:
    return DataType("TIMESTAMP", nullable, precision=precision)


def TIMESTAMP_LTZ(precision: int = 6, nullable: bool = True) -> DataType:
    return DataType("TIMESTAMP_LTZ", nullable, precision=precision)


def INTERVAL_DAY_TIME(nullable: bool = True) -> DataType:
    return DataType("INTERVAL_DAY_TIME", nullable, precision=3)


def INTERVAL_YEAR_MONTH(nullable: bool = True) -> DataType:
    return DataType("INTERVAL_YEAR_MONTH", nullable)


def ARRAY(element: DataType, nullable: bool = True) -> DataType:
    return DataType("ARRAY", nullable, children=(element,))


def MULTISET(element: DataType, nullable: bool = True) -> DataType:
    return DataType("MULTISET", nullable, children=(element,))


def MAP(key: DataType, value: DataType, nullable: bool = True) -> DataType:
    return DataType("MAP", nullable, children=(key, value))


def ROW(fields: list[tuple[str, DataType]], nullable: bool = True) -> DataType:
    return DataType(
        "ROW", nullable, children=tuple(t for _, t in fields), field_names=tuple(f for f, _ in fields)
    )


def NULL() -> DataType:
    return DataType("NULL", True)


# -- Arrow -------------------------------------------------------------------------------

def _time_unit(precision: int | None) -> str:
    p = 6 if precision is None else precision
    return "s" if p == 0 else "ms" if p <= 3 else "us" if p <= 6 else "ns"


def to_arrow(t: DataType) -> "pa.DataType":
    import pyarrow as pa  # loaded on first use: declaring types must not cost Arrow's start-up

    n = t.name
    simple = {
        "BOOLEAN": pa.bool_(), "TINYINT": pa.int8(), "SMALLINT": pa.int16(), "INT": pa.int32(),
        "BIGINT": pa.int64(), "FLOAT": pa.float32(), "DOUBLE": pa.float64(), "CHAR": pa.string(),
        "VARCHAR": pa.string(), "BINARY": pa.binary(), "VARBINARY": pa.binary(), "DATE": pa.date32(),
        "NULL": pa.null(), "INTERVAL_DAY_TIME": pa.duration("ms"), "INTERVAL_YEAR_MONTH": pa.int32(),
    }
    if n in simple:
        return simple[n]
    if n == "DECIMAL":
        return pa.decimal128(t.precision, t.scale)
    if n == "TIME":
        unit = _time_unit(t.precision)
        return pa.time32(unit if unit in ("s", "ms") else "ms") if unit in ("s", "ms") else pa.time64(unit)
    if n == "TIMESTAMP":
        return pa.timestamp(_time_unit(t.precision))
    if n == "TIMESTAMP_LTZ":
        return pa.timestamp(_time_unit(t.precision), tz="UTC")
    if n in ("ARRAY", "MULTISET"):
        return pa.list_(to_arrow(t.children[0]))
    if n == "MAP":
        return pa.map_(to_arrow(t.children[0]), to_arrow(t.children[1]))
    if n == "ROW":
        return pa.struct([pa.field(f, to_arrow(c), c.nullable) for f, c in zip(t.field_names, t.children)])
    raise ValidationError(f"type {t} has no Arrow mapping")


def from_arrow(a: "pa.DataType", nullable: bool = True) -> DataType:
    """The Flink type for an Arrow type (used for from_arrow / from_pandas and Parquet schemas)."""
    import pyarrow as pa

    if pa.types.is_boolean(a):
        return BOOLEAN(nullable)
    if pa.types.is_int8(a) or pa.types.is_uint8(a):
        return TINYINT(nullable) if pa.types.is_int8(a) else SMALLINT(nullable)
    if pa.types.is_int16(a) or pa.types.is_uint16(a):
        return SMALLINT(nullable) if pa.types.is_int16(a) else INT(nullable)
    if pa.types.is_int32(a) or pa.types.is_uint32(a):
        return INT(nullable) if pa.types.is_int32(a) else BIGINT(nullable)
    if pa.types.is_integer(a):
        return BIGINT(nullable)
    if pa.types.is_float16(a) or pa.types.is_float32(a):
        return FLOAT(nullable)
    if pa.types.is_floating(a):
        return DOUBLE(nullable)
    if pa.types.is_decimal(a):
        return DECIMAL(min(a.precision, 38), a.scale, nullable)
    if pa.types.is_string(a) or pa.types.is_large_string(a) or pa.types.is_string_view(a):
        return STRING(nullable)
    if pa.types.is_binary(a) or pa.types.is_large_binary(a) or pa.types.is_fixed_size_binary(a):
        return BYTES(nullable)
    if pa.types.is_date(a):
        return DATE(nullable)
    if pa.types.is_time(a):
        return TIME({"s": 0, "ms": 3, "us": 6, "ns": 9}[a.unit], nullable)
    if pa.types.is_timestamp(a):
        p = {"s": 0, "ms": 3, "us": 6, "ns": 9}[a.unit]
        return TIMESTAMP_LTZ(p, nullable) if a.tz else TIMESTAMP(p, nullable)
    if pa.types.is_duration(a):
        return INTERVAL_DAY_TIME(nullable)
    if pa.types.is_list(a) or pa.types.is_large_list(a):
        return ARRAY(from_arrow(a.value_type), nullable)
    if pa.types.is_map(a):
        return MAP(from_arrow(a.key_type), from_arrow(a.item_type), nullable)
    if pa.types.is_struct(a):
        return ROW([(f.name, from_arrow(f.type, f.nullable)) for f in a], nullable)
    if pa.types.is_dictionary(a):
        return from_arrow(a.value_type, nullable)
    if pa.types.is_null(a):
        return NULL()
    raise ValidationError(f"Arrow type {a} has no Flink equivalent")


# -- DuckDB ------------------------------------------------------------------------------

def to_duckdb(t: DataType) -> str:
    n = t.name
    simple = {
        "BOOLEAN": "BOOLEAN", "TINYINT": "TINYINT", "SMALLINT": "SMALLINT", "INT": "INTEGER",
        "BIGINT": "BIGINT", "FLOAT": "FLOAT", "DOUBLE": "DOUBLE", "CHAR": "VARCHAR",
        "VARCHAR": "VARCHAR", "BINARY": "BLOB", "VARBINARY": "BLOB", "DATE": "DATE", "TIME": "TIME",
        "TIMESTAMP_LTZ": "TIMESTAMPTZ", "INTERVAL_DAY_TIME": "INTERVAL", "INTERVAL_YEAR_MONTH": "INTERVAL",
        "NULL": "INTEGER",
    }
    if n in simple:
        return simple[n]
    if n == "TIMESTAMP":
        p = 6 if t.precision is None else t.precision
        return "TIMESTAMP_S" if p == 0 else "TIMESTAMP_MS" if p <= 3 else "TIMESTAMP" if p <= 6 else "TIMESTAMP_NS"
    if n == "DECIMAL":
        return f"DECIMAL({t.precision}, {t.scale})"
    if n in ("ARRAY", "MULTISET"):
        return f"{to_duckdb(t.children[0])}[]"
    if n == "MAP":
        return f"MAP({to_duckdb(t.children[0])}, {to_duckdb(t.children[1])})"
    if n == "ROW":
        inner = ", ".join(f'"{f}" {to_duckdb(c)}' for f, c in zip(t.field_names, t.children))
        return f"STRUCT({inner})"
    raise ValidationError(f"type {t} has no DuckDB mapping")


# -- parsing type names (DDL, CAST, DataTypes strings) -----------------------------------

_TYPE_TOKEN = re.compile(r"\s*(<|>|\(|\)|,|`[^`]*`|[A-Za-z_][A-Za-z_0-9]*|\d+)")


def parse_type(text: str) -> DataType:
    """Parse a Flink type string such as ``DECIMAL(10, 2) NOT NULL`` or ``MAP<STRING, ARRAY<INT>>``."""
    tokens = _tokenize_type(text)
    parser = _TypeParser(tokens, text)
    result = parser.parse()
    if parser.pos != len(tokens):
        raise ValidationError(f"unexpected '{tokens[parser.pos]}' in type '{text}'")
    return result


def _tokenize_type(text: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TYPE_TOKEN.match(text, pos)
        if not m:
            raise ValidationError(f"cannot read type '{text}' at '{text[pos:]}'")
        tokens.append(m.group(1))
        pos = m.end()
    return tokens


class _TypeParser:
    _ALIASES = {
        "INTEGER": "INT", "BOOL": "BOOLEAN", "DEC": "DECIMAL", "NUMERIC": "DECIMAL", "REAL": "FLOAT",
        "TEXT": "STRING", "LONG": "BIGINT",
    }

    def __init__(self, tokens: list[str], text: str) -> None:
        self.tokens, self.text, self.pos = tokens, text, 0

    def peek(self, k: int = 0) -> str | None:
        i = self.pos + k
        return self.tokens[i] if i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok.upper() != expected):
            raise ValidationError(
                f"expected {expected or 'a type'} in type '{self.text}', found {tok or 'the end'}"
            )
        self.pos += 1
        return tok

    def params(self) -> list[int]:
        out: list[int] = []
        if self.peek() == "(":
            self.take()
            while True:
                out.append(int(self.take()))
                if self.peek() == ",":
                    self.take()
                    continue
                self.take(")")
                break
        return out

    def parse(self) -> DataType:
        t = self.parse_base()
        while self.peek() and self.peek().upper() == "NOT" and (self.peek(1) or "").upper() == "NULL":
            self.pos += 2
            t = t.with_nullable(False)
        if self.peek() and self.peek().upper() == "NULL":
            self.pos += 1
        return t

    def parse_base(self) -> DataType:
        word = self.take().upper()
        word = self._ALIASES.get(word, word)
        if word == "DOUBLE" and (self.peek() or "").upper() == "PRECISION":
            self.take()
        if word in ("BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE", "DATE"):
            return DataType(word)
        if word == "STRING":
            return STRING()
        if word == "BYTES":
            return BYTES()
        if word == "DECIMAL":
            p = self.params()
            return DECIMAL(p[0] if p else 10, p[1] if len(p) > 1 else 0)
        if word in ("CHAR", "VARCHAR", "BINARY", "VARBINARY"):
            p = self.params()
            if word == "CHARACTER" or (word == "CHAR" and (self.peek() or "").upper() == "VARYING"):
                self.take()
                word = "VARCHAR"
            default = MAX_LENGTH if word.startswith("VAR") else 1
            return DataType(word, length=p[0] if p else default)
        if word == "TIME":
            p = self.params()
            self._skip_zone(False)
            return TIME(p[0] if p else 0)
        if word == "TIMESTAMP":
            p = self.params()
            ltz = self._skip_zone(True)
            return (TIMESTAMP_LTZ if ltz else TIMESTAMP)(p[0] if p else 6)
        if word == "TIMESTAMP_LTZ":
            p = self.params()
            return TIMESTAMP_LTZ(p[0] if p else 6)
        if word == "INTERVAL":
            unit = self.take().upper()
            self.params()
            if (self.peek() or "").upper() == "TO":
                self.take()
                unit = self.take().upper()
                self.params()
            return INTERVAL_YEAR_MONTH() if unit in ("YEAR", "MONTH") else INTERVAL_DAY_TIME()
        if word in ("ARRAY", "MULTISET"):
            self.take("<")
            inner = self.parse()
            self.take(">")
            return DataType(word, children=(inner,))
        if word == "MAP":
            self.take("<")
            k = self.parse()
            self.take(",")
            v = self.parse()
            self.take(">")
            return MAP(k, v)
        if word == "ROW":
            close = ">" if self.peek() == "<" else ")"
            self.take()
            fields = []
            while self.peek() != close:
                name = self.take().strip("`")
                if self.peek() == ":":
                    self.take()
                fields.append((name, self.parse()))
                if self.peek() and self.peek().startswith("'"):
                    self.take()
                if self.peek() == ",":
                    self.take()
            self.take(close)
            return ROW(fields)
        if word == "NULL":
            return NULL()
        raise ValidationError(
            f"unknown type '{word}' in '{self.text}'",
            hint="Flink types are BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p, s), "
            "CHAR(n), VARCHAR(n), STRING, BINARY(n), BYTES, DATE, TIME(p), TIMESTAMP(p), TIMESTAMP_LTZ(p), "
            "INTERVAL ..., ARRAY<t>, MAP<k, v>, ROW<name t, ...>",
        )

    def _skip_zone(self, allow_local: bool) -> bool:
        """Consume WITH [LOCAL] TIME ZONE / WITHOUT TIME ZONE; True for WITH LOCAL TIME ZONE."""
        word = (self.peek() or "").upper()
        if word == "WITHOUT":
            self.pos += 3
            return False
        if word == "WITH":
            self.take()
            local = (self.peek() or "").upper() == "LOCAL"
            if local:
                self.take()
            self.take("TIME")
            self.take("ZONE")
            return True
        return False


# -- type arithmetic (Flink's rules, simplified where Flink is arcane) -------------------

_INT_RANK = {"TINYINT": 1, "SMALLINT": 2, "INT": 3, "BIGINT": 4}
_INT_DIGITS = {"TINYINT": 3, "SMALLINT": 5, "INT": 10, "BIGINT": 19}


def as_decimal(t: DataType) -> DataType:
    """An integer type seen as the DECIMAL that holds it exactly."""
    if t.name == "DECIMAL":
        return t
    return DataType("DECIMAL", t.nullable, precision=_INT_DIGITS[t.name], scale=0)


def common_type(types: list[DataType]) -> DataType | None:
    """The least type every input converts to (UNION, CASE, COALESCE, IN); None if incompatible."""
    concrete = [t.without_time_attribute() for t in types if t.name != "NULL"]
    nullable = any(t.nullable for t in types)
    if not concrete:
        return NULL()
    first = concrete[0]
    if all(t.name == first.name for t in concrete) and first.name not in ("DECIMAL", "CHAR", "VARCHAR",
                                                                          "TIMESTAMP", "TIMESTAMP_LTZ", "TIME"):
        if first.name in ("ARRAY", "MAP", "ROW", "MULTISET"):
            return first.with_nullable(nullable)
        return first.with_nullable(nullable)
    if all(t.is_string for t in concrete):
        if all(t.name == "CHAR" for t in concrete) and len({t.length for t in concrete}) == 1:
            return first.with_nullable(nullable)
        return VARCHAR(max(t.length or MAX_LENGTH for t in concrete), nullable)
    if all(t.name in BINARY_NAMES for t in concrete):
        return VARBINARY(max(t.length or MAX_LENGTH for t in concrete), nullable)
    if all(t.is_numeric for t in concrete):
        if any(t.name in ("FLOAT", "DOUBLE") for t in concrete):
            return DataType("DOUBLE" if any(t.name == "DOUBLE" or t.is_integer or t.name == "DECIMAL"
                                            for t in concrete) else "FLOAT", nullable)
        if any(t.name == "DECIMAL" for t in concrete):
            decs = [as_decimal(t) for t in concrete]
            scale = max(d.scale for d in decs)
            whole = max(d.precision - d.scale for d in decs)
            return DataType("DECIMAL", nullable, precision=min(38, whole + scale), scale=scale)
        return DataType(max(concrete, key=lambda t: _INT_RANK[t.name]).name, nullable)
    if all(t.name in ("TIMESTAMP", "TIMESTAMP_LTZ", "DATE") for t in concrete):
        name = "TIMESTAMP_LTZ" if any(t.name == "TIMESTAMP_LTZ" for t in concrete) else "TIMESTAMP"
        if all(t.name == "DATE" for t in concrete):
            return DATE(nullable)
        return DataType(name, nullable, precision=max(t.precision or 0 for t in concrete if t.precision is not None)
                        if any(t.precision is not None for t in concrete) else 0)
    if all(t.name == "TIME" for t in concrete):
        return TIME(max(t.precision or 0 for t in concrete), nullable)
    if all(t.name == first.name for t in concrete):
        return first.with_nullable(nullable)
    # Flink lets strings meet other types in comparisons by implicit cast of the literal side.
    return None
