"""``Table``: a relational query built step by step in Python (PyFlink's ``pyflink.table.Table``).

A ``Table`` holds the sqlglot AST of the SQL query it stands for, and binds it with the SQL binder
at every step (so mistakes are reported where they are made, with the columns the table has).
Each operation builds the AST the equivalent SQL would parse to — ``t.where(p).select(a)`` is
``SELECT a FROM t WHERE p``, not a stack of subqueries — wrapping the query in a subquery only
where SQL would have to, so a Table API program and its SQL produce the same logical plan.
Unnamed computed columns are named ``_c0, _c1, ...`` as PyFlink names them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowsql.common.errors import ValidationError
from flowsql.table.expressions import Expression, _ColumnRange, _MultiAlias
from sqlglot import exp

if TYPE_CHECKING:
    from flowsql.table.result import TableResult, TableSchema
    from flowsql.table.window import GroupWindow, OverWindow

_SELECT_MODIFIERS = ("group", "having", "order", "limit", "offset", "distinct", "qualify", "with", "with_",
                     "windows")


def _identifier(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _column(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=_identifier(name), table=_identifier(table) if table else None)


def _is_star_select(query: exp.Expression, allow_where: bool = True, allow_joins: bool = True) -> bool:
    """``SELECT * FROM ... [JOIN ...] [WHERE ...]``: clauses can be merged into it."""
    if not isinstance(query, exp.Select):
        return False
    if len(query.expressions) != 1 or not isinstance(query.expressions[0], exp.Star):
        return False
    if any(query.args.get(k) for k in _SELECT_MODIFIERS):
        return False
    if not allow_where and query.args.get("where") is not None:
        return False
    if not allow_joins and query.args.get("joins"):
        return False
    return (query.args.get("from_") or query.args.get("from")) is not None


def _from_of(select: exp.Select) -> exp.Expression:
    return (select.args.get("from_") or select.args.get("from")).this


def _select(items: list[exp.Expression], from_item: exp.Expression) -> exp.Select:
    return exp.Select(expressions=items, from_=exp.From(this=from_item))


def _unnamed(node: exp.Expression) -> bool:
    return not isinstance(node, (exp.Alias, exp.Column, exp.Star, exp.Dot))


class Table:
    """A query over the catalog, extended by relational operations; run with ``execute()``."""

    def __init__(self, env, query: exp.Expression, plan=None) -> None:
        self._env = env
        self._query = query
        self._plan = plan if plan is not None else env._bind_query(query)

    # -- internals ----------------------------------------------------------------------------
    @property
    def _names(self) -> list[str]:
        return list(self._plan.names)

    def _new(self, query: exp.Expression) -> Table:
        return Table(self._env, query)

    def _from_item(self) -> exp.Expression:
        """This table as a FROM item: its table reference when it is one, else a subquery."""
        q = self._query
        if _is_star_select(q, allow_where=False, allow_joins=False) and isinstance(_from_of(q), exp.Table):
            return _from_of(q).copy()
        return exp.Subquery(this=q.copy())

    def _base_select(self) -> exp.Select:
        """A ``SELECT * ...`` of this table that clauses can be added to."""
        if _is_star_select(self._query):
            return self._query.copy()
        return _select([exp.Star()], exp.Subquery(this=self._query.copy()))

    def _expressions(self, fields: tuple, name_offset: int = 0, name_unnamed: bool = True) -> list[exp.Expression]:
        """Select items from Expressions (or SQL strings), registering the Python functions they call."""
        items: list[exp.Expression] = []
        for f in fields:
            if isinstance(f, _ColumnRange):
                items += [e.node for e in f.expand(self._names)]
                continue
            if isinstance(f, str):
                items += _parse_items(f)
                continue
            if not isinstance(f, Expression):
                from flowsql.table.expressions import lit

                f = lit(f)
            self._env._register_inline_functions(f.functions)
            node = f.node.copy()
            if isinstance(f, _MultiAlias):
                raise ValidationError(f"alias({', '.join(f.names)}) gives several names: only the result of a "
                                      f"table function or map() has several columns")
            items.append(node)
        if name_unnamed:
            items = [exp.Alias(this=n, alias=_identifier(f"_c{name_offset + i}")) if _unnamed(n) else n
                     for i, n in enumerate(items)]
        return items

    def _condition(self, predicate) -> exp.Expression:
        if isinstance(predicate, str):
            from flowsql.planner.parser import parse_expression

            return parse_expression(predicate)
        self._env._register_inline_functions(predicate.functions)
        return predicate.node.copy()

    # -- relational operations -----------------------------------------------------------------
    def select(self, *fields) -> Table:
        query = self._base_select()
        query.set("expressions", self._expressions(fields))
        return self._new(query)

    def where(self, predicate) -> Table:
        query = self._base_select()
        condition = self._condition(predicate)
        existing = query.args.get("where")
        if existing is not None:
            condition = exp.And(this=exp.Paren(this=existing.this), expression=exp.Paren(this=condition))
        query.set("where", exp.Where(this=condition))
        return self._new(query)

    filter = where

    def group_by(self, *fields) -> GroupedTable:
        return GroupedTable(self, fields)

    def distinct(self) -> Table:
        q = self._query
        if isinstance(q, exp.Select) and not any(q.args.get(k) for k in ("order", "limit", "offset", "distinct")):
            query = q.copy()
        else:
            query = _select([exp.Star()], exp.Subquery(this=q.copy()))
        query.set("distinct", exp.Distinct())
        return self._new(query)

    # joins
    def _join(self, right: Table, predicate, side: str | None) -> Table:
        if right._env is not self._env:
            raise ValidationError("only tables of the same TableEnvironment can be joined")
        q = self._query
        if _is_star_select(q, allow_where=False):
            query = q.copy()
        else:
            query = _select([exp.Star()], exp.Subquery(this=q.copy()))
        join = exp.Join(this=right._from_item())
        if side:
            join.set("side", side)
        if predicate is not None:
            join.set("on", self._condition(predicate))
        elif side:
            raise ValidationError(f"a {side.lower()} outer join needs a join condition")
        query.set("joins", list(query.args.get("joins") or []) + [join])
        return self._new(query)

    def join(self, right: Table, join_predicate=None) -> Table:
        return self._join(right, join_predicate, None)

    def left_outer_join(self, right: Table, join_predicate=None) -> Table:
        return self._join(right, join_predicate, "LEFT")

    def right_outer_join(self, right: Table, join_predicate) -> Table:
        return self._join(right, join_predicate, "RIGHT")

    def full_outer_join(self, right: Table, join_predicate) -> Table:
        return self._join(right, join_predicate, "FULL")

    def _lateral(self, call: Expression, predicate, outer: bool) -> Table:
        node, names = self._table_function(call)
        q = self._query
        query = q.copy() if _is_star_select(q, allow_where=False) else _select(
            [exp.Star()], exp.Subquery(this=q.copy()))
        lateral = exp.Lateral(this=node, alias=exp.TableAlias(this=_identifier("T"),
                                                            columns=[_identifier(n) for n in names]))
        join = exp.Join(this=lateral)
        if outer:
            join.set("side", "LEFT")
            join.set("on", self._condition(predicate) if predicate is not None else exp.Boolean(this=True))
        else:
            join.set("kind", "CROSS")
        query.set("joins", list(query.args.get("joins") or []) + [join])
        table = self._new(query)
        if predicate is not None and not outer:
            table = table.where(predicate)
        return table

    def _table_function(self, call: Expression) -> tuple[exp.Expression, list[str]]:
        """The call node of a table function and the names of its columns."""
        from flowsql.table.udf import TableFunctionWrapper

        node = call.node
        names: list[str] | None = list(call.names) if isinstance(call, _MultiAlias) else None
        if isinstance(node, exp.Alias):
            names = [node.alias]
            node = node.this
        self._env._register_inline_functions(call.functions)
        if not isinstance(node, exp.Anonymous):
            raise ValidationError(f"expected a call of a table function, found {call}")
        function = call.functions.get(node.name.lower()) or self._env.function_binding(node.name)
        if names is None:
            count = len(function.result_types) if isinstance(function, TableFunctionWrapper) else 1
            names = [f"f{i}" for i in range(count)]
        return node.copy(), names

    def join_lateral(self, table_function_call: Expression, join_predicate=None) -> Table:
        return self._lateral(table_function_call, join_predicate, False)

    def left_outer_join_lateral(self, table_function_call: Expression, join_predicate=None) -> Table:
        return self._lateral(table_function_call, join_predicate, True)

    # set operations
    def _set_operation(self, cls: type, right: Table, distinct: bool) -> Table:
        return self._new(cls(this=self._query.copy(), expression=right._query.copy(), distinct=distinct))

    def union(self, right: Table) -> Table:
        return self._set_operation(exp.Union, right, True)

    def union_all(self, right: Table) -> Table:
        return self._set_operation(exp.Union, right, False)

    def intersect(self, right: Table) -> Table:
        return self._set_operation(exp.Intersect, right, True)

    def intersect_all(self, right: Table) -> Table:
        return self._set_operation(exp.Intersect, right, False)

    def minus(self, right: Table) -> Table:
        return self._set_operation(exp.Except, right, True)

    def minus_all(self, right: Table) -> Table:
        return self._set_operation(exp.Except, right, False)

    # ordering and limits
    def order_by(self, *fields) -> Table:
        keys = []
        for f in fields:
            node = self._condition(f) if not isinstance(f, str) else _column(f)
            keys.append(node if isinstance(node, exp.Ordered) else exp.Ordered(this=node, nulls_first=True))
        q = self._query
        mergeable = isinstance(q, exp.Select) and not any(q.args.get(k) for k in ("order", "limit", "offset")) and (
            _is_star_select(q) or all(isinstance(k.this, exp.Column) and k.this.name in self._names for k in keys))
        query = q.copy() if mergeable else _select([exp.Star()], exp.Subquery(this=q.copy()))
        query.set("order", exp.Order(expressions=keys))
        return self._new(query)

    def _limited(self, offset: int | None, fetch: int | None) -> Table:
        q = self._query
        can_merge = isinstance(q, exp.Select) and q.args.get("limit") is None and (
            offset is None or q.args.get("offset") is None)
        query = q.copy() if can_merge else _select([exp.Star()], exp.Subquery(this=q.copy()))
        if offset:
            query.set("offset", exp.Offset(expression=exp.Literal.number(offset)))
        if fetch is not None:
            query.set("limit", exp.Limit(expression=exp.Literal.number(fetch)))
        return self._new(query)

    def offset(self, offset: int) -> Table:
        return self._limited(offset, None)

    def fetch(self, fetch: int) -> Table:
        return self._limited(None, fetch)

    def limit(self, fetch: int, offset: int = 0) -> Table:
        return self._limited(offset, fetch)

    # columns
    def add_columns(self, *fields) -> Table:
        items = self._expressions(fields, name_offset=len(self._names))
        for n in _item_names(items):
            if n in self._names:
                raise ValidationError(f"add_columns: the column '{n}' already exists",
                                      hint="use add_or_replace_columns to replace it")
        query = self._base_select()
        query.set("expressions", [exp.Star()] + items)
        return self._new(query)

    def add_or_replace_columns(self, *fields) -> Table:
        items = self._expressions(fields, name_offset=len(self._names))
        by_name = dict(zip(_item_names(items), items))
        kept = [by_name.pop(n) if n in by_name else _column(n) for n in self._names]
        return self._project(kept + list(by_name.values()))

    def rename_columns(self, *fields) -> Table:
        renames = {}
        for f in self._expressions(fields, name_unnamed=False):
            if not (isinstance(f, exp.Alias) and isinstance(f.this, exp.Column)):
                raise ValidationError(f"rename_columns takes col('old').alias('new'), found {f.sql()}")
            if f.this.name not in self._names:
                raise ValidationError(f"rename_columns: the table has no column '{f.this.name}'",
                                      hint="its columns are " + ", ".join(self._names))
            renames[f.this.name] = f.alias
        return self._project([exp.Alias(this=_column(n), alias=_identifier(renames[n])) if n in renames
                              else _column(n) for n in self._names])

    def drop_columns(self, *fields) -> Table:
        dropped = set()
        for f in self._expressions(fields, name_unnamed=False):
            if not isinstance(f, exp.Column) or f.name not in self._names:
                raise ValidationError(f"drop_columns: the table has no column '{f.sql()}'",
                                      hint="its columns are " + ", ".join(self._names))
            dropped.add(f.name)
        return self._project([_column(n) for n in self._names if n not in dropped])

    def alias(self, field: str, *fields: str) -> Table:
        names = [field, *fields]
        if len(names) > len(self._names):
            raise ValidationError(f"alias gives {len(names)} names to a table of {len(self._names)} columns")
        items = [exp.Alias(this=_column(old), alias=_identifier(new)) for old, new in zip(self._names, names)]
        return self._project(items + [_column(n) for n in self._names[len(names):]])

    def _project(self, items: list[exp.Expression]) -> Table:
        query = self._base_select()
        query.set("expressions", items)
        return self._new(query)

    # windows
    def window(self, window: GroupWindow) -> GroupWindowedTable:
        return GroupWindowedTable(self, window)

    def over_window(self, *over_windows: OverWindow) -> OverWindowedTable:
        return OverWindowedTable(self, over_windows)

    # row-based operations
    def map(self, func: Expression) -> Table:
        """``map(f(col('a'), ...))``: one output row per input row; a ROW result becomes columns."""
        return _flatten_row(self, func, group_keys=None)

    def flat_map(self, func: Expression) -> Table:
        """``flat_map(udtf(...))``: the table function's rows, without the input columns."""
        node, names = self._table_function(func)
        joined = self._lateral(Expression(node, func.functions).alias(*names) if len(names) > 1
                               else Expression(node, func.functions).alias(names[0]), None, False)
        return joined._project([_column(n, "T") for n in names])

    def aggregate(self, func: Expression) -> AggregatedTable:
        return AggregatedTable(self, (), func)

    def flat_aggregate(self, func: Expression) -> FlatAggregateTable:
        return FlatAggregateTable(self, (), func)

    # -- execution and inspection -----------------------------------------------------------------
    def execute(self) -> TableResult:
        from flowsql.planner.parser import statements as st

        return self._env.execute_statement(st.Query(query=self._query.copy(), sql=self._sql()))

    def execute_insert(self, table_path_or_descriptor, overwrite: bool = False) -> TableResult:
        from flowsql.planner.parser import statements as st

        path = self._env._sink_path(table_path_or_descriptor)
        return self._env.execute_statement(st.Insert(path, self._query.copy(), overwrite=overwrite))

    def explain(self, *extra_details) -> str:
        from flowsql.planner.parser import statements as st
        from flowsql.table.executor import StatementExecutor

        return StatementExecutor(self._env).explain(st.Query(query=self._query.copy()),
                                                    [str(getattr(d, "name", d)) for d in extra_details])

    def print_explain(self, *extra_details) -> None:
        print(self.explain(*extra_details))

    def get_schema(self) -> TableSchema:
        from flowsql.table.result import TableSchema

        return TableSchema(self._plan.names, self._plan.types)

    get_resolved_schema = get_schema

    def print_schema(self) -> None:
        print(self._schema_text())

    def _schema_text(self) -> str:
        lines = [f"  `{f.name}` {f.type.sql(True)}" for f in self._plan.fields]
        return "(\n" + ",\n".join(lines) + "\n)"

    def _sql(self) -> str:
        from flowsql.planner.parser import FlinkDialect

        return self._query.sql(dialect=FlinkDialect)

    def to_arrow(self):
        """The table's final contents as an Arrow table (an updating result is materialized)."""
        from flowsql.table.conversion import result_to_arrow

        return result_to_arrow(self.execute())

    def to_pandas(self):
        return self.to_arrow().to_pandas()

    def to_polars(self):
        try:
            import polars
        except ImportError:
            raise ImportError("to_polars() needs the polars package: pip install polars") from None
        return polars.from_arrow(self.to_arrow())

    def _repr_html_(self) -> str:
        from flowsql.table.conversion import html_preview

        return html_preview(self)

    def __str__(self) -> str:
        """Registers the table under a generated name, so it can be used in SQL: f'SELECT * FROM {t}'."""
        return self._env._register_unnamed(self)

    def __repr__(self) -> str:
        return f"Table({self._sql()})"


