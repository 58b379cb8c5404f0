"""Correlate in batch mode: UNNEST as a DuckDB lateral join, Python table functions on the operator.

UNNEST becomes ``(input) AS l [LEFT] JOIN LATERAL (SELECT unnest(list) ...) AS u ON TRUE``, a MAP
unnested as its ``map_entries`` (a MULTISET is a list there too). DuckDB cannot call a Python table function, so that node alone runs on the
streaming ``Correlate`` operator over its input's result, which is registered back as a table.
Columns are named ``_0, _1, ...`` as everywhere in ``flowsql.exec.batch``.
"""

from __future__ import annotations

import duckdb
from flowsql.common.changes import ChangeBatch
from flowsql.common.config import Config
from flowsql.common.errors import ExecutionError
from flowsql.exec.expression import SqlTranslator, conform
from flowsql.exec.operator import RuntimeContext


def correlate_sql(query, node, child: str) -> str:
    """The SQL of a Correlate physical node over its input's SQL ``child``."""
    c = node.logical
    if not c.is_unnest:
        return _python_table_function(query, node, child)
    n = len(c.input.fields)
    arg = SqlTranslator(connection=query.connection).sql(c.args[0])
    t = c.args[0].type
    collection = f"map_entries({arg})" if t.name == "MAP" else arg
    element_names = (["key", "value"] if t.name == "MAP"
                     else list(t.children[0].field_names) if t.children[0].name == "ROW" else [])
    if element_names:
        columns = [f"struct_extract(u.e, '{name.replace(chr(39), chr(39) * 2)}')" for name in element_names]
    else:
        columns = ["u.e"]
    inner = f"unnest({collection}) AS e"
    if c.with_ordinality:
        columns.append("CAST(u.o AS INTEGER)")
        inner += f", unnest(range(1, len({collection}) + 1)) AS o"
    select = ", ".join([f"l._{i}" for i in range(n)] + [f"{sql} AS _{n + i}" for i, sql in enumerate(columns)])
    join = "LEFT JOIN" if c.join_type == "LEFT" else "JOIN"
    return f"SELECT {select} FROM ({child}) AS l {join} LATERAL (SELECT {inner}) AS u ON TRUE"


def _python_table_function(query, node, child: str) -> str:
    from flowsql.exec.job import arrow_schema
    from flowsql.exec.operators.correlate import Correlate
    from flowsql.exec.python_udf import take_failure

    try:
        table = query.connection.sql(child).to_arrow_table()
    except duckdb.Error as e:
        raise take_failure(query.connection) or ExecutionError(str(e).split("\n")[0]) from None
    schema = arrow_schema(node)
    operator = Correlate(node.logical, schema)
    operator.open(RuntimeContext(Config()))
    out = operator.process(ChangeBatch(conform(table, arrow_schema(node.inputs[0]))))
    return f"SELECT * FROM {query._register(out[0].table if out else schema.empty_table())}"
