"""The Table API half of ``TableEnvironment``: tables from paths, SQL, Python data, Arrow and
pandas; views, tables from descriptors, Python functions and statement sets.

``TableEnvironment`` inherits these methods; the SQL half lives in ``environment.py``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
from typing import TYPE_CHECKING, Any

from flowsql.catalog import CatalogFunction, CatalogTable, CatalogView, TableColumn
from flowsql.common.errors import ValidationError
from flowsql.common.types import DataType
from sqlglot import exp

if TYPE_CHECKING:
    from flowsql.table.descriptors import TableDescriptor
    from flowsql.table.statement_set import StatementSet
    from flowsql.table.table import Table

ANONYMOUS_PREFIX = "*anonymous_"
UNNAMED_PREFIX = "UnnamedTable$"


def is_hidden_name(name: str) -> bool:
    """Tables the Table API registers for itself (inline data, ``str(table)``), not listed to users."""
    return name.startswith((ANONYMOUS_PREFIX, UNNAMED_PREFIX))


def _object_name(path: str | tuple[str, ...]) -> tuple[str, ...]:
    """``'cat.db.t'`` (back-quotes allowed) as a name tuple."""
    if isinstance(path, tuple):
        return path
    if "`" not in path:
        return tuple(path.split("."))
    from flowsql.planner.parser import parse_statement

    table = parse_statement(f"SELECT * FROM {path}").query.args["from_"].this
    return tuple(p.name for p in table.parts)


def _table_node(path: tuple[str, ...]) -> exp.Table:
    parts = [exp.to_identifier(p, quoted=True) for p in path]
    if len(parts) == 3:
        return exp.Table(catalog=parts[0], db=parts[1], this=parts[2])
    if len(parts) == 2:
        return exp.Table(db=parts[0], this=parts[1])
    return exp.Table(this=parts[0])


class TableApiMixin:
    """Methods of ``TableEnvironment`` that build and register Table API objects."""

    _anonymous_ids = itertools.count(1)

    def _table_api_state(self) -> dict:
        state = self.__dict__.get("_table_api")
        if state is None:
            state = self.__dict__["_table_api"] = {"inline": {}, "loaded": {}, "unnamed": {}}
        return state

    # -- binding --------------------------------------------------------------------------------
    def _bind_query(self, query: exp.Expression):
        from flowsql.table.executor import StatementExecutor

        return StatementExecutor(self).binder().bind_query(query.copy())

    def function_binding(self, name: str):
        """The binder's hook for user functions: Python functions used inline by Table API
        expressions, then functions registered in the catalog."""
        state = self._table_api_state()
        key = name.lower()
        if key in state["inline"]:
            return state["inline"][key]
        found = self.catalog.lookup_function((name,)) if "." not in name else None
        if found is None:
            return None
        if found.implementation is not None:
            return found.implementation
        from flowsql.table.udf import as_function

        loaded = state["loaded"]
        if found.identifier not in loaded:
            loaded[found.identifier] = as_function(found.identifier)
        return loaded[found.identifier]

    def _register_inline_functions(self, functions: dict) -> None:
        self._table_api_state()["inline"].update(functions)

    # -- tables -----------------------------------------------------------------------------------
    def _table(self, query: exp.Expression) -> Table:
        from flowsql.table.table import Table

        return Table(self, query)

    def from_path(self, path: str) -> Table:
        return self._table(exp.Select(expressions=[exp.Star()],
                                      from_=exp.From(this=_table_node(_object_name(path)))))

    def sql_query(self, query: str) -> Table:
        from flowsql.planner.parser import parse_statement
        from flowsql.planner.parser import statements as st

        stmt = parse_statement(query)
        if not isinstance(stmt, st.Query):
            raise ValidationError("sql_query takes a query (SELECT ...)",
                                  hint="run other statements with execute_sql")
        try:
            return self._table(stmt.query)
        except ValidationError as e:
            raise e.with_sql(query) from None

    def from_descriptor(self, descriptor: TableDescriptor) -> Table:
        name = f"{ANONYMOUS_PREFIX}{descriptor.options.get('connector')}${next(self._anonymous_ids)}*"
        path = self._qualified((name,))
        self.execute_sql(descriptor.to_ddl(".".join(f"`{p}`" for p in path), temporary=True))
        return self.from_path_tuple(path)

    def from_path_tuple(self, path: tuple[str, ...]) -> Table:
        return self._table(exp.Select(expressions=[exp.Star()], from_=exp.From(this=_table_node(path))))

    def _qualified(self, name: tuple[str, ...]) -> tuple[str, str, str]:
        return self.catalog.qualify(name)

    def from_elements(self, elements, schema=None, verify_schema: bool = True) -> Table:
        """A table of Python values; ``schema`` is a list of names, a ``DataTypes.ROW``, or None."""
        import pyarrow as pa

        rows = [_as_tuple(e) for e in elements]
        names, types = _element_schema(elements, rows, schema)
        if any(len(r) != len(names) for r in rows):
            raise ValidationError(f"from_elements: every element must have {len(names)} values")
        columns = list(zip(*rows)) if rows else [() for _ in names]
        arrays = [pa.array([_arrow_value(v, t) for v in c], type=t.to_arrow()) for c, t in zip(columns, types)]
        table = pa.Table.from_arrays(arrays, names=names)
        return self._from_arrow_table(table, types)

    def from_pandas(self, pdf, schema=None, splits_num: int = 1) -> Table:
        import pyarrow as pa

        table = pa.Table.from_pandas(pdf, preserve_index=False)
        return self.from_arrow(table, schema)

    def from_arrow(self, data, schema=None) -> Table:
        """A table over an Arrow table, record batch(es) or anything with ``__arrow_c_stream__``
        (polars, DuckDB relations); the data is scanned in place, not copied into SQL."""
        import pyarrow as pa
        from flowsql.common.types import from_arrow

        if isinstance(data, pa.RecordBatch):
            table = pa.Table.from_batches([data])
        elif isinstance(data, list):
            table = pa.Table.from_batches(data)
        elif isinstance(data, pa.Table):
            table = data
        elif hasattr(data, "to_arrow"):
            table = data.to_arrow()
        else:
            table = pa.table(data)
        if isinstance(schema, DataType):
            names, types = list(schema.field_names), list(schema.children)
            table = table.rename_columns(names)
        else:
            if schema is not None:
                table = table.rename_columns(list(schema))
            types = [from_arrow(f.type, f.nullable) for f in table.schema]
        return self._from_arrow_table(table, types)

    def _from_arrow_table(self, table, types: list[DataType]) -> Table:
        from flowsql.connectors import memory

        table_id = memory.put(table)
        name = f"{ANONYMOUS_PREFIX}python-input-format${next(self._anonymous_ids)}*"
        path = self._qualified((name,))
        columns = tuple(TableColumn(n, t) for n, t in zip(table.column_names, types))
        self.catalog.create(path, CatalogTable(columns, {"connector": "flowsql-memory", "table-id": table_id}),
                            temporary=True)
        return self.from_path_tuple(path)

    # -- views and tables -----------------------------------------------------------------------
    def create_temporary_view(self, view_path: str, table: Table, *fields) -> None:
        self._create_view(view_path, table, fields, temporary=True)

    def create_view(self, view_path: str, table: Table, ignore_if_exists: bool = False) -> None:
        self._create_view(view_path, table, (), temporary=False, if_not_exists=ignore_if_exists)

    def _create_view(self, view_path, table, fields, temporary: bool, if_not_exists: bool = False) -> None:
        from flowsql.table.table import Table

        if not isinstance(table, Table):
            raise ValidationError(f"create_temporary_view takes a Table, found {type(table).__name__}",
                                  hint="convert data with from_elements / from_pandas / from_arrow first")
        if fields:
            names = [f if isinstance(f, str) else f.node.name for f in fields]
            table = table.alias(*names)
        view = CatalogView(table._sql(), None, None, plan=table._plan)
        self.catalog.create(_object_name(view_path), view, temporary=temporary, if_not_exists=if_not_exists)

    def _register_unnamed(self, table: Table) -> str:
        unnamed = self._table_api_state()["unnamed"]
        if id(table) not in unnamed:
            name = f"{UNNAMED_PREFIX}{len(unnamed)}"
            self.catalog.create((name,), CatalogView(table._sql(), None, None, plan=table._plan), temporary=True)
            unnamed[id(table)] = (name, table)
        return f"`{unnamed[id(table)][0]}`"

    def create_temporary_table(self, path: str, descriptor: TableDescriptor) -> None:
        self.execute_sql(descriptor.to_ddl(_quoted(path), temporary=True))

    def create_table(self, path: str, descriptor: TableDescriptor, ignore_if_exists: bool = False) -> bool:
        self.execute_sql(descriptor.to_ddl(_quoted(path), if_not_exists=ignore_if_exists))
        return True

    def drop_temporary_view(self, view_path: str) -> bool:
        return self._drop(view_path, "VIEW", temporary=True)

    def drop_temporary_table(self, table_path: str) -> bool:
        return self._drop(table_path, "TABLE", temporary=True)

    def drop_view(self, view_path: str, ignore_if_not_exists: bool = True) -> bool:
        return self._drop(view_path, "VIEW", temporary=False, if_exists=ignore_if_not_exists)

    def drop_table(self, table_path: str, ignore_if_not_exists: bool = True) -> bool:
        return self._drop(table_path, "TABLE", temporary=False, if_exists=ignore_if_not_exists)

    def _drop(self, path: str, kind: str, temporary: bool, if_exists: bool = True) -> bool:
        name = _object_name(path)
        if self.catalog.lookup(name) is None and if_exists:
            return False
        self.catalog.drop(name, kind, temporary=temporary, if_exists=if_exists)
        return True

    def _sink_path(self, target) -> tuple[str, ...]:
        from flowsql.table.descriptors import TableDescriptor

        if isinstance(target, TableDescriptor):
            name = f"{ANONYMOUS_PREFIX}{target.options.get('connector')}${next(self._anonymous_ids)}*"
            path = self._qualified((name,))
            self.execute_sql(target.to_ddl(".".join(f"`{p}`" for p in path), temporary=True))
            return path
        return _object_name(target)

    # -- functions --------------------------------------------------------------------------------
    def create_temporary_function(self, path: str, function) -> None:
        self._create_function(path, function, temporary=True)

    def create_temporary_system_function(self, name: str, function) -> None:
        self._create_function(name, function, temporary=True, system=True)

    def create_function(self, path: str, function_class, ignore_if_exists: bool = False) -> None:
        self._create_function(path, function_class, temporary=False, if_not_exists=ignore_if_exists)

    def _create_function(self, path, function, temporary: bool, system: bool = False,
                         if_not_exists: bool = False) -> None:
        from flowsql.table.udf import as_function

        name = _object_name(path)
        if isinstance(function, str):
            entry = CatalogFunction(function, "PYTHON")
        else:
            entry = CatalogFunction(name[-1], "PYTHON", implementation=as_function(function))
        self.catalog.create_function(name, entry, temporary=temporary, system=system, if_not_exists=if_not_exists)

    def register_function_by_name(self, s) -> None:
        """``CREATE [TEMPORARY [SYSTEM]] FUNCTION f AS 'module.fn' LANGUAGE PYTHON``: loaded on first use."""
        self.catalog.create_function(s.name, CatalogFunction(s.identifier, "PYTHON"), temporary=s.temporary,
                                     system=s.system, if_not_exists=s.if_not_exists)

    def drop_function(self, path: str) -> bool:
        self.catalog.drop_function(_object_name(path), if_exists=True)
        return True

    def drop_temporary_function(self, path: str) -> bool:
        self.catalog.drop_function(_object_name(path), temporary=True, if_exists=True)
        return True

    def drop_temporary_system_function(self, name: str) -> bool:
        self.catalog.drop_function((name,), system=True, if_exists=True)
        return True

    def list_functions(self) -> list[str]:
        from flowsql.planner.functions import registry
        from flowsql.planner.typing_rules import AGGREGATE_FUNCTIONS

        names = {f.name.lower() for f in registry.all_functions()} | {a.lower() for a in AGGREGATE_FUNCTIONS}
        return sorted(names | set(self.catalog.list_user_functions()))

    def list_temporary_views(self) -> list[str]:
        return sorted(p[2] for p, o in self.catalog.temporary.items()
                      if isinstance(o, CatalogView) and not p[2].startswith(UNNAMED_PREFIX))

    def list_modules(self) -> list[str]:
        return ["core"]

    def list_full_modules(self) -> list[tuple[str, bool]]:
        return [("core", True)]

    # -- statement sets and Python dependencies ---------------------------------------------------
    def create_statement_set(self) -> StatementSet:
        from flowsql.table.statement_set import StatementSet

        return StatementSet(self)

    def add_python_file(self, file_path: str) -> None:
        """Python functions run in this process: a file is made importable by adding it to sys.path."""
        import os
        import sys

        directory = file_path if os.path.isdir(file_path) else os.path.dirname(os.path.abspath(file_path))
        if directory not in sys.path:
            sys.path.append(directory)

    def set_python_requirements(self, requirements_file_path: str, requirements_cache_dir: str | None = None) -> None:
        """Nothing to ship: functions run in this interpreter, with the packages installed in it."""

    def add_python_archive(self, archive_path: str, target_dir: str | None = None) -> None:
        """Nothing to ship: functions run in this interpreter."""


def _quoted(path: str) -> str:
    return ".".join(f"`{p}`" for p in _object_name(path))


def _as_tuple(element) -> tuple:
    if isinstance(element, tuple):
        return tuple(element)
    if isinstance(element, list):
        return tuple(element)
    if isinstance(element, dict):
        return tuple(element.values())
    return (element,)


def _element_schema(elements, rows: list[tuple], schema) -> tuple[list[str], list[DataType]]:
    if isinstance(schema, DataType):
        if schema.name != "ROW":
            return ["f0"], [schema]
        return list(schema.field_names), list(schema.children)
    width = len(rows[0]) if rows else len(schema or [])
    first = elements[0] if elements else None
    names = (list(schema) if schema is not None else
             list(first._fields) if getattr(first, "_fields", None) else
             list(first.keys()) if isinstance(first, dict) else [f"_{i + 1}" for i in range(width)])
    types = [_infer_type([r[i] for r in rows]) for i in range(width)]
    return names, types


def _infer_type(values: list[Any]) -> DataType:
    """PyFlink's inference: int → BIGINT, float → DOUBLE, str → STRING, ..."""
    from flowsql.common import types as t

    sample = next((v for v in values if v is not None), None)
    if sample is None:
        return t.STRING()
    if isinstance(sample, bool):
        return t.BOOLEAN()
    if isinstance(sample, int):
        return t.BIGINT()
    if isinstance(sample, float):
        return t.DOUBLE()
    if isinstance(sample, decimal.Decimal):
        return t.DECIMAL(38, 18)
    if isinstance(sample, str):
        return t.STRING()
    if isinstance(sample, (bytes, bytearray)):
        return t.BYTES()
    if isinstance(sample, dt.datetime):
        return t.TIMESTAMP_LTZ(6) if sample.tzinfo else t.TIMESTAMP(6)
    if isinstance(sample, dt.date):
        return t.DATE()
    if isinstance(sample, dt.time):
        return t.TIME(0)
    if isinstance(sample, dt.timedelta):
        return t.INTERVAL_DAY_TIME()
    if isinstance(sample, dict):
        return t.MAP(_infer_type(list(sample.keys())), _infer_type(list(sample.values())))
    if isinstance(sample, tuple) and getattr(sample, "_fields", None):
        return t.ROW([(n, _infer_type([v])) for n, v in zip(sample._fields, sample)])
    if isinstance(sample, (list, tuple)):
        return t.ARRAY(_infer_type([x for v in values if v is not None for x in v]))
    raise ValidationError(f"from_elements cannot infer a type for {sample!r} ({type(sample).__name__})",
                          hint="pass the schema: DataTypes.ROW([DataTypes.FIELD('a', DataTypes.INT()), ...])")


def _arrow_value(value, data_type: DataType):
    """A Python value as pyarrow takes it for ``data_type`` (Rows and tuples become structs)."""
    if value is None:
        return None
    if data_type.name == "ROW":
        if isinstance(value, dict):
            items = [value.get(n) for n in data_type.field_names]
        else:
            items = list(value)
        return {n: _arrow_value(v, c) for n, v, c in zip(data_type.field_names, items, data_type.children)}
    if data_type.name == "MAP":
        key_type, value_type = data_type.children
        return [(_arrow_value(k, key_type), _arrow_value(v, value_type)) for k, v in dict(value).items()]
    if data_type.name in ("ARRAY", "MULTISET"):
        return [_arrow_value(v, data_type.children[0]) for v in value]
    return value
