"""Subqueries, decorrelated into joins and aggregates while binding.

- ``[NOT] EXISTS (q)`` and ``x [NOT] IN (q)`` as a conjunct of WHERE become a SEMI or ANTI join.
  ``NOT IN`` keeps SQL's NULL semantics: the ANTI join's condition is
  ``x = v OR x IS NULL OR v IS NULL`` when either side is nullable, so a NULL anywhere removes the
  row (unless the subquery is empty).
- A scalar subquery becomes a join with the subquery's result, appended as a column: uncorrelated,
  joined ON TRUE (the subquery yields one row); correlated by equalities ``inner = outer``, grouped
  by the inner expressions and joined on them. As a WHERE conjunct (``x < (SELECT ...)``) the join
  is INNER (a NULL comparison drops the row anyway), elsewhere LEFT (no row gives NULL).

Correlation: in the subquery's WHERE, a conjunct that names a column of the enclosing query (not
resolvable inside, SQL's innermost-first scoping) is lifted out of the subquery into the join
condition. Correlated columns elsewhere (SELECT list, HAVING, deeper nesting) are not supported.

Before::

    SELECT a FROM t WHERE EXISTS (SELECT * FROM u WHERE u.k = t.k AND u.e > 0)

After::

    Join(joinType=[SEMI], where=[(k = k0)])
    :- TableScan(t)
    +- Filter(condition=[(e > 0)])
       +- TableScan(u)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowsql.common.errors import ValidationError
from flowsql.common.types import BOOLEAN
from flowsql.planner.expr_binder import ExpressionBinder, Scope, ScopeField, error
from flowsql.planner.expressions import Call, Expr, InputRef, Literal, make_and, transform
from flowsql.planner.logical import Filter, Join, Node, Project
from sqlglot import exp

if TYPE_CHECKING:
    from flowsql.planner.binder import QueryBinder

PLACEHOLDER_BASE = -1_000_000  # InputRef indices at or below this stand for a pending subquery's value


class CorrelatedScope(Scope):
    """The outer query's fields, then the subquery's: names resolve inside first."""

    def __init__(self, outer: list[ScopeField], inner: list[ScopeField]) -> None:
        super().__init__(outer + inner)
        self.outer_scope = Scope(outer)
        self.inner_scope = Scope(inner)
        self.offset = len(outer)

    def resolve(self, name, qualifier, node):
        try:
            return self.offset + self.inner_scope.resolve(name, qualifier, node)
        except ValidationError:
            return self.outer_scope.resolve(name, qualifier, node)


class SubqueryCollector:
    """The ``subquery_handler`` of one clause: binds each subquery into a pending join and returns a
    placeholder for its value; ``attach`` adds the joins under the clause's plan."""

    def __init__(self, binder: QueryBinder, outer_fields: list[ScopeField] | None, join_type: str = "LEFT") -> None:
        self.binder = binder
        self.outer_fields = outer_fields or []
        self.join_type = join_type
        self.pending: list[tuple[Node, list[tuple[Expr, int]]]] = []  # right plan, (outer key, right column)

    def handler(self, node: exp.Expression) -> Expr:
        if isinstance(node, (exp.Exists, exp.In)):
            raise error("IN / EXISTS with a subquery is supported as a condition of WHERE (combined with AND)",
                        node, hint="move it into the WHERE clause, or rewrite it as a join")
        query = node.this if isinstance(node, exp.Subquery) else node
        plan, keys = self._scalar(query)
        if len(plan.fields) != 1 + len(keys):
            raise error("a scalar subquery must return exactly one column", node)
        index = PLACEHOLDER_BASE - len(self.pending)
        self.pending.append((plan, keys))
        return InputRef(plan.fields[0].type.with_nullable(True), index, plan.fields[0].name)

    def _scalar(self, query: exp.Expression) -> tuple[Node, list[tuple[Expr, int]]]:
        split = split_correlated(self.binder, query, self.outer_fields)
        if split is None:
            return self.binder.bind_query(query), []
        rewritten, correlated, inner_scope = split
        inner_exprs, outer_exprs = [], []
        for part in correlated:
            pair = _equality_sides(part, inner_scope)
            if pair is None:
                raise error("a correlated scalar subquery may only compare inner and outer columns with '='",
                            part, hint="rewrite the subquery as a join")
            inner_exprs.append(pair[0])
            outer_exprs.append(pair[1])
        aggregating = rewritten.args.get("group") is not None or any(
            self.binder._contains_aggregate(i, inner_scope) for i in rewritten.expressions)
        for i, inner in enumerate(inner_exprs):
            rewritten.append("expressions", exp.alias_(inner.copy(), f"$corr{i}"))
            if aggregating:
                group = rewritten.args.get("group")
                if group is None:
                    rewritten.set("group", exp.Group(expressions=[inner.copy()]))
                else:
                    group.append("expressions", inner.copy())
        plan = self.binder.bind_query(rewritten)
        outer_binder = ExpressionBinder(Scope(self.outer_fields), function_lookup=self.binder.functions,
                                        clause="WHERE")
        keys = [(outer_binder.bind(o), 1 + i) for i, o in enumerate(outer_exprs)]
        return plan, keys

    def attach(self, plan: Node, exprs: list[Expr]) -> tuple[Node, list[Expr]]:
        """Join the pending subqueries under ``plan``; placeholders become the appended columns."""
        if not self.pending:
            return plan, exprs
        value_index = {}
        for k, (right, keys) in enumerate(self.pending):
            width = len(plan.fields)
            scope_binder = ExpressionBinder(Scope([ScopeField(f.name, f.type, None) for f in plan.fields]
                                                  + [ScopeField(f.name, f.type, None) for f in right.fields]))
            parts = [scope_binder.comparison("=", outer, InputRef(right.fields[col].type, width + col,
                                                                  right.fields[col].name), None)
                     for outer, col in keys]
            plan = Join(plan, right, self.join_type, make_and(parts))
            value_index[PLACEHOLDER_BASE - k] = width
        self.pending = []

        def resolve(e: Expr) -> Expr:
            def fix(x: Expr):
                if isinstance(x, InputRef) and x.index <= PLACEHOLDER_BASE:
                    return InputRef(x.type, value_index[x.index], x.name)
                return None

            return transform(e, fix)

        return plan, [resolve(e) for e in exprs]


