"""Order chains of INNER joins so that each join has a key: no cross product when avoidable.

``FROM a, b, c WHERE a.x = c.x AND b.y = c.y`` binds as ``(a × b) ⋈ c``. The chain's inputs are
re-joined greedily, left-deep: starting from the first input, the next one taken is the first (in
FROM order) that a condition connects to those already joined; only when none is connected does
a cross product remain. Each conjunct moves to the lowest join that sees all its columns, and a
Project restores the original column order. A chain already in that order is left alone, so the
rule reaches a fixpoint.

Before::

    Join(joinType=[INNER], where=[(b_y = c_y)])
    :- Join(joinType=[INNER], where=[(a_x = c_x)])  -- after pushdown: needs c, so it sits higher
    ...

After::

    Project(a_x, b_y, c_x, c_y)
    +- Join(joinType=[INNER], where=[(b_y = c_y)])
       :- Join(joinType=[INNER], where=[(a_x = c_x)])
       :  :- a
       :  +- c
       +- b
"""

from __future__ import annotations

from flowsql.planner.expressions import (
    Expr,
    InputRef,
    conjuncts,
    input_refs,
    is_true_literal,
    make_and,
    shift_refs,
)
from flowsql.planner.join_keys import split_join_condition
from flowsql.planner.logical import Join, Node, Project

NAME = "reorder_joins"


def apply(node: Node, context) -> Node:
    if not (isinstance(node, Join) and node.join_type == "INNER"):
        return node
    leaves: list[Node] = []
    parts: list[Expr] = []
    _flatten(node, leaves, parts, 0)
    if len(leaves) < 3:
        return node
    offsets, position = [], 0
    for leaf in leaves:
        offsets.append(position)
        position += len(leaf.fields)

    def leaf_of(index: int) -> int:
        return max(i for i, o in enumerate(offsets) if o <= index)

    part_leaves = [frozenset(leaf_of(i) for i in input_refs(p)) for p in parts]
    connects = [len(s) > 1 and _is_equality(p) for p, s in zip(parts, part_leaves)]
    order = [0]
    remaining = list(range(1, len(leaves)))
    while remaining:
        joined = set(order)
        pick = next((c for c in remaining if any(
            connects[k] and c in s and (s - {c}) <= joined for k, s in enumerate(part_leaves))), remaining[0])
        order.append(pick)
        remaining.remove(pick)
    if order == list(range(len(leaves))):
        return node
    # New positions of every original field.
    new_offset, position = {}, 0
    for leaf in order:
        new_offset[leaf] = position
        position += len(leaves[leaf].fields)

    def moved(i: int) -> int:
        leaf = leaf_of(i)
        return new_offset[leaf] + i - offsets[leaf]

    placed = [False] * len(parts)
    plan = leaves[order[0]]
    for step in range(1, len(order)):
        joined = set(order[: step + 1])
        here = [k for k, s in enumerate(part_leaves) if not placed[k] and s <= joined]
        for k in here:
            placed[k] = True
        plan = Join(plan, leaves[order[step]], "INNER", make_and([shift_refs(parts[k], moved) for k in here]))
    fields = node.fields
    return Project(plan, tuple(InputRef(plan.fields[moved(i)].type, moved(i), f.name) for i, f in enumerate(fields)),
                   tuple(f.name for f in fields))


def _flatten(node: Node, leaves: list[Node], parts: list[Expr], offset: int) -> None:
    # A join with a STATE_TTL hint keeps the inputs the hint names: it is a leaf, not reordered.
    if isinstance(node, Join) and node.join_type == "INNER" and node.state_ttl is None:
        width = len(node.left.fields)
        _flatten(node.left, leaves, parts, offset)
        _flatten(node.right, leaves, parts, offset + width)
        parts += [shift_refs(p, lambda i: i + offset) for p in conjuncts(node.condition)
                  if not is_true_literal(p)]
        return
    leaves.append(node)


def _is_equality(part: Expr) -> bool:
    refs = input_refs(part)
    if not refs:
        return False
    keys = split_join_condition(part, min(refs) + 1)
    return bool(keys.left)
