"""Builds the runtime operator of a window physical node (TVF, window aggregate, window rank, OVER)."""

from __future__ import annotations

import pyarrow as pa
from flowsql.exec.operator import Operator


def make_window_operator(node, schema: pa.Schema) -> Operator:
    kind = node.kind
    logical = node.logical
    if kind == "WindowTableFunction" and logical.spec.kind == "SESSION":
        from flowsql.exec.operators.window_session import SessionWindowTableFunction

        return SessionWindowTableFunction(node.operator_id, logical, schema)
    if kind == "WindowTableFunction":
        from flowsql.exec.operators.window_table_function import WindowTableFunction

        return WindowTableFunction(logical.spec, logical.time_index, schema)
    if kind == "WindowAggregate" and node.emit is not None and node.emit.produces_updates:
        from flowsql.exec.operators.window_aggregate_updates import UpdatingWindowAggregate

        return UpdatingWindowAggregate(node.operator_id, logical, node.emit, schema)
    if kind == "WindowAggregate":
        from flowsql.exec.operators.window_aggregate import WindowAggregate

        return WindowAggregate(node.operator_id, logical, schema)
    if kind == "WindowRank":
        from flowsql.exec.operators.window_rank import WindowRank

        return WindowRank(node.operator_id, logical, schema)
    from flowsql.exec.operators.over_aggregate import OverAggregate

    return OverAggregate(node.operator_id, logical, schema)
