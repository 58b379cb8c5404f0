"""Binding ``JOIN t FOR SYSTEM_TIME AS OF l.time``: temporal joins and lookup joins.

The AS OF expression must be a time attribute of the left input. With an event-time attribute
the right side must be a *versioned table* (a primary key and an event-time attribute) and the
join becomes a ``TemporalJoin`` (each left row meets the version valid at its time); with a
processing-time attribute the right side must be a table whose connector can look rows up by key,
and the join becomes a ``LookupJoin`` (each left row meets the table as it is when the row
arrives). Only INNER and LEFT joins exist, as in Flink.

    FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.order_time AS r ON o.currency = r.currency
    →  TemporalJoin(joinType=[InnerJoin], where=[(currency = currency0)],
                    leftTimeAttribute=[order_time], rightTimeAttribute=[update_time])
"""

from __future__ import annotations

from flowsql.catalog import CatalogView
from flowsql.common.errors import FlowSqlError, ValidationError
from flowsql.planner.expr_binder import ExpressionBinder, Scope, ScopeField, error, position
from flowsql.planner.expressions import Call, Expr, InputRef, conjuncts, input_refs, is_true_literal, make_and
from flowsql.planner.logical import (
    Deduplicate,
    Field,
    Filter,
    LookupJoin,
    Node,
    Project,
    TableScan,
    TemporalJoin,
    WatermarkAssigner,
)
from sqlglot import exp

_HINT_VERSIONED = ("a versioned table has a PRIMARY KEY (...) NOT ENFORCED and an event-time attribute "
                   "(WATERMARK FOR ts AS ...)")


def is_temporal_join(join: exp.Join) -> bool:
    return isinstance(join.this, exp.Table) and join.this.args.get("version") is not None


def bind_temporal_join(binder, left, join: exp.Join):
    """The relation of ``left JOIN <table> FOR SYSTEM_TIME AS OF ...``: a TemporalJoin or a LookupJoin."""
    from flowsql.planner.binder import _JoinedRelation, relation_fields

    table_node: exp.Table = join.this
    version: exp.Version = table_node.args["version"]
    side = (join.args.get("side") or "").upper()
    kind = (join.args.get("kind") or "").upper()
    if side not in ("", "LEFT") or kind not in ("", "INNER", "OUTER"):
        raise error("FOR SYSTEM_TIME AS OF supports only JOIN and LEFT JOIN", join,
                    hint="write the temporal join as [INNER] JOIN or LEFT [OUTER] JOIN ... ON <keys>")
    join_type = "LEFT" if side == "LEFT" else "INNER"
    if join.args.get("on") is None:
        raise error("a temporal join needs an ON condition with an equality on the joined table's key", join,
                    hint="add ON <left column> = <table>.<key column>")
    left_fields = relation_fields(left)
    as_of = ExpressionBinder(Scope(left_fields), clause="FOR SYSTEM_TIME AS OF").bind(version.expression)
    time_kind = as_of.type.time_attribute if isinstance(as_of, InputRef) else None
    if time_kind is None:
        found = f"a plain {as_of.type.sql(False)} column" if isinstance(as_of, InputRef) else "an expression"
        raise error(f"FOR SYSTEM_TIME AS OF needs a time attribute of the left input, but "
                    f"'{version.expression.sql()}' is {found}", _first_token(version.expression),
                    hint="use the left table's event-time column (declared with WATERMARK FOR) or a "
                         "processing-time column (pt AS PROCTIME())")
    name = tuple(p.name for p in table_node.parts)
    alias_node = table_node.args.get("alias")
    qualifier = alias_node.name if alias_node is not None and alias_node.name else name[-1]
    if time_kind == "proctime":
        plan, right_fields = _lookup_side(binder, name, table_node, qualifier)
    else:
        plain = table_node.copy()
        plain.set("version", None)
        right_plan = binder.bind_from(plain).plan
        right_fields = [ScopeField(f.name, f.type, qualifier) for f in right_plan.fields]
    combined = left_fields + right_fields
    condition = ExpressionBinder(Scope(combined), function_lookup=binder.functions, clause="ON").boolean(
        join.args["on"])
    nl = len(left_fields)
    table_text = ".".join(name)
    if time_kind == "proctime":
        left_keys, right_keys, residual = _split(condition, nl, None)
        if not left_keys:
            raise error(f"a lookup join with {table_text} needs an equality between the left input and a "
                        f"column of {table_text}", join.args["on"],
                        hint=f"add ON <left column> = {qualifier}.<column>")
        node: Node = LookupJoin(left.plan, plan.path, plan.table, plan.columns, join_type, condition,
                                left_keys, right_keys, residual, position(table_node))
    else:
        node = _temporal_join(left.plan, right_plan, join_type, condition, as_of.index, table_text, qualifier,
                              table_node, join.args["on"])
    return _JoinedRelation(node, combined)


