"""``DataTypes`` and ``Schema``, named like ``pyflink.table``.

``DataTypes.X(...)`` returns the engine's own ``flowsql.common.types.DataType`` (Flink's logical
type), so a type written in Python and one parsed from DDL are the same value. ``Schema`` is the
declaration a ``TableDescriptor`` carries: columns (physical, computed, metadata), a watermark and
a primary key; it renders as the column list of a ``CREATE TABLE``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowsql.common import types as t
from flowsql.common.types import DataType


@dataclass(frozen=True)
class DataTypeField:
    """One field of ``DataTypes.ROW([...])``."""

    name: str
    data_type: DataType
    description: str | None = None


class DataTypes:
    """Factories of Flink data types; every one takes ``nullable`` (default True)."""

    @staticmethod
    def NULL() -> DataType:
        return t.NULL()

    @staticmethod
    def BOOLEAN(nullable: bool = True) -> DataType:
        return t.BOOLEAN(nullable)

    @staticmethod
    def TINYINT(nullable: bool = True) -> DataType:
        return t.TINYINT(nullable)

    @staticmethod
    def SMALLINT(nullable: bool = True) -> DataType:
        return t.SMALLINT(nullable)

    @staticmethod
    def INT(nullable: bool = True) -> DataType:
        return t.INT(nullable)

    @staticmethod
    def BIGINT(nullable: bool = True) -> DataType:
        return t.BIGINT(nullable)

    @staticmethod
    def FLOAT(nullable: bool = True) -> DataType:
        return t.FLOAT(nullable)

    @staticmethod
    def DOUBLE(nullable: bool = True) -> DataType:
        return t.DOUBLE(nullable)

    @staticmethod
    def DECIMAL(precision: int = 10, scale: int = 0, nullable: bool = True) -> DataType:
        return t.DECIMAL(precision, scale, nullable)

    @staticmethod
    def CHAR(length: int = 1, nullable: bool = True) -> DataType:
        return t.CHAR(length, nullable)

    @staticmethod
    def VARCHAR(length: int = t.MAX_LENGTH, nullable: bool = True) -> DataType:
        return t.VARCHAR(length, nullable)

    @staticmethod
    def STRING(nullable: bool = True) -> DataType:
        return t.STRING(nullable)

    @staticmethod
    def BINARY(length: int = 1, nullable: bool = True) -> DataType:
        return t.BINARY(length, nullable)

    @staticmethod
    def VARBINARY(length: int = t.MAX_LENGTH, nullable: bool = True) -> DataType:
        return t.VARBINARY(length, nullable)

    @staticmethod
    def BYTES(nullable: bool = True) -> DataType:
        return t.BYTES(nullable)

    @staticmethod
    def DATE(nullable: bool = True) -> DataType:
        return t.DATE(nullable)

    @staticmethod
    def TIME(precision: int = 0, nullable: bool = True) -> DataType:
        return t.TIME(precision, nullable)

    @staticmethod
    def TIMESTAMP(precision: int = 6, nullable: bool = True) -> DataType:
        return t.TIMESTAMP(precision, nullable)

    @staticmethod
    def TIMESTAMP_LTZ(precision: int = 6, nullable: bool = True) -> DataType:
        return t.TIMESTAMP_LTZ(precision, nullable)

    TIMESTAMP_WITH_LOCAL_TIME_ZONE = TIMESTAMP_LTZ

    @staticmethod
    def INTERVAL(upper: str = "SECOND", lower: str | None = None, nullable: bool = True) -> DataType:
        """``DataTypes.INTERVAL(DataTypes.DAY(), DataTypes.SECOND(3))``: day-time unless YEAR/MONTH."""
        units = {str(upper).upper(), str(lower).upper() if lower else ""}
        if units & {"YEAR", "MONTH"}:
            return t.INTERVAL_YEAR_MONTH(nullable)
        return t.INTERVAL_DAY_TIME(nullable)

    # interval resolutions, for DataTypes.INTERVAL(DataTypes.DAY(), DataTypes.SECOND(3))
    @staticmethod
    def YEAR(precision: int = 2) -> str:
        return "YEAR"

    @staticmethod
    def MONTH() -> str:
        return "MONTH"

    @staticmethod
    def DAY(precision: int = 2) -> str:
        return "DAY"

    @staticmethod
    def HOUR() -> str:
        return "HOUR"

    @staticmethod
    def MINUTE() -> str:
        return "MINUTE"

    @staticmethod
    def SECOND(precision: int = 6) -> str:
        return "SECOND"

    @staticmethod
    def ARRAY(element_type: DataType, nullable: bool = True) -> DataType:
        return t.ARRAY(element_type, nullable)

    @staticmethod
    def MULTISET(element_type: DataType, nullable: bool = True) -> DataType:
        return t.MULTISET(element_type, nullable)

    @staticmethod
    def MAP(key_type: DataType, value_type: DataType, nullable: bool = True) -> DataType:
        return t.MAP(key_type, value_type, nullable)

    @staticmethod
    def FIELD(name: str, data_type: DataType, description: str | None = None) -> DataTypeField:
        return DataTypeField(name, data_type, description)

    @staticmethod
    def ROW(row_fields: list[DataTypeField] | None = None, nullable: bool = True) -> DataType:
        return t.ROW([(f.name, f.data_type) for f in row_fields or []], nullable)


def not_null(data_type: DataType) -> DataType:
    """PyFlink's ``DataTypes.INT().not_null()`` spelled as a function (``DataType`` is the engine's)."""
    return data_type.with_nullable(False)


def as_data_type(value: DataType | str) -> DataType:
    """A ``DataType`` or a type string (``'BIGINT'``, ``'ROW<a INT>'``), as PyFlink accepts both."""
    if isinstance(value, DataType):
        return value
    return t.parse_type(str(value))


@dataclass(frozen=True)
class _Column:
    name: str
    data_type: DataType | None = None
    expression: str | None = None  # computed column SQL
    metadata_key: str | None = None
    metadata: bool = False
    virtual: bool = False
    comment: str | None = None

    def sql(self) -> str:
        name = f"`{self.name}`"
        if self.expression is not None:
            text = f"{name} AS {self.expression}"
        else:
            text = f"{name} {self.data_type.sql(False)}"
            if self.metadata:
                text += " METADATA" + (f" FROM '{self.metadata_key}'" if self.metadata_key else "")
                text += " VIRTUAL" if self.virtual else ""
        return text + (f" COMMENT '{self.comment}'" if self.comment else "")


class Schema:
    """A table's declared columns, watermark and primary key (``Schema.new_builder()...build()``)."""

    def __init__(self, columns: tuple[_Column, ...], watermark: tuple[str, str] | None,
                 primary_key: tuple[str, ...] | None) -> None:
        self.columns = columns
        self.watermark = watermark
        self.primary_key = primary_key

    @staticmethod
    def new_builder() -> Schema.Builder:
        return Schema.Builder()

    def column_sql(self) -> list[str]:
        """The items of a CREATE TABLE column list."""
        items = [c.sql() for c in self.columns]
        if self.watermark is not None:
            items.append(f"WATERMARK FOR `{self.watermark[0]}` AS {self.watermark[1]}")
        if self.primary_key:
            items.append("PRIMARY KEY (" + ", ".join(f"`{k}`" for k in self.primary_key) + ") NOT ENFORCED")
        return items

    def __str__(self) -> str:
        return "(\n  " + ",\n  ".join(self.column_sql()) + "\n)"

    __repr__ = __str__

    class Builder:
        def __init__(self) -> None:
            self._columns: list[_Column] = []
            self._watermark: tuple[str, str] | None = None
            self._primary_key: tuple[str, ...] | None = None

        def from_schema(self, schema: Schema) -> Schema.Builder:
            self._columns += list(schema.columns)
            self._watermark = schema.watermark
            self._primary_key = schema.primary_key
            return self

        def from_row_data_type(self, data_type: DataType) -> Schema.Builder:
            for name, child in zip(data_type.field_names, data_type.children):
                self.column(name, child)
            return self

        def from_fields(self, names: list[str], types: list[DataType]) -> Schema.Builder:
            for name, data_type in zip(names, types):
                self.column(name, data_type)
            return self

        def column(self, column_name: str, data_type: DataType | str) -> Schema.Builder:
            self._columns.append(_Column(column_name, as_data_type(data_type)))
            return self

        def column_by_expression(self, column_name: str, expr) -> Schema.Builder:
            self._columns.append(_Column(column_name, expression=_sql_text(expr)))
            return self

        def column_by_metadata(self, column_name: str, data_type: DataType | str, metadata_key: str | None = None,
                               is_virtual: bool = False) -> Schema.Builder:
            self._columns.append(_Column(column_name, as_data_type(data_type), metadata_key=metadata_key,
                                         metadata=True, virtual=is_virtual))
            return self

        def with_comment(self, comment: str) -> Schema.Builder:
            if self._columns:
                from dataclasses import replace

                self._columns[-1] = replace(self._columns[-1], comment=comment)
            return self

        def watermark(self, column_name: str, watermark_expr) -> Schema.Builder:
            self._watermark = (column_name, _sql_text(watermark_expr))
            return self

        def primary_key(self, *column_names: str) -> Schema.Builder:
            self._primary_key = tuple(column_names)
            return self

        def primary_key_named(self, constraint_name: str, *column_names: str) -> Schema.Builder:
            return self.primary_key(*column_names)

        def build(self) -> Schema:
            return Schema(tuple(self._columns), self._watermark, self._primary_key)


def _sql_text(expr) -> str:
    """SQL text of an ``Expression`` or a string (computed columns and watermarks take both)."""
    if isinstance(expr, str):
        return expr
    from flowsql.table.expressions import Expression

    if isinstance(expr, Expression):
        return expr.sql()
    raise TypeError(f"expected a SQL string or an Expression, found {type(expr).__name__}")
