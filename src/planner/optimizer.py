"""The rule-based optimizer: named phases of rules run to a fixpoint.

This list is the only place that orders rules; each rule is a module in ``rules/`` exposing
``NAME`` and either ``apply(node, context) -> node``, called on every node bottom-up, or
``apply_to_plan(plan, context) -> plan`` when it needs the whole plan (projection pruning walks
top-down). ``optimize(plan, config, trace=[])`` records the plan after each phase for EXPLAIN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flowsql.common.config import Config
from flowsql.planner.logical import Node
from flowsql.planner.rules import (
    project_into_values,
    factor_disjunctions,
    fold_constants,
    merge_projects,
    prune_columns,
    push_filters,
    rank,
    deduplicate,
    push_filters_below_correlate,
    push_filters_into_scan,
    reorder_joins,
    simplify_aggregates,
    simplify_filters,
    window_aggregate,
    window_rank,
    interval_join,
    window_join,
)


@dataclass
class RuleContext:
    config: Config


PHASES: list[tuple[str, list]] = [
    # Fold first so that pushed-down conditions are already small, and always-true filters gone.
    ("simplify", [fold_constants, simplify_filters, simplify_aggregates]),
    # Window aggregates and window Top-N are recognized before anything moves between them and
    # their window TVF (and before OVER + filter becomes an updating Top-N).
    ("windows", [window_aggregate, window_rank]),
    # Filters sink through projections, unions, group keys and joins; once they rest above a
    # scan, their simple conjuncts are offered to the connector too (the Filter stays).
    ("push down predicates", [push_filters, push_filters_below_correlate, simplify_filters, fold_constants,
                              push_filters_into_scan]),
    # Common parts of ORs become join keys; chains of inner joins are ordered to avoid cross products.
    ("join order", [factor_disjunctions, push_filters, reorder_joins]),
    # A filter on ROW_NUMBER/RANK/DENSE_RANK resting on its OVER window (once pushed down) is a Top-N.
    ("top-n", [rank]),
    # Pruning runs after pushing, so columns only filters read can be dropped above them.
    ("prune columns", [prune_columns]),
    # A one-row Top-N by time whose (pruned) row number nobody reads is a deduplication.
    ("deduplicate", [deduplicate]),
    ("merge projections", [merge_projects, fold_constants, project_into_values]),
    # Joins bounded in time (window bounds equated, or one time attribute bounded by the other) free
    # their state as time passes; recognized last, on the final shape of their conditions.
    ("time joins", [window_join, interval_join]),
]


def rewrite_bottom_up(node: Node, fn: Callable[[Node], Node], memo: dict | None = None) -> Node:
    memo = {} if memo is None else memo
    if id(node) in memo:
        return memo[id(node)]
    kids = node.inputs()
    new_kids = tuple(rewrite_bottom_up(k, fn, memo) for k in kids)
    rebuilt = node.replace_inputs(new_kids) if any(a is not b for a, b in zip(kids, new_kids)) else node
    result = fn(rebuilt)
    memo[id(node)] = result
    return result


def optimize(plan: Node, config: Config, trace: list[tuple[str, Node]] | None = None) -> Node:
    context = RuleContext(config)
    for phase, rules in PHASES:
        for _ in range(10):  # to a fixpoint, bounded
            before = plan
            for rule in rules:
                plan = rule.apply_to_plan(plan, context) if hasattr(rule, "apply_to_plan") else rewrite_bottom_up(
                    plan, lambda n, r=rule: r.apply(n, context))
            if plan == before:
                break
        if trace is not None:
            trace.append((phase, plan))
    return plan