class GroupedTable:
    """``table.group_by(keys)``: ``select`` aggregates per group."""

    def __init__(self, table: Table, keys: tuple) -> None:
        self._table = table
        self._keys = keys

    def _key_nodes(self) -> list[exp.Expression]:
        return self._table._expressions(self._keys, name_unnamed=False)

    def select(self, *fields) -> Table:
        table = self._table
        query = table._base_select()
        query.set("expressions", table._expressions(fields))
        query.set("group", exp.Group(expressions=self._key_nodes()))
        return table._new(query)

    def aggregate(self, func: Expression) -> AggregatedTable:
        return AggregatedTable(self._table, self._keys, func)

    def flat_aggregate(self, func: Expression) -> FlatAggregateTable:
        return FlatAggregateTable(self._table, self._keys, func)


class AggregatedTable:
    """``group_by(...).aggregate(udaf(...).alias(...))``: then ``select`` over keys and results."""

    def __init__(self, table: Table, keys: tuple, func: Expression) -> None:
        self._table = table
        self._keys = keys
        self._func = func

    def select(self, *fields) -> Table:
        return _flatten_row(self._table, self._func, group_keys=self._keys).select(*fields)


class FlatAggregateTable(AggregatedTable):
    """``flat_aggregate(udtaf(...))``: a table aggregate emits several rows per group."""

    def select(self, *fields) -> Table:
        raise ValidationError("flat_aggregate (table aggregate functions) is not supported yet",
                              hint="use group_by(...).select() with aggregate functions")


