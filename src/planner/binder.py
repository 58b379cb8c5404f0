"""Binding queries: sqlglot AST → logical plan, resolved against the catalog.

The binder walks a query the way SQL defines it — FROM, WHERE, GROUP BY, HAVING, SELECT,
DISTINCT, ORDER BY/LIMIT — producing plan nodes and typed expressions, and reports what it
cannot resolve with the position and a suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlglot import exp

from flowsql.catalog import CatalogManager, CatalogTable, CatalogView
from flowsql.common.errors import FlowSqlError, ValidationError
from flowsql.common.types import BIGINT, INT, DataType, TIMESTAMP_LTZ, common_type

INT_NOT_NULL = INT(False)
from flowsql.planner.expr_binder import ExpressionBinder, Scope, ScopeField, error
from flowsql.planner.expressions import AggregateCall, Call, Expr, InputRef, Literal, make_and, transform
from flowsql.planner.logical import (
    Aggregate, Field, Filter, Join, Node, OverWindow, Project, ReplicateRows, Sink, Sort, TableScan, Union,
    Values, WatermarkAssigner, WindowCall, WindowFrame,
)
from flowsql.planner.state_ttl import BlockStateTtl, attach_to_aggregates, from_item_names
from flowsql.planner.subqueries import SubqueryCollector, bind_where, has_subquery
from flowsql.planner.typing_rules import aggregate_type


@dataclass
class Relation:
    """A bound FROM item: its plan and the names/qualifier under which its fields are visible."""

    plan: Node
    qualifier: str | None

    def scope_fields(self) -> list[ScopeField]:
        return [ScopeField(f.name, f.type, self.qualifier) for f in self.plan.fields]


def parse_sql_expression(text: str) -> exp.Expression:
    from flowsql.planner.parser import parse_expression

    return parse_expression(text)


class QueryBinder:
    def __init__(self, catalog: CatalogManager, functions=None) -> None:
        self.catalog = catalog
        self.functions = functions  # callable name -> user function binding, or None
        self.ctes: list[dict[str, Node]] = []
        self._view_stack: list[tuple[str, str, str]] = []

    # == queries ======================================================================
    def bind_query(self, node: exp.Expression) -> Node:
        if isinstance(node, exp.Subquery):
            return self._with_modifiers(self.bind_query(node.this), node)
        if isinstance(node, exp.Paren):
            return self.bind_query(node.this)
        with_ = node.args.get("with_") or node.args.get("with")
        if with_ is not None:
            self.ctes.append({})
            try:
                for cte in with_.expressions:
                    plan = self.bind_query(cte.this)
                    columns = [c.name for c in (cte.args.get("alias").columns if cte.args.get("alias") else [])]
                    if columns:
                        plan = rename(plan, columns, cte)
                    self.ctes[-1][cte.alias_or_name] = plan
                stripped = node.copy()
                stripped.set("with_" if "with_" in node.args else "with", None)
                return self.bind_query(stripped)
            finally:
                self.ctes.pop()
        if isinstance(node, exp.Select):
            return self.bind_select(node)
        if isinstance(node, (exp.Union, exp.Intersect, exp.Except)):
            return self.bind_set_operation(node)
        if isinstance(node, exp.Values):
            return self.bind_values(node)
        raise error(f"expected a query, found '{node.sql()[:60]}'", node)

    def bind_set_operation(self, node: exp.Expression) -> Node:
        left, right = self.bind_query(node.this), self.bind_query(node.expression)
        if len(left.fields) != len(right.fields):
            raise error(f"the two sides of {type(node).__name__.upper()} have {len(left.fields)} and "
                        f"{len(right.fields)} columns", node, hint="select the same number of columns on both sides")
        types = []
        for a, b in zip(left.fields, right.fields):
            t = common_type([a.type, b.type])
            if t is None:
                raise error(f"column '{a.name}' is {a.type.sql(False)} on one side and {b.type.sql(False)} on the other",
                            node, hint="CAST one side so the types match")
            types.append(t)
        left, right = cast_to(left, types), cast_to(right, types)
        distinct = bool(node.args.get("distinct", True))
        kind = type(node).__name__.upper()
        if kind == "UNION":
            plan: Node = Union((left, right))
            if distinct:
                plan = Aggregate(plan, tuple(range(len(types))), ())
        else:
            plan = self._intersect_except(kind, left, right, distinct)
        return self._with_modifiers(plan, node)

    def _intersect_except(self, kind: str, left: Node, right: Node, distinct: bool) -> Node:
        """INTERSECT/EXCEPT [ALL] by counting each row's occurrences on both sides."""
        n = len(left.fields)
        one, zero = Literal(BIGINT(False), 1), Literal(BIGINT(False), 0)
        tagged = [
            Project(side, tuple(InputRef(f.type, i, f.name) for i, f in enumerate(side.fields)) + tags,
                    tuple(side.names) + ("$l", "$r"))
            for side, tags in ((left, (one, zero)), (right, (zero, one)))
        ]
        counts = Aggregate(Union(tuple(tagged)), tuple(range(n)), (
            AggregateCall("SUM", (n,), BIGINT(False), name="$lc"),
            AggregateCall("SUM", (n + 1,), BIGINT(False), name="$rc"),
        ))
        lc, rc = InputRef(BIGINT(False), n, "$lc"), InputRef(BIGINT(False), n + 1, "$rc")
        keep_fields = tuple(InputRef(f.type, i, f.name) for i, f in enumerate(counts.fields[:n]))
        if distinct:
            cond = (Call(DataType("BOOLEAN", False), "AND", (gt(lc, zero), gt(rc, zero))) if kind == "INTERSECT"
                    else Call(DataType("BOOLEAN", False), "AND", (gt(lc, zero), eq(rc, zero))))
            return Project(Filter(counts, cond), keep_fields, tuple(left.names))
        # ALL: repeat each row min(l, r) times (INTERSECT) or max(l - r, 0) times (EXCEPT).
        times = (Call(BIGINT(False), "LEAST", (lc, rc)) if kind == "INTERSECT"
                 else Call(BIGINT(False), "GREATEST", (Call(BIGINT(False), "-", (lc, rc)), zero)))
        with_times = Project(counts, keep_fields + (times,), tuple(left.names) + ("$times",))
        return ReplicateRows(with_times, n)

    def bind_values(self, node: exp.Values, column_names: list[str] | None = None) -> Node:
        binder = ExpressionBinder(Scope([]), clause="VALUES")
        rows = []
        for tup in node.expressions:
            items = tup.expressions if isinstance(tup, exp.Tuple) else [tup]
            rows.append([binder.bind(i) for i in items])
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            raise error("all VALUES rows must have the same number of columns", node)
        types = []
        for c in range(width):
            t = common_type([r[c].type for r in rows])
            if t is None:
                raise error(f"VALUES column {c + 1} mixes incompatible types", node)
            if t.name == "CHAR" and len({r[c].type.length for r in rows}) > 1:
                t = DataType("VARCHAR", t.nullable, length=max(r[c].type.length for r in rows))
            if t.name == "NULL":
                t = DataType("INT", True)
            types.append(t)
        names = column_names or [f"EXPR${i}" for i in range(width)]
        alias = node.args.get("alias")
        if alias is not None and alias.columns:
            names = [c.name for c in alias.columns]
        fields = tuple(Field(n, t) for n, t in zip(names, types))
        coerced = tuple(tuple(binder.coerce(v, t) if v.type != t else v for v, t in zip(r, types)) for r in rows)
        return Values(coerced, fields)

    # == SELECT =======================================================================
    def bind_select(self, node: exp.Select) -> Node:
        from flowsql.planner.windows import rewrite_legacy_group_window

        node = rewrite_legacy_group_window(node) or node
        from_ = node.args.get("from_") or node.args.get("from")
        state_ttl = BlockStateTtl.of(node)  # /*+ STATE_TTL(...) */ for this block's joins and aggregates
        if from_ is not None:
            relation = self.bind_from(from_.this)
            left_names = from_item_names(from_.this)
            for join in node.args.get("joins") or []:
                relation = self.bind_join(relation, join)
                if state_ttl is not None:
                    state_ttl.on_join(relation, left_names, join.this)
                left_names = ()  # the next join's left input is a join: it has no name
        else:
            relation = Relation(Values(((),), ()), None)
        plan = relation.plan
        scope = Scope(relation_fields(relation))
        where = node.args.get("where")
        if where is not None and has_subquery(where.this):
            plan = bind_where(self, plan, relation_fields(relation), where.this)
        elif where is not None:
            cond = ExpressionBinder(scope, function_lookup=self.functions, clause="WHERE").boolean(where.this)
            plan = Filter(plan, cond)
        select_items = self.expand_star(node.expressions, scope, node)
        group = node.args.get("group")
        having = node.args.get("having")
        aggregating = group is not None or having is not None or any(
            self._contains_aggregate(i, scope) for i in select_items)
        order = node.args.get("order")
        windows = WindowCollector(self, node)
        if aggregating:
            plan, exprs, names, post_scope_binder = self.bind_aggregation(plan, scope, select_items, group,
                                                                          having, node, windows)
            if state_ttl is not None and from_ is not None and not node.args.get("joins"):
                aggregate_ttl = state_ttl.lookup(from_item_names(from_.this))
                if aggregate_ttl is not None:
                    plan = attach_to_aggregates(plan, relation.plan, aggregate_ttl)
        else:
            binder = ExpressionBinder(scope, function_lookup=self.functions, clause="SELECT")
            binder.window_handler = windows.handler(binder)
            exprs = [binder.bind(i) for i in select_items]
            names = output_names(select_items, exprs)
            post_scope_binder = binder
        # ORDER BY may use output aliases and input expressions; extra sort keys are carried hidden.
        hidden: list[Expr] = []
        sort_keys: list[tuple[int, bool, bool]] = []
        if order is not None:
            for ordered in order.expressions:
                index = self._order_key(ordered.this, select_items, names, exprs, post_scope_binder, hidden)
                desc = bool(ordered.args.get("desc"))
                nulls_first = ordered.args.get("nulls_first")
                nulls_first = (not desc) if nulls_first is None else bool(nulls_first)
                sort_keys.append((index, not desc, nulls_first))
        names = dedupe_names(names)
        if windows.pending:
            plan, resolve = windows.build(plan)
            exprs = [resolve(e) for e in exprs]
            hidden = [resolve(e) for e in hidden]
        plan = Project(plan, tuple(exprs) + tuple(hidden), tuple(names) + tuple(f"$sort{i}" for i in range(len(hidden))))
        if node.args.get("distinct") is not None:
            if hidden:
                raise error("ORDER BY expressions must appear in the SELECT list of a SELECT DISTINCT", order)
            plan = Aggregate(plan, tuple(range(len(exprs))), ())
            if state_ttl is not None and from_ is not None and not node.args.get("joins"):
                distinct_ttl = state_ttl.lookup(from_item_names(from_.this))
                if distinct_ttl is not None:
                    plan = replace(plan, state_ttl=distinct_ttl)
        if state_ttl is not None:
            state_ttl.check_all_used()
        offset, fetch = self._limit(node)
        if sort_keys or offset or fetch is not None:
            plan = Sort(plan, tuple(sort_keys), offset, fetch)
        if hidden:
            plan = Project(plan, tuple(InputRef(f.type, i, f.name) for i, f in enumerate(plan.fields[:len(exprs)])),
                           tuple(names))
        return plan

    def _with_modifiers(self, plan: Node, node: exp.Expression) -> Node:
        """ORDER BY / LIMIT attached to a set operation or parenthesized query."""
        order = node.args.get("order")
        offset, fetch = self._limit(node)
        if order is None and not offset and fetch is None:
            return plan
        keys = []
        scope = Scope([ScopeField(f.name, f.type, None) for f in plan.fields])
        binder = ExpressionBinder(scope, clause="ORDER BY")
        for ordered in (order.expressions if order is not None else []):
            e = binder.bind(ordered.this)
            if not isinstance(e, InputRef):
                raise error("ORDER BY of a set operation must name output columns", ordered)
            desc = bool(ordered.args.get("desc"))
            nf = ordered.args.get("nulls_first")
            keys.append((e.index, not desc, (not desc) if nf is None else bool(nf)))
        return Sort(plan, tuple(keys), offset, fetch)

    def _limit(self, node: exp.Expression) -> tuple[int, int | None]:
        fetch = None
        limit = node.args.get("limit")
        if limit is not None:  # LIMIT n, or FETCH FIRST n ROWS ONLY
            count = limit.args.get("count") if isinstance(limit, exp.Fetch) else limit.expression
            fetch = self._int_constant(count, "LIMIT")
        offset_node = node.args.get("offset")
        offset = self._int_constant(offset_node.expression, "OFFSET") if offset_node is not None else 0
        return offset, fetch

    def _int_constant(self, node: exp.Expression, clause: str) -> int:
        if isinstance(node, exp.Literal) and not node.is_string and node.this.isdigit():
            return int(node.this)
        raise error(f"{clause} needs a non-negative integer literal", node)

    def _order_key(self, key: exp.Expression, items, names, exprs, binder, hidden) -> int:
        if isinstance(key, exp.Literal) and not key.is_string and key.this.isdigit():
            pos = int(key.this)
            if not 1 <= pos <= len(exprs):
                raise error(f"ORDER BY position {pos} is not in the SELECT list", key)
            return pos - 1
        if isinstance(key, exp.Column) and not key.table and key.name in names:
            return names.index(key.name)
        bound = binder.bind(key)
        for i, e in enumerate(exprs):
            if e == bound:
                return i
        hidden.append(bound)
        return len(exprs) + len(hidden) - 1

    def expand_star(self, items: list[exp.Expression], scope: Scope, node: exp.Expression) -> list[exp.Expression]:
        out: list[exp.Expression] = []
        for item in items:
            if isinstance(item, exp.Star):
                out += [column_node(f) for f in scope.fields]
            elif isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
                qualifier = item.table
                matched = [f for f in scope.fields if f.qualifier == qualifier]
                if not matched:
                    raise error(f"table '{qualifier}' is not in the FROM clause", item)
                out += [column_node(f) for f in matched]
            else:
                out.append(item)
        return out

    def _contains_aggregate(self, item: exp.Expression, scope: Scope) -> bool:
        binder = ExpressionBinder(scope, function_lookup=self.functions)
        for n in item.walk():
            if isinstance(n, (exp.Subquery, exp.Window)):
                continue
            if isinstance(n, exp.Filter) or binder.is_aggregate(n):
                parent = n.parent
                inside_window = False
                while parent is not None and parent is not item.parent:
                    if isinstance(parent, exp.Window) or isinstance(parent, exp.Subquery):
                        inside_window = True
                        break
                    parent = parent.parent
                if not inside_window:
                    return True
        return False

    # == aggregation ==================================================================
    def bind_aggregation(self, plan: Node, scope: Scope, items, group, having, node, windows=None):
        pre = ExpressionBinder(scope, function_lookup=self.functions, clause="GROUP BY")
        key_nodes, sets = self._grouping_sets(group)
        keys = [pre.bind(k) for k in key_nodes]
        for k, kn in zip(keys, key_nodes):
            if k.type.name in ("MAP", "MULTISET"):
                raise error(f"cannot GROUP BY a {k.type.sql(False)} value", kn)
        pre_exprs: list[Expr] = list(keys)
        aggregates: list[AggregateCall] = []

        def arg_position(e: Expr) -> int:
            for i, x in enumerate(pre_exprs):
                if x == e:
                    return i
            pre_exprs.append(e)
            return len(pre_exprs) - 1

        grouping_columns = len(sets) > 1
        n_keys = len(keys)
        extra = n_keys if grouping_columns else 0  # hidden GROUPING() flag columns after the keys

        def on_aggregate(agg_node: exp.Expression) -> Expr:
            call = self._aggregate_call(agg_node, pre, arg_position, n_keys == 0)
            for i, a in enumerate(aggregates):
                if (a.function, a.args, a.distinct, a.filter_arg, a.constant_args) == (
                        call.function, call.args, call.distinct, call.filter_arg, call.constant_args):
                    return InputRef(a.type, n_keys + extra + i, a.name)
            call = AggregateCall(call.function, call.args, call.type, call.distinct, call.filter_arg,
                                 f"$agg{len(aggregates)}", call.constant_args)
            aggregates.append(call)
            return InputRef(call.type, n_keys + extra + len(aggregates) - 1, call.name)

        post_fields = [ScopeField(f"$key{i}", k.type.with_nullable(k.type.nullable or grouping_columns), None)
                       for i, k in enumerate(keys)]
        post_scope = _GroupedScope(scope, post_fields)
        post = ExpressionBinder(post_scope, aggregate_handler=on_aggregate, function_lookup=self.functions,
                                clause="SELECT")

        def substitute(n: exp.Expression) -> Expr | None:
            if isinstance(n, (exp.Literal, exp.Null, exp.Boolean)):
                return None
            if self._contains_aggregate(n, scope) or any(isinstance(x, (exp.Subquery, exp.Window)) for x in n.walk()):
                return None
            grouping = self._grouping_function(n, keys, pre, n_keys, grouping_columns)
            if grouping is not None:
                return grouping
            try:
                bound = pre.bind(n)
            except FlowSqlError:
                return None
            for i, k in enumerate(keys):
                if bound == k:
                    f = post_fields[i]
                    return InputRef(f.type, i, _display_name(n, f.name))
            return None

        post.substitute = substitute
        if windows is not None:
            post.window_handler = windows.handler(post)
        exprs = [post.bind(i) for i in items]
        names = output_names(items, exprs)
        having_subqueries = SubqueryCollector(self, None)
        post.subquery_handler = having_subqueries.handler
        having_expr = post.boolean(having.this) if having is not None else None
        pre_names = dedupe_names([e.name if isinstance(e, InputRef) and e.name else f"$f{i}"
                                  for i, e in enumerate(pre_exprs)])
        pre_plan = Project(plan, tuple(pre_exprs), tuple(pre_names))
        agg_plan = self._aggregate_plan(pre_plan, n_keys, sets, tuple(aggregates), grouping_columns)
        if having_expr is not None:
            agg_plan, (having_expr,) = having_subqueries.attach(agg_plan, [having_expr])
            agg_plan = Filter(agg_plan, having_expr)
        return agg_plan, exprs, names, post

    def _grouping_sets(self, group: exp.Group | None) -> tuple[list[exp.Expression], list[tuple[int, ...]]]:
        """All distinct grouping expressions, and each grouping set as indexes into them."""
        if group is None:
            return [], [()]
        keys: list[exp.Expression] = []

        def index(e: exp.Expression) -> int:
            for i, k in enumerate(keys):
                if k == e:
                    return i
            keys.append(e)
            return len(keys) - 1

        def as_list(e: exp.Expression) -> list[exp.Expression]:
            if isinstance(e, (exp.Tuple, exp.Paren)) and not isinstance(e, exp.Paren):
                return list(e.expressions)
            if isinstance(e, exp.Paren):
                return [e.this]
            return [e]

        plain: list[int] = []
        combos: list[list[tuple[int, ...]]] = []
        # sqlglot puts GROUPING SETS / ROLLUP / CUBE among the GROUP BY expressions (older versions
        # kept them in separate args: read both).
        items = list(group.expressions) + list(group.args.get("grouping_sets") or []) + list(
            group.args.get("rollup") or []) + list(group.args.get("cube") or [])
        for item in items:
            if isinstance(item, exp.GroupingSets):
                sets = []
                for s in item.expressions:
                    members = s.expressions if isinstance(s, exp.Tuple) else as_list(s)
                    sets.append(tuple(index(e) for e in members))
                combos.append(sets)
            elif isinstance(item, exp.Rollup):
                cols = [index(e) for e in item.expressions]
                combos.append([tuple(cols[:i]) for i in range(len(cols), -1, -1)])
            elif isinstance(item, exp.Cube):
                cols = [index(e) for e in item.expressions]
                combos.append([tuple(c for j, c in enumerate(cols) if mask & (1 << (len(cols) - 1 - j)))
                               for mask in range(2 ** len(cols) - 1, -1, -1)])
            else:
                plain.append(index(item))
        combos.insert(0, [tuple(plain)])
        result: list[tuple[int, ...]] = [()]
        for options in combos:
            result = [tuple(sorted(set(a) | set(b))) for a in result for b in options]
        if not result:
            result = [tuple(plain)]
        return keys, result

    def _aggregate_plan(self, pre: Node, n_keys: int, sets: list[tuple[int, ...]],
                        aggregates: tuple[AggregateCall, ...], grouping_columns: bool) -> Node:
        if not grouping_columns:
            return Aggregate(pre, tuple(range(n_keys)), aggregates)
        branches = []
        for s in sets:
            agg = Aggregate(pre, tuple(s), aggregates)
            exprs: list[Expr] = []
            names: list[str] = []
            for k in range(n_keys):
                t = pre.fields[k].type.with_nullable(True)
                exprs.append(InputRef(t, s.index(k), f"$key{k}") if k in s else Literal(t, None))
                names.append(f"$key{k}")
            for k in range(n_keys):
                exprs.append(Literal(BIGINT(False), 0 if k in s else 1))
                names.append(f"$grouping{k}")
            for i, a in enumerate(aggregates):
                exprs.append(InputRef(a.type, len(s) + i, a.name))
                names.append(a.name)
            branches.append(Project(agg, tuple(exprs), tuple(names)))
        return branches[0] if len(branches) == 1 else Union(tuple(branches))

    def _grouping_function(self, n, keys, pre, n_keys, grouping_columns) -> Expr | None:
        name = None
        if isinstance(n, exp.Anonymous):
            name = n.name.upper()
        elif isinstance(n, exp.Func):
            name = ExpressionBinder.function_name(n)
        if name not in ("GROUPING", "GROUPING_ID", "GROUP_ID"):
            return None
        if name == "GROUP_ID":
            return Literal(BIGINT(False), 0)
        args = list(n.expressions) if isinstance(n, exp.Anonymous) else pre.function_args(n)
        positions = []
        for a in args:
            bound = pre.bind(a)
            if bound not in keys:
                raise error(f"the argument of {name} must be a GROUP BY expression", a)
            positions.append(keys.index(bound))
        flags: list[Expr] = [
            InputRef(BIGINT(False), n_keys + p, f"$grouping{p}") if grouping_columns else Literal(BIGINT(False), 0)
            for p in positions]
        result: Expr = flags[0]
        for f in flags[1:]:
            doubled = Call(BIGINT(False), "*", (result, Literal(BIGINT(False), 2)))
            result = Call(BIGINT(False), "+", (doubled, f))
        return result

    def _aggregate_call(self, node: exp.Expression, pre: ExpressionBinder, arg_position, global_agg) -> AggregateCall:
        filter_arg = None
        if isinstance(node, exp.Filter):
            cond_node = node.expression.this if isinstance(node.expression, exp.Where) else node.expression
            filter_arg = arg_position(pre.boolean(cond_node))
            node = node.this
        name = ExpressionBinder.function_name(node)
        name = {"STRING_AGG": "LISTAGG", "GROUP_CONCAT": "LISTAGG", "STDDEV": "STDDEV_SAMP",
                "VARIANCE": "VAR_SAMP", "EVERY": "BOOL_AND", "SOME": "BOOL_OR"}.get(name, name)
        distinct = False
        if isinstance(node, exp.Anonymous):
            arg_nodes = list(node.expressions)
        else:
            arg_nodes = pre.function_args(node)
        if arg_nodes and isinstance(arg_nodes[0], exp.Distinct):
            distinct = True
            arg_nodes = list(arg_nodes[0].expressions) + arg_nodes[1:]
        if name == "COUNT" and (not arg_nodes or isinstance(arg_nodes[0], exp.Star)):
            return AggregateCall("COUNT", (), BIGINT(False), False, filter_arg)
        if self.functions is not None:
            user = self.functions(name)
            if user is not None and getattr(user, "is_aggregate", False):
                return user.bind_aggregate(pre, name, arg_nodes, arg_position, distinct, filter_arg, node)
        constant_args = ()
        if name == "LISTAGG":
            if len(arg_nodes) > 1:
                sep = pre.bind(arg_nodes[1])
                if not isinstance(sep, Literal):
                    raise error("LISTAGG's separator must be a string literal", arg_nodes[1])
                constant_args = (sep.value,)
            else:
                constant_args = (",",)
            arg_nodes = arg_nodes[:1]
        args = [pre.bind(a) for a in arg_nodes]
        for a, an in zip(args, arg_nodes):
            if a.type.name == "NULL":
                raise error(f"{name} of an untyped NULL", an, hint="CAST(NULL AS <type>)")
        if name == "LISTAGG":
            args = [pre.to_string(args[0])]
        try:
            t = aggregate_type(name, [a.type for a in args], global_agg)
        except ValidationError as e:
            raise error(e.message, node, hint=e.hint) from None
        if name in ("COUNT",) and len(args) > 1 and not distinct:
            raise error("COUNT takes one argument (or DISTINCT with several)", node)
        return AggregateCall(name, tuple(arg_position(a) for a in args), t, distinct, filter_arg,
                             constant_args=constant_args)

    # == FROM =========================================================================
    def bind_from(self, node: exp.Expression) -> Relation:
        from flowsql.planner.parser import WindowTableFunction

        if isinstance(node, WindowTableFunction):
            from flowsql.planner.windows import bind_window_tvf

            return bind_window_tvf(self, node)
        if isinstance(node, (exp.Unnest, exp.Lateral)):  # FROM UNNEST(ARRAY[...]): over one empty row
            from flowsql.planner.lateral import bind_lateral

            return bind_lateral(self, Relation(Values(((),), ()), None), node, None)
        alias = node.alias_or_name if isinstance(node, (exp.Table, exp.Subquery, exp.Values)) else None
        if isinstance(node, exp.Table) and not isinstance(node.this, exp.Identifier):
            raise error(f"unsupported table expression '{node.sql()[:60]}'", node)
        if isinstance(node, exp.Table):
            if node.args.get("version") is not None:
                raise error("FOR SYSTEM_TIME AS OF is only supported on the right side of a join", node,
                            hint="write ... FROM l JOIN t FOR SYSTEM_TIME AS OF l.<time attribute> ON ...")
            name = tuple(p.name for p in node.parts)
            plan = self.bind_table_name(name, node)
            alias_node = node.args.get("alias")
            qualifier = alias_node.name if alias_node is not None and alias_node.name else name[-1]
            if alias_node is not None and alias_node.columns:
                plan = rename(plan, [c.name for c in alias_node.columns], node)
            return Relation(plan, qualifier)
        if isinstance(node, exp.Subquery):
            plan = self.bind_query(node.this)
            alias_node = node.args.get("alias")
            if alias_node is not None and alias_node.columns:
                plan = rename(plan, [c.name for c in alias_node.columns], node)
            return Relation(plan, alias_node.name if alias_node is not None else None)
        if isinstance(node, exp.Values):
            alias_node = node.args.get("alias")
            plan = self.bind_values(node)
            return Relation(plan, alias_node.name if alias_node is not None else alias)
        raise error(f"unsupported FROM item '{node.sql()[:60]}'", node)

    def bind_join(self, left: Relation, join: exp.Join) -> Relation:
        if isinstance(join.this, (exp.Unnest, exp.Lateral)):
            from flowsql.planner.lateral import bind_lateral

            return bind_lateral(self, left, join.this, join)
        from flowsql.planner.temporal import bind_temporal_join, is_temporal_join

        if is_temporal_join(join):
            return bind_temporal_join(self, left, join)
        right = self.bind_from(join.this)
        side = (join.args.get("side") or "").upper()
        kind = (join.args.get("kind") or "").upper()
        join_type = {"LEFT": "LEFT", "RIGHT": "RIGHT", "FULL": "FULL"}.get(side, "INNER")
        combined_fields = relation_fields(left) + right.scope_fields()
        scope = Scope(combined_fields)
        on = join.args.get("on")
        using = join.args.get("using")
        binder = ExpressionBinder(scope, function_lookup=self.functions, clause="ON")
        if on is not None:
            condition = binder.boolean(on)
        elif using:
            parts = []
            nl = len(left.plan.fields)
            for ident in using:
                name = ident.name
                li = next((i for i, f in enumerate(left.plan.fields) if f.name == name), None)
                ri = next((i for i, f in enumerate(right.plan.fields) if f.name == name), None)
                if li is None or ri is None:
                    raise error(f"USING column '{name}' must exist on both sides", ident)
                lf, rf = left.plan.fields[li], right.plan.fields[ri]
                parts.append(binder.comparison("=", InputRef(lf.type, li, name), InputRef(rf.type, nl + ri, name),
                                               ident))
            condition = make_and(parts)
        else:
            if kind not in ("CROSS", "") and join_type != "INNER":
                raise error("an outer join needs an ON condition", join)
            condition = Literal(DataType("BOOLEAN", False), True)
        return _JoinedRelation(Join(left.plan, right.plan, join_type, condition), combined_fields)

    def bind_table_name(self, name: tuple[str, ...], node: exp.Expression) -> Node:
        if len(name) == 1:
            for ctes in reversed(self.ctes):
                if name[0] in ctes:
                    return ctes[name[0]]
        try:
            path, obj = self.catalog.resolve(name)
        except ValidationError as e:
            raise error(e.message, node, hint=e.hint) from None
        if isinstance(obj, CatalogView):
            return self.bind_view(path, obj, node)
        return self.bind_table(path, obj, node)

    def bind_view(self, path, view: CatalogView, node: exp.Expression) -> Node:
        if view.plan is not None:
            return view.plan
        if path in self._view_stack:
            raise error(f"view {'.'.join(path)} refers to itself", node)
        self._view_stack.append(path)
        saved_ctes, self.ctes = self.ctes, []
        try:
            from flowsql.planner.parser import parse_statement

            stmt = parse_statement(view.query)
            plan = self.bind_query(stmt.query)
        except FlowSqlError as e:
            raise ValidationError(f"view {'.'.join(path)} cannot be expanded: {e.message}", hint=e.hint,
                                  line=position_line(node), column=position_col(node)) from None
        finally:
            self.ctes = saved_ctes
            self._view_stack.pop()
        if view.column_names:
            plan = rename(plan, list(view.column_names), node)
        return plan

    def bind_table(self, path, table: CatalogTable, node: exp.Expression) -> Node:
        source_cols = [c for c in table.columns if c.kind != "computed"]
        fields = tuple(Field(c.name, c.type) for c in source_cols)
        hints = table_hints(node)
        plan: Node = TableScan(path, table, fields, tuple(c.metadata_key or c.name if c.kind == "metadata" else None
                                                          for c in source_cols), (), hints)
        if any(c.kind == "computed" for c in table.columns) or table.watermark is not None:
            plan = self._computed_columns(plan, table, source_cols)
        return plan

    def _computed_columns(self, scan: Node, table: CatalogTable, source_cols) -> Node:
        """Add computed columns in schema order, then the watermark (which marks the rowtime)."""
        scope = Scope([ScopeField(f.name, f.type, None) for f in scan.fields])
        binder = ExpressionBinder(scope, function_lookup=self.functions, clause="computed column")
        source_index = {c.name: i for i, c in enumerate(source_cols)}
        exprs, names = [], []
        for c in table.columns:
            if c.kind == "computed":
                e = bind_computed(binder, c.expression)
                exprs.append(e)
            else:
                i = source_index[c.name]
                exprs.append(InputRef(scan.fields[i].type, i, c.name))
            names.append(c.name)
        plan: Node = Project(scan, tuple(exprs), tuple(names))
        if table.watermark is not None:
            wm = table.watermark
            idx = names.index(wm.column)
            rowtime_type = plan.fields[idx].type
            scope2 = Scope([ScopeField(f.name, f.type, None) for f in plan.fields])
            wm_expr = ExpressionBinder(scope2, function_lookup=self.functions, clause="WATERMARK").bind(
                parse_sql_expression(wm.expression))
            marked = list(plan.exprs)
            marked[idx] = retype(marked[idx], rowtime_type.as_time_attribute("rowtime"))
            plan = WatermarkAssigner(Project(scan, tuple(marked), tuple(names)), idx, wm_expr)
        return plan

    # == INSERT =======================================================================
    def bind_insert(self, table_name: tuple[str, ...], query: exp.Expression, columns: list[str] | None,
                    node_for_errors: exp.Expression | None = None) -> Sink:
        path, obj = self.catalog.resolve(table_name)
        if isinstance(obj, CatalogView):
            raise ValidationError(f"cannot INSERT INTO view {'.'.join(path)}", hint="insert into a table instead")
        plan = self.bind_query(query)
        targets = [c for c in obj.columns if c.is_persisted]
        target_names = [c.name for c in targets]
        if columns:
            unknown = [c for c in columns if c not in target_names]
            if unknown:
                raise ValidationError(f"column '{unknown[0]}' does not exist in {'.'.join(path)}",
                                      hint=f"its columns are {', '.join(target_names)}")
            if len(columns) != len(plan.fields):
                raise ValidationError(f"INSERT names {len(columns)} columns but the query produces {len(plan.fields)}")
        elif len(plan.fields) != len(targets):
            raise ValidationError(
                f"the query produces {len(plan.fields)} columns but {'.'.join(path)} has {len(targets)} "
                f"({', '.join(target_names)})",
                hint="select exactly the table's physical columns, in order, or name the columns in INSERT INTO t (...)")
        exprs: list[Expr] = []
        for c in targets:
            if columns:
                if c.name in columns:
                    i = columns.index(c.name)
                    src = InputRef(plan.fields[i].type, i, plan.fields[i].name)
                else:
                    src = Literal(c.type, None)
            else:
                i = target_names.index(c.name)
                src = InputRef(plan.fields[i].type, i, plan.fields[i].name)
            exprs.append(insert_cast(src, c.type, c.name, path))
        projected = Project(plan, tuple(exprs), tuple(target_names))
        return Sink(projected, path, obj, tuple(Field(c.name, c.type) for c in targets))