def bind_where(binder: QueryBinder, plan: Node, fields: list[ScopeField], condition: exp.Expression) -> Node:
    """WHERE with subqueries: EXISTS / IN conjuncts become SEMI / ANTI joins, scalar subqueries
    joins that append their value; the result has ``plan``'s fields."""
    width = len(plan.fields)
    rest = []
    for part in _ast_conjuncts(condition):
        semi = _semi_join(binder, plan, fields, part)
        if semi is None:
            rest.append(part)
        else:
            plan = semi
    if not rest:
        return plan
    collector = SubqueryCollector(binder, fields, "INNER")
    expr_binder = ExpressionBinder(Scope(fields), function_lookup=binder.functions, clause="WHERE")
    expr_binder.subquery_handler = collector.handler
    cond = expr_binder.boolean(_make_ast_and(rest))
    plan, (cond,) = collector.attach(plan, [cond])
    plan = Filter(plan, cond)
    if len(plan.fields) != width:
        plan = Project(plan, tuple(InputRef(f.type, i, f.name) for i, f in enumerate(plan.fields[:width])),
                       tuple(f.name for f in plan.fields[:width]))
    return plan


def has_subquery(node: exp.Expression | None) -> bool:
    return node is not None and any(isinstance(n, (exp.Subquery, exp.Exists)) or
                                    (isinstance(n, exp.In) and n.args.get("query") is not None)
                                    for n in node.walk())


# -- SEMI / ANTI joins -----------------------------------------------------------------------

def _semi_join(binder: QueryBinder, plan: Node, fields: list[ScopeField], part: exp.Expression) -> Node | None:
    negated = False
    node = part
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Not):
        negated, node = True, node.this
        while isinstance(node, exp.Paren):
            node = node.this
    if isinstance(node, exp.Exists):
        query = node.this.this if isinstance(node.this, exp.Subquery) else node.this
        right, condition = _correlated_plan(binder, query, fields, None)
        return Join(plan, right, "ANTI" if negated else "SEMI", condition)
    if isinstance(node, exp.In) and node.args.get("query") is not None:
        query = node.args["query"]
        query = query.this if isinstance(query, exp.Subquery) else query
        right, condition = _correlated_plan(binder, query, fields, node.this, negated)
        return Join(plan, right, "ANTI" if negated else "SEMI", condition)
    return None


