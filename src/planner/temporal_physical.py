"""Physical planning of temporal and lookup joins: their operators' inputs and changelog modes.

A ``TemporalJoin`` has two inputs (the left rows and the versioned table's changelog); a
``LookupJoin`` one, with the looked-up table reached through its connector's lookup function.
Both emit each left row's result once, with the left row's kind, so their output changelog is the
left input's: insert-only when the left input is, whatever the right side does.
"""

from __future__ import annotations

from flowsql.common.changelog import ChangelogMode
from flowsql.common.connector import Column, ConnectorContext, LookupTableSource
from flowsql.common.errors import PlanningError
from flowsql.planner.logical import LookupJoin, TemporalJoin


def plan_temporal_join(planner, node: TemporalJoin | LookupJoin):
    from flowsql.planner.physical import PhysicalNode

    if isinstance(node, TemporalJoin):
        return PhysicalNode("TemporalJoin", node, [planner.plan(node.left), planner.plan(node.right)])
    return PhysicalNode("LookupJoin", node, [planner.plan(node.input)], source=lookup_source(node, planner.config))


def lookup_source(node: LookupJoin, config) -> LookupTableSource:
    """The connector's source of the looked-up table, producing the table's columns in order."""
    from flowsql.connectors import find_factory
    from flowsql.planner.temporal import lookup_hint

    table = node.table
    name = ".".join(f"`{p}`" for p in node.path)
    columns = [Column(c.name, c.type, c.metadata_key or c.name if c.kind == "metadata" else None, c.virtual)
               for c in table.columns if c.kind != "computed"]
    context = ConnectorContext(name, columns, dict(table.options), config,
                               list(table.primary_key) if table.primary_key else None, list(table.partition_keys))
    source = find_factory(table.options.get("connector", ""), name).create_source(context)
    if not isinstance(source, LookupTableSource):
        line, column = node.position
        raise PlanningError(f"table {name} cannot be looked up: its connector '{table.options.get('connector')}' "
                            f"has no lookup support", line=line, column=column, hint=lookup_hint())
    return source


def temporal_join_mode(p) -> None:
    """The left input's changelog, passed through (see the module docstring)."""
    left = p.inputs[0].mode
    p.mode = ChangelogMode(left.kinds, left.upsert_key) if not left.is_insert_only else ChangelogMode.insert_only()
    if not left.is_insert_only:
        p.reason = (f"the {p.kind}'s left input updates: each change of a left row is joined and passed on "
                    f"with its row kind")
