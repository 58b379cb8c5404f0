"""Projection pruning: every node keeps only the columns someone above it reads, down to the scan.

Walking from the root, each node is told which of its output columns are needed; it asks its
inputs for the columns it needs to produce those, and renumbers its expressions to the narrower
inputs. Projects drop unused expressions, Aggregates unused aggregate calls (and their inputs keep
only group keys, arguments and FILTER columns), Joins read only the referenced columns of each
side, a WatermarkAssigner keeps its rowtime column and what its watermark expression reads, Union
branches are narrowed alike, and a TableScan lists only the columns it must read, so the
connector can skip the rest (Parquet and CSV readers read fewer columns).

A node never becomes zero columns wide: where nothing is read (``COUNT(*)``), the narrowest column
stays so that rows can still be counted. The root's output fields never change. Nodes this rule
does not know keep all their inputs' columns.

Before::

    Sink(table=[collect], fields=[EXPR$0])
    +- Aggregate(groupBy=[], select=[COUNT(*) AS EXPR$0])
       +- Project(a, b, c)
          +- TableScan(table=[[default_catalog, default_database, t]], fields=[a, b, c])

After::

    Sink(table=[collect], fields=[EXPR$0])
    +- Aggregate(groupBy=[], select=[COUNT(*) AS EXPR$0])
       +- Project(a)
          +- TableScan(table=[[default_catalog, default_database, t]], fields=[a])
"""

from __future__ import annotations

from dataclasses import replace

from flowsql.planner.expressions import Expr, InputRef, input_refs, shift_refs
from flowsql.planner.logical import (
    Aggregate,
    Correlate,
    Field,
    Filter,
    Join,
    Node,
    Project,
    Rank,
    Sink,
    Sort,
    TableScan,
    Union,
    Values,
    WatermarkAssigner,
)

NAME = "prune_columns"

_WIDTH = {"BOOLEAN": 1, "TINYINT": 1, "SMALLINT": 2, "INT": 4, "DATE": 4, "FLOAT": 4, "TIME": 4,
          "BIGINT": 8, "DOUBLE": 8, "TIMESTAMP": 8, "TIMESTAMP_LTZ": 8, "DECIMAL": 16}

Mapping = dict[int, int]  # old output position -> new output position, for the needed columns


def apply_to_plan(plan: Node, context) -> Node:
    pruned, _ = prune(plan, set(range(len(plan.fields))))
    return pruned


def prune(node: Node, needed: set[int]) -> tuple[Node, Mapping]:
    """``node`` rebuilt to produce at least the ``needed`` columns, and where each of them now is."""
    needed = _at_least_one(needed, node.fields, node)
    if isinstance(node, Sink):
        everything = list(range(len(node.input.fields)))
        child = narrow(*prune(node.input, set(everything)), everything)
        return _rebuilt(node, (child,)), _identity(len(node.fields))
    handler = _HANDLERS.get(type(node))
    if handler is None:
        return _keep_all(node)
    return handler(node, needed)


def _at_least_one(needed: set[int], fields: tuple[Field, ...], node: Node) -> set[int]:
    if needed or not fields:
        return needed
    metadata = node.metadata_keys if isinstance(node, TableScan) else ()

    def cost(i: int) -> tuple[int, int]:
        is_metadata = i < len(metadata) and metadata[i] is not None
        return (1 if is_metadata else 0, _WIDTH.get(fields[i].type.name, 32)), i

    return {min(range(len(fields)), key=cost)}


def _rebuilt(node: Node, children: tuple[Node, ...]) -> Node:
    return node if all(a is b for a, b in zip(children, node.inputs())) else node.replace_inputs(children)


def _identity(width: int) -> Mapping:
    return {i: i for i in range(width)}


def _keep_all(node: Node) -> tuple[Node, Mapping]:
    children = tuple(narrow(*prune(k, set(range(len(k.fields)))), list(range(len(k.fields))))
                     for k in node.inputs())
    return _rebuilt(node, children), _identity(len(node.fields))


def narrow(node: Node, mapping: Mapping, wanted: list[int]) -> Node:
    """``node`` (pruned, with ``mapping``) producing exactly the ``wanted`` old columns in order."""
    positions = [mapping[i] for i in wanted]
    if positions == list(range(len(node.fields))):
        return node
    fields = node.fields
    return Project(node, tuple(InputRef(fields[p].type, p, fields[p].name) for p in positions),
                   tuple(fields[p].name for p in positions))


def _sorted_mapping(columns: list[int]) -> Mapping:
    return {old: new for new, old in enumerate(columns)}


def _table_scan(node: TableScan, needed: set[int]) -> tuple[Node, Mapping]:
    keep = sorted(needed)
    if len(keep) == len(node.columns):
        return node, _identity(len(keep))
    metadata = tuple(node.metadata_keys[i] for i in keep) if node.metadata_keys else ()
    return replace(node, columns=tuple(node.columns[i] for i in keep), metadata_keys=metadata), _sorted_mapping(keep)


def _values(node: Values, needed: set[int]) -> tuple[Node, Mapping]:
    keep = sorted(needed)
    if len(keep) == len(node.value_fields):
        return node, _identity(len(keep))
    rows = tuple(tuple(row[i] for i in keep) for row in node.rows)
    return Values(rows, tuple(node.value_fields[i] for i in keep)), _sorted_mapping(keep)


