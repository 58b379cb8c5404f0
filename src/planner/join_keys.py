"""Split a join condition into equi-keys and a residual predicate.

A conjunct ``l = r`` where ``l`` reads only left fields and ``r`` only right fields (either way
round) becomes a key pair; everything else is the residual, tested on candidate pairs. Key
expressions on the right are renumbered to the right input's own positions.

>>> # ON t.a = u.x AND t.b < u.y   (t has 2 fields)
>>> # keys: [(a, x)], residual: (b < $3)
"""

from __future__ import annotations

from dataclasses import dataclass

from flowsql.planner.expressions import (
    Call,
    Expr,
    conjuncts,
    input_refs,
    is_true_literal,
    make_and,
    shift_refs,
)


@dataclass(frozen=True)
class JoinKeys:
    left: tuple[Expr, ...]  # over the left input's fields
    right: tuple[Expr, ...]  # over the right input's fields
    residual: Expr | None  # over left fields then right fields, as in the join condition

    def describe(self, left_names: list[str], right_names: list[str]) -> str:
        def name(e: Expr, names: list[str]) -> str:
            refs = input_refs(e)
            if isinstance(e, Call) or len(refs) != 1:
                return str(e)
            return names[next(iter(refs))]

        return (f"leftKeys=[{', '.join(name(e, left_names) for e in self.left)}], "
                f"rightKeys=[{', '.join(name(e, right_names) for e in self.right)}]")


def split_join_condition(condition: Expr, left_width: int) -> JoinKeys:
    left_keys: list[Expr] = []
    right_keys: list[Expr] = []
    rest: list[Expr] = []
    for part in conjuncts(condition):
        pair = _key_pair(part, left_width)
        if pair is None:
            rest.append(part)
        else:
            left_keys.append(pair[0])
            right_keys.append(shift_refs(pair[1], lambda i: i - left_width))
    rest = [p for p in rest if not is_true_literal(p)]
    residual = make_and(rest) if rest else None
    return JoinKeys(tuple(left_keys), tuple(right_keys), residual)


def _key_pair(part: Expr, left_width: int) -> tuple[Expr, Expr] | None:
    if not (isinstance(part, Call) and part.op == "=" and len(part.operands) == 2):
        return None
    a, b = part.operands
    ra, rb = input_refs(a), input_refs(b)
    if not ra or not rb:
        return None
    if max(ra) < left_width <= min(rb):
        return a, b
    if max(rb) < left_width <= min(ra):
        return b, a
    return None
