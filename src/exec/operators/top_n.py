"""Builds the runtime operator of a Top-N physical node: Rank, Deduplicate, or a streaming
``ORDER BY ... LIMIT`` maintained as a Top-N without partition."""

from __future__ import annotations

import pyarrow as pa
from flowsql.exec.operator import Operator


def make_top_n_operator(node, input_schema: pa.Schema, schema: pa.Schema) -> Operator:
    from flowsql.exec.operators.rank import RankOperator

    logical = node.logical
    insert_only_input = node.inputs[0].mode.is_insert_only
    if node.kind == "Deduplicate":
        if insert_only_input:
            from flowsql.exec.operators.deduplicate import DeduplicateOperator

            return DeduplicateOperator(node.operator_id, logical.keys, logical.time_index, logical.keep_last,
                                       logical.is_rowtime, schema)
        logical = logical.as_rank()
    if node.kind == "SortLimit":
        return RankOperator(node.operator_id, "ROW_NUMBER", (), logical.keys, logical.offset + 1,
                            logical.offset + logical.fetch, False, not insert_only_input, input_schema, schema)
    return RankOperator(node.operator_id, logical.rank_type, logical.partition_keys, logical.order_keys,
                        logical.rank_start, logical.rank_end, logical.output_rank, not insert_only_input,
                        input_schema, schema)
