"""The late-rows side table: where window operators write the rows they drop as late.

``SET 'flowsql.exec.late-rows.sink' = 'late_rows'`` names a catalog table; every window operator
of the streaming jobs started afterwards (window aggregation, window Top-N and deduplication, the
SESSION window TVF, OVER aggregation) then writes each row it drops for being late into it,
instead of only counting it (``late_rows_dropped`` in the job's metrics). The table's columns are
matched by name; it may have any of these, in any order::

    CREATE TABLE late_rows (
        operator  STRING,        -- the operator that dropped the row, e.g. 'windowaggregate-5'
        payload   STRING,        -- the row, as a JSON object of the operator's input columns
        watermark_time TIMESTAMP(3) -- the operator's event time (or clock) when it dropped the row
    ) WITH ('connector' = 'filesystem', 'path' = '/tmp/late', 'format' = 'json')

The side table receives inserts only; with checkpoints it is one more sink of the job.
"""

from __future__ import annotations

from flowsql.common.config import Config
from flowsql.common.connector import Column, ConnectorContext
from flowsql.common.errors import PlanningError
from flowsql.planner.logical import Field, Sink, Values

OPTION = "flowsql.exec.late-rows.sink"
COLUMNS = {"operator": "STRING", "payload": "STRING", "watermark_time": "TIMESTAMP(3)"}


def late_rows_sink(catalog, config: Config):
    """The physical root writing late rows to the configured table, or None when none is set."""
    from flowsql.catalog import CatalogTable
    from flowsql.connectors import find_factory
    from flowsql.planner.physical import PhysicalNode

    name = (config.get(OPTION) or "").strip()
    if not name or config.is_batch:  # batch mode has no late rows
        return None
    path, table = catalog.resolve(tuple(p.strip("`") for p in name.split(".")))
    if not isinstance(table, CatalogTable):
        raise PlanningError(f"'{OPTION}' names {name}, which is a view", hint="name a table (CREATE TABLE ...)")
    columns = [c for c in table.columns if c.is_persisted]
    for c in columns:
        expected = COLUMNS.get(c.name.lower())
        if expected is None or not _fits(c.type, expected):
            raise PlanningError(
                f"the late-rows table {name} has a column {c.name} {c.type.sql(False)}, but its columns must be "
                f"among: " + ", ".join(f"{k} {v}" for k, v in COLUMNS.items()),
                hint=f"CREATE TABLE {name} (operator STRING, payload STRING, watermark_time TIMESTAMP(3)) WITH (...)")
    fields = tuple(Field(c.name, c.type) for c in columns)
    logical = Sink(Values((), fields), path, table)
    quoted = ".".join(f"`{p}`" for p in path)
    context = ConnectorContext(quoted, [Column(c.name, c.type, None, False) for c in columns], dict(table.options),
                               config, None, list(table.partition_keys))
    sink = find_factory(table.options.get("connector", ""), quoted).create_sink(context)
    node = PhysicalNode("LateRowsSink", logical, [], sink=sink, bounded=False)
    node.operator_id = "late-rows-sink"
    return node


def _fits(t, expected: str) -> bool:
    return t.is_string if expected == "STRING" else t.is_timestamp
