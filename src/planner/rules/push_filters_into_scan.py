"""Offer simple filter conjuncts to the source as ``ColumnPredicate``s.

A conjunct ``column <op> literal`` (=, <>, <, <=, >, >=, either way round), ``column IS NULL`` or
``column IS NOT NULL`` on a physical column of a scan becomes a predicate on
``TableScan.predicates``; the physical planner hands them to ``source.apply_filters``. Sources may
apply them loosely (Parquet skips row groups), so the Filter stays above the scan. The scan may
also sit under a Project (a table with computed columns), but never under a WatermarkAssigner:
rows a source skips would no longer advance the watermark.

Before::

    Filter(condition=[((x > 10) AND (UPPER(s) = 'A'))])
    +- TableScan(table=[[default_catalog, default_database, t]], fields=[x, s])

After::

    Filter(condition=[((x > 10) AND (UPPER(s) = 'A'))])
    +- TableScan(table=[[default_catalog, default_database, t]], fields=[x, s], filter=[x > 10])
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import replace

from flowsql.common.connector import ColumnPredicate
from flowsql.planner.expressions import Call, Expr, InputRef, Literal, conjuncts
from flowsql.planner.logical import Filter, Node, Project, TableScan

NAME = "push_filters_into_scan"

_FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def apply(node: Node, context) -> Node:
    if not isinstance(node, Filter):
        return node
    child = node.input
    if isinstance(child, TableScan):
        scan, columns = child, list(range(len(child.columns)))
    elif isinstance(child, Project) and isinstance(child.input, TableScan):
        scan = child.input
        columns = [e.index if isinstance(e, InputRef) else None for e in child.exprs]
    else:
        return node
    predicates = list(scan.predicates)
    for part in conjuncts(node.condition):
        predicate = _predicate(part, scan, columns)
        if predicate is not None and predicate not in predicates:
            predicates.append(predicate)
    if len(predicates) == len(scan.predicates):
        return node
    new_scan = replace(scan, predicates=tuple(predicates))
    new_child = new_scan if child is scan else replace(child, input=new_scan)
    return Filter(new_child, node.condition)


def _predicate(e: Expr, scan: TableScan, columns: list[int | None]) -> ColumnPredicate | None:
    if not isinstance(e, Call):
        return None
    if e.op == "NOT" and isinstance(e.operands[0], Call) and e.operands[0].op == "IS NULL":
        e = Call(e.type, "IS NOT NULL", e.operands[0].operands)
    if e.op in ("IS NULL", "IS NOT NULL") and len(e.operands) == 1:
        column = _column(e.operands[0], scan, columns)
        return ColumnPredicate(column, e.op) if column is not None else None
    if e.op not in _FLIPPED or len(e.operands) != 2:
        return None
    left, right = e.operands
    op = e.op
    if isinstance(left, Literal) and isinstance(right, InputRef):
        left, right, op = right, left, _FLIPPED[op]
    if not isinstance(right, Literal):
        return None
    column = _column(left, scan, columns)
    if column is None or not _pushable_value(right.value, scan.columns[columns[left.index]].type):
        return None
    return ColumnPredicate(column, op, right.value)


def _column(e: Expr, scan: TableScan, columns: list[int | None]) -> str | None:
    """The physical scan column ``e`` reads, if it is a plain reference to one."""
    if not isinstance(e, InputRef) or columns[e.index] is None:
        return None
    index = columns[e.index]
    if scan.metadata_keys and index < len(scan.metadata_keys) and scan.metadata_keys[index] is not None:
        return None
    return scan.columns[index].name


def _pushable_value(value: object, column_type) -> bool:
    """Only values a source compares exactly like the engine does (no implicit casts across kinds)."""
    if value is None:
        return False
    name = column_type.name
    if isinstance(value, bool):
        return name == "BOOLEAN"
    if isinstance(value, int):
        return column_type.is_integer or name in ("FLOAT", "DOUBLE")
    if isinstance(value, float):
        return name in ("FLOAT", "DOUBLE")
    if isinstance(value, decimal.Decimal):
        return name == "DECIMAL"
    if isinstance(value, str):
        return name == "VARCHAR"  # CHAR(n) pads, so a source's comparison could differ
    if isinstance(value, dt.datetime):
        return name == "TIMESTAMP"
    if isinstance(value, dt.date):
        return name == "DATE"
    return False