_RANKING = {"ROW_NUMBER", "RANK", "DENSE_RANK", "PERCENT_RANK", "CUME_DIST", "NTILE"}
_OFFSET = {"LAG", "LEAD"}


class WindowCollector:
    """Binds OVER expressions of one SELECT into ``OverWindow`` nodes.

    While the SELECT list is bound, each window function becomes a placeholder reference (a
    negative index); ``build`` then stacks one OverWindow per distinct window spec over the plan
    and maps the placeholders to the columns it appends.
    """

    def __init__(self, binder: "QueryBinder", select: exp.Select) -> None:
        self.binder = binder
        self.named = {w.this.name: w for w in (select.args.get("windows") or []) if isinstance(w.this, exp.Identifier)}
        self.pending: list[tuple[tuple, str, list[Expr], Any, DataType, bool, tuple, exp.Expression]] = []

    def handler(self, expr_binder: ExpressionBinder):
        def on_window(w: exp.Window) -> Expr:
            spec = self._spec(w)
            func = w.this
            name = ExpressionBinder.function_name(func)
            arg_nodes = list(func.expressions) if isinstance(func, exp.Anonymous) else expr_binder.function_args(func)
            distinct = False
            if arg_nodes and isinstance(arg_nodes[0], exp.Distinct):
                distinct = True
                arg_nodes = list(arg_nodes[0].expressions) + arg_nodes[1:]
            if arg_nodes and isinstance(arg_nodes[0], exp.Star):
                arg_nodes = []
            partition = [expr_binder.bind(p) for p in spec.get("partition_by") or []]
            order = []
            for o in (spec["order"].expressions if spec.get("order") is not None else []):
                desc = bool(o.args.get("desc"))
                nf = o.args.get("nulls_first")
                order.append((expr_binder.bind(o.this), not desc, (not desc) if nf is None else bool(nf)))
            frame = self._frame(spec.get("spec"), bool(order), name, w, expr_binder)
            constants: tuple = ()
            if name in _OFFSET:
                args = [expr_binder.bind(a) for a in arg_nodes[:1]]
                offset = expr_binder.bind(arg_nodes[1]) if len(arg_nodes) > 1 else Literal(INT_NOT_NULL, 1)
                default = expr_binder.bind(arg_nodes[2]) if len(arg_nodes) > 2 else None
                if not isinstance(offset, Literal):
                    raise error(f"{name}'s offset must be an integer literal", arg_nodes[1])
                constants = (offset.value,)
                if default is not None:
                    args.append(expr_binder.coerce(default, args[0].type))
                t = args[0].type.with_nullable(True)
            elif name in _RANKING:
                if not order and name != "ROW_NUMBER":
                    raise error(f"{name} needs an ORDER BY in its OVER clause", w)
                args = []
                t = DataType("DOUBLE", False) if name in ("PERCENT_RANK", "CUME_DIST") else BIGINT(False)
                if name == "NTILE":
                    n = expr_binder.bind(arg_nodes[0])
                    constants = (n.value,)
            else:
                args = [expr_binder.bind(a) for a in arg_nodes]
                if name == "LISTAGG":
                    constants = (args[1].value if len(args) > 1 else ",",)
                    args = [expr_binder.to_string(args[0])]
                try:
                    t = aggregate_type(name, [a.type for a in args], False)
                except ValidationError as e:
                    raise error(e.message, w, hint=e.hint) from None
            key = (tuple(partition), tuple(order), frame)
            self.pending.append((key, name, args, frame, t, distinct, constants, w))
            return InputRef(t, -len(self.pending), f"$w{len(self.pending) - 1}")

        return on_window

    def _spec(self, w: exp.Window) -> dict:
        spec = dict(w.args)
        alias = w.args.get("alias")
        if alias is not None and not spec.get("partition_by") and spec.get("order") is None:
            named = self.named.get(alias.name)
            if named is None:
                raise error(f"window '{alias.name}' is not defined", w,
                            hint="define it in a WINDOW clause: WINDOW w AS (PARTITION BY ... ORDER BY ...)")
            spec = {**dict(named.args), **{k: v for k, v in w.args.items() if v is not None and k == "spec"}}
        return spec

    def _frame(self, spec, ordered: bool, name: str, w, expr_binder) -> WindowFrame | None:
        if name in _RANKING or name in _OFFSET:
            return None
        if spec is None:
            return WindowFrame("RANGE", None, 0) if ordered else WindowFrame("ROWS", None, None)
        mode = str(spec.args.get("kind") or "ROWS").upper()

        def bound(value, side):
            if value is None or (isinstance(value, str) and value.upper() == "UNBOUNDED"):
                return None
            if isinstance(value, str) and value.upper() == "CURRENT ROW":
                return 0
            bound_value = expr_binder.bind(value)
            if not isinstance(bound_value, Literal):
                raise error("window frame bounds must be literals", w)
            v = bound_value.value
            return -v if str(side or "").upper() == "FOLLOWING" else v

        lower = bound(spec.args.get("start"), spec.args.get("start_side"))
        upper = bound(spec.args.get("end"), spec.args.get("end_side")) if spec.args.get("end") is not None else 0
        if str(spec.args.get("end_side") or "").upper() == "FOLLOWING" and spec.args.get("end") in (None, "UNBOUNDED"):
            upper = None
        return WindowFrame(mode, lower, upper)

    def build(self, plan: Node):
        """Stack the OverWindows; returns the new plan and a function resolving placeholders."""
        base = list(plan.fields)
        extras: list[Expr] = []

        def position(e: Expr) -> int:
            if isinstance(e, InputRef) and e.index >= 0:
                return e.index
            for i, x in enumerate(extras):
                if x == e:
                    return len(base) + i
            extras.append(e)
            return len(base) + len(extras) - 1

        groups: dict[tuple, list[int]] = {}
        for k, (key, *_rest) in enumerate(self.pending):
            groups.setdefault(key, []).append(k)
        specs = []
        for key, members in groups.items():
            partition, order, frame = key
            p_idx = tuple(position(e) for e in partition)
            o_idx = tuple((position(e), asc, nf) for e, asc, nf in order)
            calls = []
            for k in members:
                _, name, args, _, t, distinct, constants, _ = self.pending[k]
                calls.append((k, name, tuple(position(a) for a in args), t, distinct, constants))
            specs.append((p_idx, o_idx, frame, calls))
        if extras:
            refs = tuple(InputRef(f.type, i, f.name) for i, f in enumerate(base))
            plan = Project(plan, refs + tuple(extras), tuple(f.name for f in base) + tuple(
                f"$e{i}" for i in range(len(extras))))
        final_index: dict[int, int] = {}
        for p_idx, o_idx, frame, calls in specs:
            width = len(plan.fields)
            window_calls = []
            for j, (k, name, args, t, distinct, constants) in enumerate(calls):
                window_calls.append(WindowCall(name, args, t, f"$w{k}", distinct, constants))
                final_index[k] = width + j
            plan = OverWindow(plan, p_idx, o_idx, frame, tuple(window_calls))

        def resolve(e: Expr) -> Expr:
            def fix(x: Expr):
                if isinstance(x, InputRef) and x.index < 0:
                    return InputRef(x.type, final_index[-x.index - 1], x.name)
                return None

            return transform(e, fix)

        return plan, resolve