def _temporal_join(left: Node, right: Node, join_type: str, condition: Expr, left_time: int, table_text: str,
                   qualifier: str, table_node: exp.Expression, on: exp.Expression) -> TemporalJoin:
    rowtimes = [i for i, f in enumerate(right.fields) if f.type.time_attribute == "rowtime"]
    versioned_view = _deduplicated_versions(right) if not rowtimes or unique_key(right) is None else None
    if versioned_view is not None:
        right, key, time = versioned_view
        return _keyed_temporal_join(left, right, join_type, condition, left_time, time, key, table_text,
                                    qualifier, on)
    if not rowtimes:
        raise error(f"event-time temporal join needs a versioned table, but {table_text} has no event-time "
                    f"attribute", table_node,
                    hint=f"declare one in CREATE TABLE {table_text}: WATERMARK FOR <time column> AS <time column>; "
                         + _HINT_VERSIONED)
    key = unique_key(right)
    if key is None:
        raise error(f"event-time temporal join needs a versioned table, but {table_text} has no primary key",
                    table_node,
                    hint=f"declare PRIMARY KEY (<columns>) NOT ENFORCED in CREATE TABLE {table_text}; "
                         + _HINT_VERSIONED)
    return _keyed_temporal_join(left, right, join_type, condition, left_time, rowtimes[0], key, table_text,
                                qualifier, on)


def _keyed_temporal_join(left: Node, right: Node, join_type: str, condition: Expr, left_time: int,
                         right_time: int, key: tuple[int, ...], table_text: str, qualifier: str,
                         on: exp.Expression) -> TemporalJoin:
    nl = len(left.fields)
    left_keys, right_keys, residual = _split(condition, nl, set(key))
    missing = [right.names[k] for k in key if k not in right_keys]
    if missing:
        pk = ", ".join(right.names[k] for k in key)
        raise error(f"the temporal join with {table_text} needs an equality on its primary key [{pk}]; "
                    f"missing: {', '.join(missing)}", on,
                    hint=f"add ON ... AND <left column> = {qualifier}.{missing[0]}")
    # Keys in primary-key order, so that both inputs agree on the key layout.
    order = [right_keys.index(k) for k in key]
    return TemporalJoin(left, right, join_type, condition, left_time, right_time,
                        tuple(left_keys[i] for i in order), tuple(key), residual)


def _deduplicated_versions(plan: Node) -> tuple[Node, tuple[int, ...], int] | None:
    """A versioned view: a query keeping the last row per key by event time (``ROW_NUMBER() OVER
    (PARTITION BY k ORDER BY ts DESC) = 1``). Its versions are the rows it deduplicates, each valid
    from its own time, so the join reads them directly: (that plan, key, time column), or None.
    The view is recognized by the optimizer's own deduplication rules."""
    from flowsql.common.config import Config
    from flowsql.planner.optimizer import optimize

    optimized = optimize(plan, Config())
    chain: list[Node] = []
    node = optimized
    while isinstance(node, (Project, Filter)):
        chain.append(node)
        node = node.input
    if not (isinstance(node, Deduplicate) and node.keep_last and node.is_rowtime):
        return None
    rebuilt: Node = node.input
    for above in reversed(chain):
        rebuilt = above.replace_inputs((rebuilt,))
    positions = _positions_above(chain, [*node.keys, node.time_index])
    if positions is None:
        return None
    return rebuilt, tuple(positions[:-1]), positions[-1]


def _positions_above(chain: list[Node], indexes: list[int]) -> list[int] | None:
    """Where columns of the node below ``chain`` (a top-down list of Projects and Filters) end up."""
    for node in reversed(chain):
        if isinstance(node, Project):
            moved = []
            for k in indexes:
                found = next((i for i, e in enumerate(node.exprs) if isinstance(e, InputRef) and e.index == k), None)
                if found is None:
                    return None
                moved.append(found)
            indexes = moved
    return indexes


