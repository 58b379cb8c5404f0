"""Top-N recognition: a filter with constant bounds on ``ROW_NUMBER()`` / ``RANK()`` /
``DENSE_RANK()`` over a regular OVER window becomes a ``Rank``, which a stream can maintain
incrementally (an OVER window ordered by a non-time column cannot run on a stream at all).

Bounds come from ``rn <= N``, ``rn < N``, ``rn = N``, ``rn BETWEEN a AND b``, ``N >= rn``,
``rn >= a`` and ``rn > a`` (several combine); an upper bound is required. Other conjuncts stay in
a Filter above the Rank. The rank number is kept as an output here; ``prune_columns`` drops it
when nothing reads it, which lets the Rank stay silent about rows that merely change rank.

Before::

    Filter(condition=[(($w0 <= 3) AND (k <> 'z'))])
    +- OverWindow(partitionBy=[k], orderBy=[v DESC], select=[ROW_NUMBER() AS $w0])
       +- TableScan(table=[[default_catalog, default_database, t]], fields=[k, v])

After::

    Filter(condition=[(k <> 'z')])
    +- Rank(rankType=[ROW_NUMBER], rankRange=[rankStart=1, rankEnd=3], partitionBy=[k], orderBy=[v DESC],
            select=[k, v, $w0])
       +- TableScan(table=[[default_catalog, default_database, t]], fields=[k, v])
"""

from __future__ import annotations

from dataclasses import replace

from flowsql.planner.expressions import Call, Expr, InputRef, Literal, conjuncts, make_and
from flowsql.planner.logical import Filter, Node, OverWindow, Project, Rank

NAME = "rank"

_RANK_FUNCTIONS = ("ROW_NUMBER", "RANK", "DENSE_RANK")
_FLIPPED = {"<=": ">=", "<": ">", ">=": "<=", ">": "<", "=": "="}


def apply(node: Node, context) -> Node:
    if not isinstance(node, Filter):
        return node
    project = node.input if isinstance(node.input, Project) else None
    over = project.input if project is not None else node.input
    if (not isinstance(over, OverWindow) or len(over.calls) != 1 or not over.order_keys
            or over.calls[0].function not in _RANK_FUNCTIONS):
        return node
    rank_index = len(over.input.fields)
    start, end, rest = 1, None, []
    for part in conjuncts(node.condition):
        bound = _rank_bound(part, project, rank_index)
        if bound is None:
            rest.append(part)
            continue
        low, high = bound
        start = max(start, low) if low is not None else start
        end = min(end, high) if high is not None and end is not None else (high if end is None else end)
    if end is None:
        return node  # no upper bound: not a Top-N, the OVER window stays
    call = over.calls[0]
    rank = Rank(over.input, call.function, over.partition_keys, over.order_keys, start, end, True, call.name)
    result: Node = replace(project, input=rank) if project is not None else rank
    return Filter(result, make_and(rest)) if rest else result


def _rank_bound(c: Expr, project: Project | None, rank_index: int) -> tuple[int | None, int | None] | None:
    """(lower, upper) bound on the rank that conjunct ``c`` states, or None if it is not one."""
    if isinstance(c, Call) and c.op == "BETWEEN" and len(c.operands) == 3:
        ref, low, high = c.operands
        if _is_rank(ref, project, rank_index) and _integer(low) is not None and _integer(high) is not None:
            return _integer(low), _integer(high)
        return None
    if not isinstance(c, Call) or c.op not in _FLIPPED or len(c.operands) != 2:
        return None
    left, right = c.operands
    op = c.op
    if _is_rank(right, project, rank_index):
        left, right, op = right, left, _FLIPPED[op]
    value = _integer(right)
    if not _is_rank(left, project, rank_index) or value is None:
        return None
    return {"<=": (None, value), "<": (None, value - 1), "=": (value, value),
            ">=": (value, None), ">": (value + 1, None)}[op]


def _is_rank(e: Expr, project: Project | None, rank_index: int) -> bool:
    if not isinstance(e, InputRef):
        return False
    if project is None:
        return e.index == rank_index
    inner = project.exprs[e.index]
    return isinstance(inner, InputRef) and inner.index == rank_index


def _integer(e: Expr) -> int | None:
    if isinstance(e, Call) and e.op == "CAST" and len(e.operands) == 1:
        e = e.operands[0]
    if isinstance(e, Literal) and isinstance(e.value, int) and not isinstance(e.value, bool):
        return e.value
    return None