def _flatten_row(table: Table, func: Expression, group_keys: tuple | None) -> Table:
    """``SELECT [keys,] f(...) AS r`` and then ``r``'s fields as columns (map and aggregate)."""
    names = list(func.names) if isinstance(func, _MultiAlias) else None
    node = func.node
    if isinstance(node, exp.Alias):
        names, node = [node.alias], node.this
    table._env._register_inline_functions(func.functions)
    function = func.functions.get(node.name.lower()) if isinstance(node, exp.Anonymous) else None
    result_type = getattr(function, "_result_type", None)
    inner = table._base_select()
    key_items = table._expressions(group_keys, name_unnamed=False) if group_keys else []
    inner.set("expressions", key_items + [exp.Alias(this=node.copy(), alias=_identifier("__result"))])
    if group_keys is not None:
        inner.set("group", exp.Group(expressions=[k.copy() for k in key_items]))
    keys = _item_names(key_items)
    if result_type is not None and result_type.name == "ROW":
        fields = list(result_type.field_names)
        names = names or fields
        items = [_column(k) for k in keys] + [
            exp.Alias(this=_column(f, "__result"), alias=_identifier(n)) for f, n in zip(fields, names)]
    else:
        items = [_column(k) for k in keys] + [exp.Alias(this=_column("__result"),
                                                        alias=_identifier((names or ["_c0"])[0]))]
    return table._new(_select(items, exp.Subquery(this=inner)))