class _GroupedScope(Scope):
    """After GROUP BY, only grouping keys (matched as whole expressions) are visible."""

    def __init__(self, inner: Scope, key_fields: list[ScopeField]) -> None:
        super().__init__(key_fields)
        self.inner = inner

    def resolve(self, name, qualifier, node):
        self.inner.resolve(name, qualifier, node)  # raises "not found" with hints if unknown
        full = f"{qualifier}.{name}" if qualifier else name
        raise error(f"expression '{full}' is not being grouped", node,
                    hint=f"add {full} to GROUP BY, or aggregate it, e.g. MAX({full})")


class _JoinedRelation(Relation):
    def __init__(self, plan: Node, fields: list[ScopeField]) -> None:
        super().__init__(plan, None)
        nullable_types = plan.fields
        self._fields = [ScopeField(f.name, t.type, f.qualifier) for f, t in zip(fields, nullable_types)]

    def scope_fields(self) -> list[ScopeField]:
        return self._fields


def relation_fields(relation: Relation) -> list[ScopeField]:
    return relation.scope_fields()


def bind_computed(binder: ExpressionBinder, text: str) -> Expr:
    node = parse_sql_expression(text)
    if isinstance(node, exp.Anonymous) and node.name.upper() == "PROCTIME" or (
            isinstance(node, exp.Func) and ExpressionBinder.function_name(node) == "PROCTIME"):
        return Call(TIMESTAMP_LTZ(3, False).as_time_attribute("proctime"), "PROCTIME", ())
    return binder.bind(node)