def _project(node: Project, needed: set[int]) -> tuple[Node, Mapping]:
    if not node.exprs and node.input.fields:
        # A zero-width projection (under COUNT(*)) still has to carry its rows: pass the
        # narrowest column through; consumers ignore it (exact-width ones narrow it away).
        (chosen,) = _at_least_one(set(), node.input.fields, node.input)
        child, mapping = prune(node.input, {chosen})
        column = mapping[chosen]
        field = child.fields[column]
        return Project(child, (InputRef(field.type, column, field.name),), (field.name,)), {}
    keep = sorted(needed)
    exprs = [node.exprs[i] for i in keep]
    child, mapping = prune(node.input, set().union(*(input_refs(e) for e in exprs)))
    exprs = [shift_refs(e, mapping) for e in exprs]
    names = tuple(node.out_names[i] for i in keep)
    if child is node.input and len(keep) == len(node.exprs):
        return node, _identity(len(keep))
    return Project(child, tuple(exprs), names), _sorted_mapping(keep)


def _filter(node: Filter, needed: set[int]) -> tuple[Node, Mapping]:
    child, mapping = prune(node.input, needed | input_refs(node.condition))
    if child is node.input:
        return node, _identity(len(node.fields))
    return Filter(child, shift_refs(node.condition, mapping)), mapping


def _sort(node: Sort, needed: set[int]) -> tuple[Node, Mapping]:
    child, mapping = prune(node.input, needed | {k for k, _, _ in node.keys})
    if child is node.input:
        return node, _identity(len(node.fields))
    keys = tuple((mapping[k], ascending, nulls_first) for k, ascending, nulls_first in node.keys)
    return replace(node, input=child, keys=keys), mapping


def _watermark_assigner(node: WatermarkAssigner, needed: set[int]) -> tuple[Node, Mapping]:
    child, mapping = prune(node.input, needed | {node.rowtime_index} | input_refs(node.expr))
    if child is node.input:
        return node, _identity(len(node.fields))
    return WatermarkAssigner(child, mapping[node.rowtime_index], shift_refs(node.expr, mapping)), mapping


def _aggregate(node: Aggregate, needed: set[int]) -> tuple[Node, Mapping]:
    width = len(node.group_keys)
    kept = [i - width for i in sorted(needed) if i >= width]
    calls = [node.aggregates[j] for j in kept]
    used = set(node.group_keys)
    for call in calls:
        used |= set(call.args)
        if call.filter_arg is not None:
            used.add(call.filter_arg)
    child, m = prune(node.input, used)
    if child is node.input and len(calls) == len(node.aggregates):
        return node, _identity(len(node.fields))
    calls = [replace(c, args=tuple(m[a] for a in c.args),
                     filter_arg=None if c.filter_arg is None else m[c.filter_arg]) for c in calls]
    new = Aggregate(child, tuple(m[k] for k in node.group_keys), tuple(calls), node.state_ttl)
    mapping = _identity(width)
    mapping.update({width + j: width + n for n, j in enumerate(kept)})
    return new, mapping


def _union(node: Union, needed: set[int]) -> tuple[Node, Mapping]:
    keep = sorted(needed)
    branches = tuple(narrow(*prune(b, set(keep)), keep) for b in node.union_inputs)
    if all(a is b for a, b in zip(branches, node.union_inputs)):
        return node, _identity(len(node.fields))
    return Union(branches), _sorted_mapping(keep)


def _join(node: Join, needed: set[int]) -> tuple[Node, Mapping]:
    width = len(node.left.fields)
    refs = input_refs(node.condition) | needed
    left, left_map = prune(node.left, {i for i in refs if i < width})
    right, right_map = prune(node.right, {i - width for i in refs if i >= width})
    if left is node.left and right is node.right:
        return node, _identity(len(node.fields))
    new_width = len(left.fields)

    def position(i: int) -> int:
        return left_map[i] if i < width else new_width + right_map[i - width]

    condition: Expr = shift_refs(node.condition, position)
    new = Join(left, right, node.join_type, condition, node.state_ttl)
    return new, {i: position(i) for i in needed}


def _rank(node: Rank, needed: set[int]) -> tuple[Node, Mapping]:
    # An unread rank number is dropped: the Rank then stays silent about rows that only move
    # within the range (Flink's "no ranking number" optimization).
    width = len(node.input.fields)
    output_rank = node.output_rank and width in needed
    used = {i for i in needed if i < width} | set(node.partition_keys) | {k for k, _, _ in node.order_keys}
    child, m = prune(node.input, used)
    if child is node.input and output_rank == node.output_rank:
        return node, _identity(len(node.fields))
    new = replace(node, input=child, partition_keys=tuple(m[k] for k in node.partition_keys),
                  order_keys=tuple((m[k], asc, nf) for k, asc, nf in node.order_keys), output_rank=output_rank)
    mapping = dict(m)
    if output_rank:
        mapping[width] = len(child.fields)
    return new, mapping


def _correlate(node: Correlate, needed: set[int]) -> tuple[Node, Mapping]:
    # The function's columns all stay (one call makes them together); the input keeps what is read
    # above and what the function's arguments read.
    width = len(node.input.fields)
    used = {i for i in needed if i < width}.union(*(input_refs(a) for a in node.args))
    child, m = prune(node.input, used)
    if child is node.input:
        return node, _identity(len(node.fields))
    new = replace(node, input=child, args=tuple(shift_refs(a, m) for a in node.args))
    mapping = {i: m[i] for i in used}
    mapping.update({width + j: len(child.fields) + j for j in range(len(node.function_fields))})
    return new, mapping


_HANDLERS = {
    Rank: _rank,
    TableScan: _table_scan, Values: _values, Project: _project, Filter: _filter, Sort: _sort,
    WatermarkAssigner: _watermark_assigner, Aggregate: _aggregate, Union: _union, Join: _join,
    Correlate: _correlate,
}