class GroupWindowedTable:
    """``table.window(Tumble...alias('w'))``: must be grouped by the window alias next."""

    def __init__(self, table: Table, window: GroupWindow) -> None:
        self._table = table
        self._window = window

    def group_by(self, *fields) -> WindowGroupedTable:
        return WindowGroupedTable(self._table, self._window, fields)


_WINDOW_PROPERTIES = {"start": "window_start", "end": "window_end", "rowtime": "window_time",
                      "proctime": "window_time"}


class WindowGroupedTable:
    """Grouped by a group window and keys: ``select`` is the window aggregation, written as Flink's
    window TVF (``FROM TABLE(TUMBLE(...)) GROUP BY window_start, window_end, keys``)."""

    def __init__(self, table: Table, window: GroupWindow, keys: tuple) -> None:
        self._table = table
        self._window = window
        self._keys = keys

    def select(self, *fields) -> Table:
        table = self._table
        alias = self._window.alias_name
        key_nodes = [k for k in table._expressions(self._keys, name_unnamed=False)
                     if not (isinstance(k, exp.Column) and not k.table and k.name == alias)]
        if len(key_nodes) == len(self._keys):
            raise ValidationError(f"a windowed table must be grouped by its window alias: group_by(col('{alias}'), ...)")
        partition = [k.copy() for k in key_nodes] if self._window.kind == "SESSION" else None
        tvf = self._window.table_function(table._from_item(), partition)
        items = [_window_properties(i, alias) for i in table._expressions(fields)]
        group = [_column("window_start"), _column("window_end")] + key_nodes
        query = _select(items, tvf)
        query.set("group", exp.Group(expressions=group))
        return table._new(query)


