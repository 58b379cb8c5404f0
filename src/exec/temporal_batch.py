"""Batch SQL for temporal joins (DuckDB's ASOF JOIN: each left row meets the latest version at or
before its time) and lookup joins (a plain join against the table as it is now)."""

from __future__ import annotations

import pyarrow as pa
from flowsql.exec.expression import SqlTranslator


def temporal_join_sql(query, node, child: list[str], tr: SqlTranslator) -> str:
    j = node.logical
    nl = len(j.input.fields) if node.kind == "LookupJoin" else len(j.left.fields)
    if node.kind == "LookupJoin":
        nr = len(j.right_fields)
        right = f"SELECT *, TRUE AS __m FROM ({_renamed(lookup_table_sql(query, node), nr, nl)})"
        join = f"{'LEFT JOIN' if j.join_type == 'LEFT' else 'JOIN'} ({right}) AS r ON {tr.sql(j.condition)}"
        return f"SELECT {', '.join(f'_{i}' for i in range(nl + nr))} FROM ({child[0]}) AS l {join}"
    nr = len(j.right.fields)
    right = f"SELECT *, TRUE AS __m FROM ({_renamed(child[1], nr, nl)})"
    on = [f"{tr.sql(e)} = _{nl + k}" for e, k in zip(j.left_keys, j.right_keys)]
    on.append(f"_{j.left_time} >= _{nl + j.right_time}")
    joined = f"SELECT * FROM ({child[0]}) AS l ASOF LEFT JOIN ({right}) AS r ON {' AND '.join(on)}"
    ok = "__m IS NOT NULL" + (f" AND coalesce({tr.sql(j.residual)}, FALSE)" if j.residual is not None else "")
    left_cols = [f"_{i}" for i in range(nl)]
    if j.join_type == "INNER":
        return f"SELECT {', '.join(left_cols + [f'_{nl + i}' for i in range(nr)])} FROM ({joined}) WHERE {ok}"
    right_cols = [f"CASE WHEN {ok} THEN _{nl + i} END AS _{nl + i}" for i in range(nr)]
    return f"SELECT {', '.join(left_cols + right_cols)} FROM ({joined})"


def _renamed(sql: str, width: int, offset: int) -> str:
    return f"SELECT {', '.join(f'_{i} AS _{i + offset}' for i in range(width))} FROM ({sql})"


def lookup_table_sql(query, node) -> str:
    """The looked-up table's current rows, columns named ``_0, _1, ...``."""
    source = node.source
    names = [f.name for f in node.logical.right_fields]
    scan = source.batch_scan_sql()
    if scan is not None:
        return f"SELECT {', '.join(f'{_quoted(c)} AS _{i}' for i, c in enumerate(names))} FROM {scan}"
    reader = source.create_reader()
    tables = []
    while not reader.finished:
        batch = reader.poll(1 << 20)
        if batch is None:  # an unbounded table: what it holds now
            break
        tables.append(batch.table)
    reader.close()
    schema = pa.schema([pa.field(f.name, f.type.to_arrow()) for f in node.logical.right_fields])
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    return f"SELECT * FROM {query._register(table)}"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
