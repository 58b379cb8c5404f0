"""Push filter conjuncts that read only a Correlate's input below it, so UNNEST and table
functions run on fewer rows.

A conjunct reading none of the function's columns tests the same values on every row an input
row makes (and on its NULL-padded row of a LEFT correlate), so filtering the input first keeps
exactly the same rows. Non-deterministic conjuncts stay above: they would be tested once per
input row instead of once per output row.

Before::

    Filter(condition=[((id > 1) AND (x > 5))])
    +- Correlate(invocation=[UNNEST(arr)], ..., select=[id, arr, x], ..., joinType=[INNER])
       +- TableScan(table=[[default_catalog, default_database, t]], fields=[id, arr])

After::

    Filter(condition=[(x > 5)])
    +- Correlate(invocation=[UNNEST(arr)], ..., select=[id, arr, x], ..., joinType=[INNER])
       +- Filter(condition=[(id > 1)])
          +- TableScan(table=[[default_catalog, default_database, t]], fields=[id, arr])
"""

from __future__ import annotations

from dataclasses import replace

from flowsql.planner.expressions import conjuncts, input_refs, is_deterministic, make_and
from flowsql.planner.logical import Correlate, Filter, Node

NAME = "push_filters_below_correlate"


def apply(node: Node, context) -> Node:
    if not isinstance(node, Filter) or not isinstance(node.input, Correlate):
        return node
    correlate = node.input
    width = len(correlate.input.fields)
    pushed, kept = [], []
    for part in conjuncts(node.condition):
        refs = input_refs(part)
        (pushed if refs and max(refs) < width and is_deterministic(part) else kept).append(part)
    if not pushed:
        return node
    below = replace(correlate, input=Filter(correlate.input, make_and(pushed)))
    return Filter(below, make_and(kept)) if kept else below