def _correlated_plan(binder: QueryBinder, query: exp.Expression, fields: list[ScopeField],
                     in_value: exp.Expression | None, negated: bool = False) -> tuple[Node, Expr]:
    """The subquery's plan and the join condition (outer fields, then the plan's)."""
    split = split_correlated(binder, query, fields)
    parts: list[Expr] = []
    if split is None:
        right = binder.bind_query(query)
        right_fields = [ScopeField(f.name, f.type, None) for f in right.fields]
        scope = CorrelatedScope(fields, right_fields)
    else:
        rewritten, correlated, inner_scope = split
        items = rewritten.expressions
        if in_value is not None:
            if len(items) != 1:
                raise error("IN with a subquery needs exactly one column", query)
            rewritten.set("expressions", [items[0].copy(), exp.Star()])
        else:
            rewritten.set("expressions", [exp.Star()])
        if any(rewritten.args.get(k) is not None for k in ("group", "having", "distinct", "limit")):
            raise error("a correlated subquery with GROUP BY, HAVING, DISTINCT or LIMIT is not supported", query)
        right = binder.bind_query(rewritten)
        inner_fields = list(inner_scope.fields)
        if in_value is not None:
            inner_fields = [ScopeField("$in", right.fields[0].type, None)] + inner_fields
        scope = CorrelatedScope(fields, inner_fields)
        cond_binder = ExpressionBinder(scope, function_lookup=binder.functions, clause="WHERE")
        parts += [cond_binder.boolean(c) for c in correlated]
    if in_value is not None:
        if len(right.fields) < 1 or (split is None and len(right.fields) != 1):
            raise error("IN with a subquery needs exactly one column", query)
        outer_binder = ExpressionBinder(Scope(fields), function_lookup=binder.functions, clause="WHERE")
        value = outer_binder.bind(in_value)
        column = InputRef(right.fields[0].type, len(fields), right.fields[0].name)
        equal = outer_binder.comparison("=", value, column, in_value)
        parts.insert(0, not_in_condition(equal, value, column) if negated else equal)
    return right, make_and(parts) if parts else Literal(BOOLEAN(False), True)


def not_in_condition(equal: Expr, value: Expr, column: Expr) -> Expr:
    """NULL-aware condition for NOT IN's ANTI join."""
    if not value.type.nullable and not column.type.nullable:
        return equal
    tests = [equal] + [Call(BOOLEAN(False), "IS NULL", (e,)) for e in (value, column) if e.type.nullable]
    result = tests[0]
    for t in tests[1:]:
        result = Call(BOOLEAN(True), "OR", (result, t))
    return result


# -- correlation ---------------------------------------------------------------------------------

def split_correlated(binder: QueryBinder, query: exp.Expression, outer: list[ScopeField]):
    """None when ``query`` reads no outer column in its WHERE; else (query without the correlated
    conjuncts, those conjuncts, the scope of the query's FROM)."""
    if not isinstance(query, exp.Select) or not outer:
        return None
    where = query.args.get("where")
    if where is None:
        return None
    from_ = query.args.get("from_") or query.args.get("from")
    if from_ is None:
        return None
    from flowsql.planner.binder import relation_fields

    relation = binder.bind_from(from_.this)
    for join in query.args.get("joins") or []:
        relation = binder.bind_join(relation, join)
    inner_scope = Scope(relation_fields(relation))
    outer_scope = Scope(outer)
    correlated, local = [], []
    for part in _ast_conjuncts(where.this):
        (correlated if _reads_outer(part, inner_scope, outer_scope) else local).append(part)
    if not correlated:
        return None
    rewritten = query.copy()
    rewritten.set("where", exp.Where(this=_make_ast_and([p.copy() for p in local])) if local else None)
    return rewritten, correlated, inner_scope


def _reads_outer(part: exp.Expression, inner: Scope, outer: Scope) -> bool:
    for column in _own_columns(part):
        if _resolves(inner, column):
            continue
        if _resolves(outer, column):
            return True
    return False


def _own_columns(node: exp.Expression):
    """Column references of ``node`` outside nested subqueries."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, exp.Column):
            yield n
            continue
        if n is not node and isinstance(n, (exp.Subquery, exp.Select)):
            continue
        stack.extend(n.iter_expressions())


def _resolves(scope: Scope, column: exp.Column) -> bool:
    try:
        scope.resolve(column.name, column.table or None, column)
        return True
    except ValidationError:
        return False


def _equality_sides(part: exp.Expression, inner: Scope):
    """(inner expression, outer expression) of ``inner = outer`` (either way round), else None."""
    if not isinstance(part, exp.EQ):
        return None
    a, b = part.this, part.expression

    def all_inner(e):
        cols = list(_own_columns(e))
        return bool(cols) and all(_resolves(inner, c) for c in cols)

    def all_outer(e):
        cols = list(_own_columns(e))
        return bool(cols) and not any(_resolves(inner, c) for c in cols)

    if all_inner(a) and all_outer(b):
        return a, b
    if all_inner(b) and all_outer(a):
        return b, a
    return None


def _ast_conjuncts(node: exp.Expression) -> list[exp.Expression]:
    while isinstance(node, exp.Paren) and isinstance(node.this, exp.And):
        node = node.this
    if isinstance(node, exp.And):
        return _ast_conjuncts(node.this) + _ast_conjuncts(node.expression)
    return [node]


def _make_ast_and(parts: list[exp.Expression]) -> exp.Expression:
    result = parts[0]
    for p in parts[1:]:
        result = exp.And(this=result, expression=p)
    return result