def _window_properties(node: exp.Expression, alias: str) -> exp.Expression:
    def swap(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.Column) and n.table == alias and n.name in _WINDOW_PROPERTIES:
            return _column(_WINDOW_PROPERTIES[n.name])
        return n

    return node.transform(swap)


class OverWindowedTable:
    """``table.over_window(Over...alias('w'))``: ``select`` may use ``agg.over(col('w'))``."""

    def __init__(self, table: Table, windows: tuple[OverWindow, ...]) -> None:
        self._table = table
        self._windows = {w.alias_name: w for w in windows}

    def select(self, *fields) -> Table:
        table = self._table

        def fill(n: exp.Expression) -> exp.Expression:
            if isinstance(n, exp.Window) and n.args.get("spec") is None and n.args.get("alias") is not None:
                name = n.args["alias"].name
                if name not in self._windows:
                    raise ValidationError(f"over window '{name}' is not defined",
                                          hint="define it in over_window(Over...alias('" + name + "'))")
                return self._windows[name].fill(n)
            return n

        items = [i.transform(fill) for i in table._expressions(fields)]
        query = table._base_select()
        query.set("expressions", items)
        return table._new(query)


def _item_names(items: list[exp.Expression]) -> list[str]:
    return [i.alias if isinstance(i, exp.Alias) else i.name for i in items]


def _parse_items(text: str) -> list[exp.Expression]:
    """PyFlink's older string expressions: ``'a, b + 1 AS c'``."""
    from flowsql.planner.parser import parse_statement

    return list(parse_statement(f"SELECT {text} FROM t").query.expressions)


__all__ = [
    "AggregatedTable",
    "FlatAggregateTable",
    "GroupWindowedTable",
    "GroupedTable",
    "OverWindowedTable",
    "Table",
    "WindowGroupedTable",
]
