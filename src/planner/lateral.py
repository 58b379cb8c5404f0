"""Binding lateral FROM items — ``UNNEST(...)`` and ``LATERAL TABLE(f(...))`` — to ``Correlate``.

Both read the columns of the FROM items to their left, so they are bound over that scope and
joined to it row by row: ``t CROSS JOIN UNNEST(t.tags) AS u(tag)``, the comma form, ``LEFT JOIN
... ON TRUE`` (rows the function makes nothing of are kept, padded with NULLs), and ``WITH
ORDINALITY`` (a 1-based position column last). An inner join's ON condition becomes a filter
above the correlate; a LEFT one must be ``ON TRUE``, as in Flink.
"""

from __future__ import annotations

from flowsql.common.errors import ValidationError, did_you_mean
from flowsql.common.types import INT, DataType
from flowsql.planner.binder import QueryBinder, Relation, _JoinedRelation
from flowsql.planner.expr_binder import ExpressionBinder, Scope, ScopeField, error, position
from flowsql.planner.functions import registry
from flowsql.planner.logical import Correlate, Field, Filter
from sqlglot import exp

ORDINALITY = "ORDINALITY"


def unnest_fields(t: DataType) -> list[Field]:
    """The columns UNNEST makes of a collection type (Calcite's names): an ARRAY or MULTISET of
    ROWs gives the row's fields, of anything else one column ``EXPR$0``; a MAP gives KEY and VALUE.
    A NULL element of an array of rows reads as a row of NULLs, so those fields become nullable."""
    if t.name == "MAP":
        return [Field("KEY", t.children[0]), Field("VALUE", t.children[1])]
    element = t.children[0]
    if element.name == "ROW":
        return [Field(n, c.with_nullable(c.nullable or element.nullable))
                for n, c in zip(element.field_names, element.children)]
    return [Field("EXPR$0", element)]


def bind_lateral(binder: QueryBinder, left: Relation, item: exp.Expression, join: exp.Join | None) -> Relation:
    """``left`` joined with the lateral ``item`` (an ``exp.Unnest`` or ``exp.Lateral``)."""
    left_fields = left.scope_fields()
    expr_binder = ExpressionBinder(Scope(left_fields), function_lookup=binder.functions, clause="FROM")
    if isinstance(item, exp.Unnest):
        function, name, args, fields, ordinality = _bind_unnest(item, expr_binder)
    else:
        function, name, args, fields = _bind_table_function(binder, item, expr_binder)
        ordinality = False
    alias = item.args.get("alias")
    fields = _apply_alias(fields, alias, item, name)
    join_type, condition_node = _join_type(join, item)
    plan = Correlate(left.plan, function, name, tuple(args), tuple(fields), join_type, ordinality)
    qualifier = alias.name if alias is not None and alias.name else None
    combined = left_fields + [ScopeField(f.name, f.type, qualifier) for f in fields]
    if condition_node is not None:
        on_binder = ExpressionBinder(Scope(combined), function_lookup=binder.functions, clause="ON")
        plan = Filter(plan, on_binder.boolean(condition_node))
    return _JoinedRelation(plan, combined)


def _bind_unnest(item: exp.Unnest, expr_binder: ExpressionBinder):
    arg_nodes = list(item.expressions)
    if len(arg_nodes) != 1:
        raise error(f"UNNEST takes one ARRAY, MAP or MULTISET argument, found {len(arg_nodes)}", item,
                    hint="unnest each collection in its own CROSS JOIN UNNEST(...)")
    arg = expr_binder.bind(arg_nodes[0])
    t = arg.type
    if t.name == "NULL":
        raise error("UNNEST of an untyped NULL", arg_nodes[0], hint="CAST(NULL AS ARRAY<INT>)")
    if t.name not in ("ARRAY", "MAP", "MULTISET"):
        hint = ("split a string into an array first: UNNEST(SPLIT(s, ','))" if t.is_string
                else "pass an ARRAY, MAP or MULTISET value, e.g. UNNEST(ARRAY[a, b])")
        raise ValidationError(f"UNNEST expects an ARRAY, MAP or MULTISET, found {t.sql(False)}", hint=hint).at(
            *_start(arg_nodes[0]))
    fields = unnest_fields(t)
    offset = item.args.get("offset")
    ordinality = bool(offset)
    if ordinality:
        fields.append(Field(ORDINALITY, INT(False)))
    return "UNNEST", "UNNEST", [arg], fields, ordinality