def retype(e: Expr, t: DataType) -> Expr:
    from dataclasses import replace as dc_replace

    return dc_replace(e, type=t)


def insert_cast(src: Expr, target: DataType, column: str, path) -> Expr:
    s = src.type.without_time_attribute()
    t = target.without_time_attribute()
    if s.with_nullable(True) == t.with_nullable(True):
        return src
    if s.name == "NULL":
        return Literal(t, None)
    compatible = (
        (s.is_numeric and t.is_numeric) or (s.is_string and t.is_string) or (s.name == t.name)
        or (s.is_timestamp and t.is_timestamp) or (s.name == "DATE" and t.is_timestamp)
        or (s.name in ("BINARY", "VARBINARY") and t.name in ("BINARY", "VARBINARY"))
    )
    if not compatible:
        raise ValidationError(
            f"column '{column}' of {'.'.join(path)} is {t.sql(False)} but the query gives {s.sql(False)}",
            hint=f"CAST the value AS {t.sql(False)}")
    return Call(t.with_nullable(src.type.nullable), "CAST", (src,))


def cast_to(plan: Node, types: list[DataType]) -> Node:
    if all(f.type.without_time_attribute().with_nullable(True) == t.without_time_attribute().with_nullable(True)
           for f, t in zip(plan.fields, types)):
        return plan
    exprs = []
    for i, (f, t) in enumerate(zip(plan.fields, types)):
        ref = InputRef(f.type, i, f.name)
        same = f.type.without_time_attribute().with_nullable(True) == t.without_time_attribute().with_nullable(True)
        exprs.append(ref if same else (Literal(t, None) if f.type.name == "NULL"
                                       else Call(t.with_nullable(f.type.nullable), "CAST", (ref,))))
    return Project(plan, tuple(exprs), tuple(plan.names))


