"""Push filter conjuncts towards the sources, so fewer rows travel through the plan.

A Filter's conjuncts move:

- below a Project, rewritten through it, unless they read a non-deterministic projected expression;
- below a Union, into every branch;
- below a grouped Aggregate when they read group keys only (never below a global aggregate, which
  emits a row even for empty input, and never when they read an aggregate's result);
- below a Sort without OFFSET/FETCH;
- into a Join: a conjunct on one side's fields goes into that side unless the join pads that side
  with NULLs (LEFT keeps right-side conjuncts above, RIGHT left-side ones, FULL both); one that
  reads both sides of an INNER join joins its condition.

A join's own condition is split the same way: on an INNER join a conjunct on one side moves into
that side; on an outer join only a conjunct on the NULL-padded side may move (``LEFT JOIN u ON
t.a = u.a AND u.e = 'x'`` filters u first); SEMI joins push both, ANTI joins the right side only.
At least one conjunct reading both sides stays in the condition, so an equi-join stays one.

Nothing moves below a WatermarkAssigner (dropping rows first would change the watermarks), below
a Sort with FETCH/OFFSET, or into a Values. Non-deterministic conjuncts are not pushed into joins
(a row may be tested once per match above the join but once below it).

Before::

    Filter(condition=[((b = 'x') AND (a = a0))])
    +- Join(joinType=[INNER], where=[TRUE])
       :- TableScan(table=[[default_catalog, default_database, t]], fields=[a, b])
       +- TableScan(table=[[default_catalog, default_database, u]], fields=[a0, e])

After::

    Join(joinType=[INNER], where=[(a = a0)])
    :- Filter(condition=[(b = 'x')])
    :  +- TableScan(table=[[default_catalog, default_database, t]], fields=[a, b])
    +- TableScan(table=[[default_catalog, default_database, u]], fields=[a0, e])
"""

from __future__ import annotations

from dataclasses import replace

from flowsql.planner.expressions import (
    Expr,
    InputRef,
    conjuncts,
    input_refs,
    is_deterministic,
    is_true_literal,
    make_and,
    shift_refs,
    substitute_refs,
    transform,
)
from flowsql.planner.logical import Aggregate, Filter, Join, Node, Project, Sort, Union

NAME = "push_filters"

# Which sides of a join a conjunct of the join condition (ON) may move into.
_CONDITION_SIDES = {"INNER": (True, True), "LEFT": (False, True), "RIGHT": (True, False),
                    "FULL": (False, False), "SEMI": (True, True), "ANTI": (False, True)}


def apply(node: Node, context) -> Node:
    if isinstance(node, Join):
        return _push_join_condition(node)
    if not isinstance(node, Filter):
        return node
    child = node.input
    parts = conjuncts(node.condition)
    if isinstance(child, Project):
        return _below_project(node, child, parts)
    if isinstance(child, Union):
        branches = tuple(_filter(b, [_retype_refs(p, b) for p in parts]) for b in child.union_inputs)
        return Union(branches)
    if isinstance(child, Aggregate):
        return _below_aggregate(node, child, parts)
    if isinstance(child, Sort) and child.fetch is None and not child.offset:
        return replace(child, input=_filter(child.input, parts))
    if isinstance(child, Join):
        return _into_join(node, child, parts)
    return node


def _filter(node: Node, parts: list[Expr]) -> Node:
    """A Filter of ``parts`` over ``node``, itself pushed further down where it can go."""
    if not parts:
        return node
    filtered = Filter(node, make_and(parts))
    pushed = apply(filtered, None)
    return filtered if pushed == filtered else pushed


def _on_top(node: Node, parts: list[Expr]) -> Node:
    return Filter(node, make_and(parts)) if parts else node


def _retype_refs(expr: Expr, node: Node) -> Expr:
    """References typed as ``node``'s fields (a Union's fields may be more nullable than a branch's)."""
    fields = node.fields
    return transform(expr, lambda e: InputRef(fields[e.index].type, e.index, e.name)
                     if isinstance(e, InputRef) else None)


def _below_project(node: Filter, project: Project, parts: list[Expr]) -> Node:
    pushed, kept = [], []
    for p in parts:
        if all(is_deterministic(project.exprs[i]) for i in input_refs(p)):
            pushed.append(substitute_refs(p, project.exprs))
        else:
            kept.append(p)
    if not pushed:
        return node
    return _on_top(Project(_filter(project.input, pushed), project.exprs, project.out_names), kept)


def _below_aggregate(node: Filter, aggregate: Aggregate, parts: list[Expr]) -> Node:
    width = len(aggregate.group_keys)
    if not width:
        return node
    pushed, kept = [], []
    for p in parts:
        refs = input_refs(p)
        if refs and all(i < width for i in refs) and is_deterministic(p):
            pushed.append(shift_refs(p, lambda i: aggregate.group_keys[i]))
        else:
            kept.append(p)
    if not pushed:
        return node
    return _on_top(replace(aggregate, input=_filter(aggregate.input, pushed)), kept)


def _split(parts: list[Expr], width: int) -> tuple[list[Expr], list[Expr], list[Expr]]:
    """Conjuncts reading only the left side, only the right side, and both (or neither)."""
    left, right, both = [], [], []
    for p in parts:
        refs = input_refs(p)
        if refs and is_deterministic(p) and all(i < width for i in refs):
            left.append(p)
        elif refs and is_deterministic(p) and all(i >= width for i in refs):
            right.append(shift_refs(p, lambda i: i - width))
        else:
            both.append(p)
    return left, right, both


def _into_join(node: Filter, join: Join, parts: list[Expr]) -> Node:
    width = len(join.left.fields)
    left, right, rest = _split(parts, width)
    kept = list(rest)
    into_left = join.join_type in ("INNER", "LEFT", "SEMI", "ANTI")
    into_right = join.join_type in ("INNER", "RIGHT")
    if not into_left:
        kept += left
        left = []
    if not into_right:
        kept += [shift_refs(p, lambda i: i + width) for p in right]
        right = []
    condition = join.condition
    if join.join_type == "INNER":
        across = [p for p in kept if input_refs(p) and is_deterministic(p)]
        kept = [p for p in kept if p not in across]
        if across:
            condition = make_and([c for c in conjuncts(condition) if not is_true_literal(c)] + across)
    if not left and not right and condition == join.condition:
        return node
    new_join = Join(_filter(join.left, left), _filter(join.right, right), join.join_type, condition,
                    join.state_ttl)
    return _on_top(new_join, kept)


def _push_join_condition(join: Join) -> Node:
    to_left, to_right = _CONDITION_SIDES.get(join.join_type, (False, False))
    width = len(join.left.fields)
    left, right, both = _split(conjuncts(join.condition), width)
    if not both or not any(input_refs(p) for p in both):
        return join  # keep the join an equi-join rather than turning it into a cross join
    if not to_left:
        both += left
        left = []
    if not to_right:
        both += [shift_refs(p, lambda i: i + width) for p in right]
        right = []
    if not left and not right:
        return join
    return Join(_filter(join.left, left), _filter(join.right, right), join.join_type, make_and(both),
                join.state_ttl)