def _bind_table_function(binder: QueryBinder, item: exp.Lateral, expr_binder: ExpressionBinder):
    call = item.this
    if isinstance(call, (exp.Subquery, exp.Select)):
        raise error("LATERAL subqueries are not supported", item,
                    hint="call a table function, LATERAL TABLE(f(...)), or expand a collection with UNNEST(...)")
    if not isinstance(call, exp.Func):
        raise error(f"expected a table function call in LATERAL TABLE(...), found '{call.sql()[:60]}'", call,
                    hint="LATERAL TABLE(my_function(t.column)) AS T(a, b)")
    name = ExpressionBinder.function_name(call)
    arg_nodes = list(call.expressions) if isinstance(call, exp.Anonymous) else expr_binder.function_args(call)
    function = binder.functions(name) if binder.functions is not None else None
    display = str(call.this) if isinstance(call, exp.Anonymous) else name
    display = display.split("$")[0]  # the Table API names inline functions name$id
    if function is None:
        if registry.find(name) is not None:
            raise error(f"{name} is a scalar function, not a table function", call,
                        hint="call it in SELECT, or use a table function registered with create_temporary_function")
        raise error(f"no table function named {display}", call,
                    hint=did_you_mean(display, binder.catalog.list_user_functions())
                    or "register a Python @udtf with create_temporary_function, or "
                       "CREATE TEMPORARY FUNCTION f AS 'module.f' LANGUAGE PYTHON")
    bind_table_call = getattr(function, "bind_table_call", None)
    if bind_table_call is None:
        kind = getattr(function, "kind", "scalar")
        raise error(f"{display} is {'an' if kind == 'aggregate' else 'a'} {kind} function, not a table function",
                    call, hint="declare it with @udtf(result_types=[...]) to use it in LATERAL TABLE(...)")
    try:
        key, args, types = bind_table_call(expr_binder, name, arg_nodes, call)
    except ValidationError as e:
        raise e.at(*position(call)) from None
    fields = [Field(f"f{i}", t) for i, t in enumerate(types)]
    return key, display, list(args), fields


def _apply_alias(fields: list[Field], alias: exp.TableAlias | None, item: exp.Expression, name: str) -> list[Field]:
    columns = [c.name for c in alias.columns] if alias is not None else []
    offset = item.args.get("offset")
    if isinstance(offset, exp.Identifier):  # sqlglot reads WITH ORDINALITY AS u(x, n) as columns [x], offset n
        columns.append(offset.name)
    if not columns:
        return fields
    if len(columns) != len(fields):
        produced = ", ".join(f.name for f in fields)
        raise error(f"{len(columns)} column aliases given for the {len(fields)} columns of {name} ({produced})",
                    alias or item, hint=f"name each column: AS T({', '.join(f.name for f in fields)})")
    return [Field(c, f.type) for c, f in zip(columns, fields)]


def _join_type(join: exp.Join | None, item: exp.Expression) -> tuple[str, exp.Expression | None]:
    """INNER or LEFT, and the ON condition to filter by (None when there is none or it is TRUE)."""
    if join is None:
        return "INNER", None
    side = (join.args.get("side") or "").upper()
    on = join.args.get("on")
    if join.args.get("using"):
        raise error("a lateral join cannot have USING", join, hint="use ON TRUE")
    if side in ("RIGHT", "FULL"):
        raise error(f"{side} JOIN with a lateral table is not supported", join,
                    hint="use CROSS JOIN, or LEFT JOIN ... ON TRUE to keep rows the function makes nothing of")
    always = on is None or (isinstance(on, exp.Boolean) and on.this is True)
    if side == "LEFT":
        if not always:
            raise ValidationError("a LEFT JOIN with a lateral table must have the condition ON TRUE",
                                  hint="write ON TRUE and filter in WHERE").at(*_start(on))
        return "LEFT", None
    return "INNER", None if always else on


def _start(node: exp.Expression) -> tuple[int | None, int | None]:
    """Where an expression begins: the first of its positioned parts (``position`` gives the first
    one sqlglot walks to, which for ``t.col`` is ``col``)."""
    places = [position(n) for n in node.walk() if "line" in (getattr(n, "meta", None) or {})]
    return min(places) if places else (None, None)