def rename(plan: Node, names: list[str], node: exp.Expression) -> Node:
    if len(names) != len(plan.fields):
        raise error(f"{len(names)} column aliases given for {len(plan.fields)} columns", node)
    return Project(plan, tuple(InputRef(f.type, i, f.name) for i, f in enumerate(plan.fields)), tuple(names))


def column_node(f: ScopeField) -> exp.Column:
    return exp.column(f.name, table=f.qualifier, quoted=True)


def _display_name(n: exp.Expression, default: str) -> str:
    return n.name if isinstance(n, exp.Column) else default


def output_names(items: list[exp.Expression], exprs: list[Expr]) -> list[str]:
    names = []
    for i, (item, e) in enumerate(zip(items, exprs)):
        if isinstance(item, exp.Alias):
            names.append(item.alias)
        elif isinstance(item, exp.Column) and not isinstance(item.this, exp.Star):
            names.append(item.name)
        elif isinstance(item, exp.Dot):
            names.append(item.expression.name)
        else:
            names.append(f"EXPR${i}")
    return names


def dedupe_names(names: list[str]) -> list[str]:
    """Calcite's rule for repeated output names: a, a0, a1, ..."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            k = seen[n]
            while f"{n}{k}" in seen:
                k += 1
            seen[n] = k + 1
            new = f"{n}{k}"
            seen[new] = 0
            out.append(new)
        else:
            seen[n] = 0
            out.append(n)
    return out


def table_hints(node: exp.Expression) -> tuple[tuple[str, str], ...]:
    """``t /*+ OPTIONS('k'='v') */``: dynamic table options overriding the WITH clause."""
    hints = (node.args.get("hints") or []) if node is not None else []
    out = []
    for h in hints:
        candidates = [h] + list(getattr(h, "expressions", []) or [])
        for e in candidates:
            if isinstance(e, exp.Anonymous) and e.name.upper() == "OPTIONS":
                for kv in e.expressions:
                    if isinstance(kv, exp.EQ):
                        out.append((kv.this.name, kv.expression.name))
    return tuple(out)


def gt(a: Expr, b: Expr) -> Expr:
    return Call(DataType("BOOLEAN", False), ">", (a, b))


def eq(a: Expr, b: Expr) -> Expr:
    return Call(DataType("BOOLEAN", False), "=", (a, b))


def position_line(node):
    from flowsql.planner.expr_binder import position

    return position(node)[0]


def position_col(node):
    from flowsql.planner.expr_binder import position

    return position(node)[1]
