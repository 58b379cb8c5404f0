"""``TableDescriptor`` and ``FormatDescriptor``: a table declared in Python rather than DDL.

A descriptor renders as the ``CREATE TABLE`` statement it stands for (``to_ddl``), so creating a
table from one goes through exactly the validation SQL DDL does.
"""

from __future__ import annotations

from flowsql.table.types import Schema


def _quote(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


class FormatDescriptor:
    """``FormatDescriptor.for_format('csv').option('field-delimiter', '|').build()``"""

    def __init__(self, format: str, options: dict[str, str]) -> None:
        self.format = format
        self.options = dict(options)

    @staticmethod
    def for_format(format: str) -> FormatDescriptor.Builder:
        return FormatDescriptor.Builder(format)

    def get_format(self) -> str:
        return self.format

    def get_options(self) -> dict[str, str]:
        return dict(self.options)

    class Builder:
        def __init__(self, format: str) -> None:
            self._format = format
            self._options: dict[str, str] = {}

        def option(self, key: str, value) -> FormatDescriptor.Builder:
            self._options[key] = _option_text(value)
            return self

        def build(self) -> FormatDescriptor:
            return FormatDescriptor(self._format, self._options)


def _option_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class TableDescriptor:
    """``TableDescriptor.for_connector('filesystem').schema(...).option('path', p).format('csv').build()``"""

    def __init__(self, schema: Schema | None, options: dict[str, str], partition_keys: list[str],
                 comment: str | None) -> None:
        self.schema = schema
        self.options = dict(options)
        self.partition_keys = list(partition_keys)
        self.comment = comment

    @staticmethod
    def for_connector(connector: str) -> TableDescriptor.Builder:
        return TableDescriptor.Builder(connector)

    def get_schema(self) -> Schema | None:
        return self.schema

    def get_options(self) -> dict[str, str]:
        return dict(self.options)

    def get_partition_keys(self) -> list[str]:
        return list(self.partition_keys)

    def get_comment(self) -> str | None:
        return self.comment

    def to_ddl(self, path: str, temporary: bool = False, if_not_exists: bool = False) -> str:
        if self.schema is None:
            raise ValueError("the table descriptor has no schema: add .schema(Schema.new_builder()...build())")
        text = f"CREATE {'TEMPORARY ' if temporary else ''}TABLE {'IF NOT EXISTS ' if if_not_exists else ''}{path} "
        text += "(\n  " + ",\n  ".join(self.schema.column_sql()) + "\n)"
        if self.comment:
            text += f"\nCOMMENT {_quote(self.comment)}"
        if self.partition_keys:
            text += "\nPARTITIONED BY (" + ", ".join(f"`{k}`" for k in self.partition_keys) + ")"
        options = ",\n  ".join(f"{_quote(k)} = {_quote(v)}" for k, v in self.options.items())
        return text + f"\nWITH (\n  {options}\n)"

    def __str__(self) -> str:
        return self.to_ddl("`<table>`")

    class Builder:
        def __init__(self, connector: str) -> None:
            self._schema: Schema | None = None
            self._options: dict[str, str] = {"connector": connector}
            self._partition_keys: list[str] = []
            self._comment: str | None = None

        def schema(self, schema: Schema) -> TableDescriptor.Builder:
            self._schema = schema
            return self

        def option(self, key: str, value) -> TableDescriptor.Builder:
            self._options[key] = _option_text(value)
            return self

        def format(self, format: str | FormatDescriptor, format_option_key: str | None = None
                   ) -> TableDescriptor.Builder:
            """The format (``'format'`` option, or ``format_option_key`` such as ``'key.format'``)."""
            key = format_option_key or "format"
            prefix = key[:-len("format")] if key.endswith("format") else ""
            if isinstance(format, FormatDescriptor):
                self._options[key] = format.format
                for k, v in format.options.items():
                    self._options[f"{prefix}{format.format}.{k}"] = v
            else:
                self._options[key] = str(format)
            return self

        def partitioned_by(self, *partition_keys: str) -> TableDescriptor.Builder:
            self._partition_keys = list(partition_keys)
            return self

        def comment(self, comment: str) -> TableDescriptor.Builder:
            self._comment = comment
            return self

        def build(self) -> TableDescriptor:
            return TableDescriptor(self._schema, self._options, self._partition_keys, self._comment)


__all__ = ["FormatDescriptor", "TableDescriptor"]