def _lookup_side(binder, name: tuple[str, ...], node: exp.Expression, qualifier: str):
    """The table a lookup join reads: a TableScan of its columns (computed columns are not looked up)."""
    from flowsql.connectors import find_factory

    table_text = ".".join(name)
    try:
        path, obj = binder.catalog.resolve(name)
    except ValidationError as e:
        raise error(e.message, node, hint=e.hint) from None
    if isinstance(obj, CatalogView):
        raise error(f"processing-time temporal join needs a table whose connector supports lookups, but "
                    f"{table_text} is a view", node, hint=lookup_hint())
    connector = obj.options.get("connector", "")
    try:
        factory = find_factory(connector, table_text)
    except FlowSqlError as e:
        raise error(e.message, node, hint=e.hint) from None
    if not getattr(factory, "supports_lookup", False):
        raise error(f"processing-time temporal join needs a table whose connector supports lookups, but "
                    f"{table_text} uses connector '{connector}', which does not", node, hint=lookup_hint())
    columns = [c for c in obj.columns if c.kind != "computed"]
    fields = tuple(Field(c.name, c.type.without_time_attribute()) for c in columns)
    scan = TableScan(path, obj, fields, tuple(c.metadata_key or c.name if c.kind == "metadata" else None
                                              for c in columns))
    return scan, [ScopeField(f.name, f.type, qualifier) for f in fields]


def _first_token(node: exp.Expression) -> exp.Expression:
    """The descendant written first (``o`` of ``o.ts``), so that errors point at the start."""
    positioned = [n for n in node.walk() if "line" in (getattr(n, "meta", None) or {})]
    return min(positioned, key=position, default=node)


def lookup_hint() -> str:
    from flowsql.connectors import lookup_connectors

    return (f"connectors that support lookups: {', '.join(lookup_connectors())}; or join a versioned table "
            f"FOR SYSTEM_TIME AS OF an event-time attribute")


def _split(condition: Expr, nl: int, allowed: set[int] | None) -> tuple[list[Expr], list[int], Expr | None]:
    """Equalities ``left expression = right column`` (on the ``allowed`` right columns, each once)
    as key pairs; every other conjunct is the residual."""
    left_keys: list[Expr] = []
    right_keys: list[int] = []
    rest: list[Expr] = []
    for part in conjuncts(condition):
        pair = _key_pair(part, nl)
        if pair is not None and pair[1] not in right_keys and (allowed is None or pair[1] in allowed):
            left_keys.append(pair[0])
            right_keys.append(pair[1])
        elif not is_true_literal(part):
            rest.append(part)
    return left_keys, right_keys, make_and(rest) if rest else None


def _key_pair(part: Expr, nl: int) -> tuple[Expr, int] | None:
    if not (isinstance(part, Call) and part.op == "=" and len(part.operands) == 2):
        return None
    for a, b in (part.operands, part.operands[::-1]):
        column = _right_column(b, nl)
        refs = input_refs(a)
        if column is not None and refs and max(refs) < nl:
            return a, column
    return None


def _right_column(e: Expr, nl: int) -> int | None:
    while isinstance(e, Call) and e.op == "CAST" and len(e.operands) == 1:
        e = e.operands[0]
    return e.index - nl if isinstance(e, InputRef) and e.index >= nl else None


def unique_key(plan: Node) -> tuple[int, ...] | None:
    """Columns of ``plan`` that identify a row (a table's primary key, a deduplication's key),
    followed through filters, watermarks and projections; None when unknown."""
    if isinstance(plan, TableScan):
        pk, names = plan.table.primary_key, plan.names
        return tuple(names.index(k) for k in pk) if pk and all(k in names for k in pk) else None
    if isinstance(plan, (Filter, WatermarkAssigner)):
        return unique_key(plan.input)
    if isinstance(plan, Deduplicate):
        return plan.keys
    if isinstance(plan, Project):
        inner = unique_key(plan.input)
        if inner is None:
            return None
        out = []
        for k in inner:
            found = next((i for i, e in enumerate(plan.exprs) if isinstance(e, InputRef) and e.index == k), None)
            if found is None:
                return None
            out.append(found)
        return tuple(out)
    return None
