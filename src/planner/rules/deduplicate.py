"""Deduplication recognition: a ``ROW_NUMBER()`` Top-N of one row per key, ordered by a time
attribute alone, whose row number nobody reads, becomes a ``Deduplicate`` (keep the first row for
ascending time, the last for descending), which needs one row of state per key instead of a
ranking. Runs after ``prune_columns``, which is what drops an unread row number.

Before::

    Project(k, v)
    +- Rank(rankType=[ROW_NUMBER], rankRange=[rankStart=1, rankEnd=1], partitionBy=[k], orderBy=[ts ASC],
            select=[k, v, ts])
       +- TableScan(table=[[default_catalog, default_database, t]], fields=[k, v, ts])

After::

    Project(k, v)
    +- Deduplicate(keep=[FirstRow], key=[k], order=[ROWTIME])
       +- TableScan(table=[[default_catalog, default_database, t]], fields=[k, v, ts])
"""

from __future__ import annotations

from flowsql.planner.logical import Deduplicate, Node, Rank

NAME = "deduplicate"


def apply(node: Node, context) -> Node:
    if (not isinstance(node, Rank) or node.rank_type != "ROW_NUMBER" or node.output_rank
            or (node.rank_start, node.rank_end) != (1, 1) or len(node.order_keys) != 1):
        return node
    index, ascending, _ = node.order_keys[0]
    if node.input.fields[index].type.time_attribute is None:
        return node
    return Deduplicate(node.input, node.partition_keys, index, not ascending)
