"""Batch execution: a bounded plan handed whole to DuckDB as one SQL query.

Each logical node becomes a subquery whose columns are named ``_0, _1, ...``; scans read through
the connector's DuckDB table expression when it has one (e.g. ``read_parquet``), else the
connector's reader is drained into an Arrow table. The result is a single insert-only batch.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from flowsql.common.changes import ChangeBatch
from flowsql.common.errors import ExecutionError
from flowsql.exec import engine
from flowsql.exec.expression import SqlTranslator, conform
from flowsql.planner.expressions import AggregateCall
from flowsql.planner.physical import PhysicalNode


def _cols(n: int, offset: int = 0) -> str:
    return ", ".join(f"_{i + offset}" for i in range(n)) if n else ""


class BatchQuery:
    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection
        self.counter = 0
        self.memo: dict[int, str] = {}

    def _register(self, table: pa.Table) -> str:
        self.counter += 1
        name = f"__src{self.counter}"
        self.connection.register(name, table.rename_columns([f"_{i}" for i in range(table.num_columns)]))
        return name

    def sql(self, node: PhysicalNode) -> str:
        if id(node) in self.memo:
            return self.memo[id(node)]
        text = self._sql(node)
        self.memo[id(node)] = text
        return text

    def _sql(self, node: PhysicalNode) -> str:
        kind = node.kind
        n = len(node.fields)
        if kind == "TableSourceScan":
            scan = node.source.batch_scan_sql()
            if scan is not None:
                names = [f.name for f in node.fields]
                select = ", ".join(f'"{c}" AS _{i}' for i, c in enumerate(names))
                return f"SELECT {select} FROM {scan}"
            return f"SELECT * FROM {self._register(drain(node))}"
        if kind == "Values":
            from flowsql.exec.operators.values import ValuesReader
            from flowsql.exec.job import arrow_schema

            batch = ValuesReader(node.logical.rows, arrow_schema(node)).poll(1 << 30)
            if n == 0:
                return f"SELECT 1 AS __dummy FROM range({batch.num_rows})"
            return f"SELECT * FROM {self._register(batch.table)}"
        child = [self.sql(i) for i in node.inputs]
        tr = SqlTranslator(connection=self.connection)
        if kind == "Calc":
            select = ", ".join(f"{tr.sql(e)} AS _{i}" for i, e in enumerate(node.projections)) or "1 AS __dummy"
            where = f" WHERE {tr.sql(node.condition)}" if node.condition is not None else ""
            return f"SELECT {select} FROM ({child[0]}){where}"
        if kind == "WatermarkAssigner":
            return child[0]
        if kind == "GroupAggregate":
            agg = node.logical
            keys = [f"_{k}" for k in agg.group_keys]
            parts = [f"{k} AS _{i}" for i, k in enumerate(keys)]
            for j, call in enumerate(agg.aggregates):
                parts.append(f"{aggregate_sql(call)} AS _{len(keys) + j}")
            group = f" GROUP BY {', '.join(keys)}" if keys else ""
            return f"SELECT {', '.join(parts) or '1 AS __dummy'} FROM ({child[0]}){group}"
        if kind == "Union":
            return " UNION ALL ".join(f"SELECT * FROM ({c})" for c in child)
        if kind == "SortLimit":
            s = node.logical
            order = ", ".join(f"_{i} {'ASC' if asc else 'DESC'} NULLS {'FIRST' if nf else 'LAST'}"
                              for i, asc, nf in s.keys)
            text = f"SELECT * FROM ({child[0]})" + (f" ORDER BY {order}" if order else "")
            if s.fetch is not None:
                text += f" LIMIT {s.fetch}"
            if s.offset:
                text += f" OFFSET {s.offset}"
            return text
        if kind == "ReplicateRows":
            w = node.logical.width
            return f"SELECT {_cols(w)} FROM ({child[0]}) AS r, range(r._{w})"
        if kind == "Join":
            j = node.logical
            nl, nr = len(j.left.fields), len(j.right.fields)
            right = f"SELECT {', '.join(f'_{i} AS _{i + nl}' for i in range(nr))} FROM ({child[1]})"
            join = {"INNER": "JOIN", "LEFT": "LEFT JOIN", "RIGHT": "RIGHT JOIN", "FULL": "FULL JOIN",
                    "SEMI": "SEMI JOIN", "ANTI": "ANTI JOIN"}[j.join_type]
            return f"SELECT * FROM ({child[0]}) AS l {join} ({right}) AS r ON {tr.sql(j.condition)}"
        if kind in ("TemporalJoin", "LookupJoin"):
            from flowsql.exec.temporal_batch import temporal_join_sql

            return temporal_join_sql(self, node, child, tr)
        if kind == "OverAggregate":
            w = node.logical
            n_in = len(w.input.fields)
            over = over_clause(w)
            calls = ", ".join(f"{window_call_sql(c, over)} AS _{n_in + j}" for j, c in enumerate(w.calls))
            return f"SELECT *, {calls} FROM ({child[0]})"
        if kind in ("Rank", "Deduplicate"):
            return rank_sql(node.logical if kind == "Rank" else node.logical.as_rank(), child[0])
        if kind == "Sink":
            return child[0]
        if kind in ("WindowTableFunction", "WindowAggregate", "WindowRank"):
            from flowsql.exec.window_batch import window_sql

            return window_sql(node, child)
        if kind == "Correlate":
            from flowsql.exec.correlate_batch import correlate_sql

            return correlate_sql(self, node, child[0])
        raise ExecutionError(f"batch mode has no translation for {kind}")


def over_clause(w) -> str:
    parts = []
    if w.partition_keys:
        parts.append("PARTITION BY " + ", ".join(f"_{k}" for k in w.partition_keys))
    if w.order_keys:
        parts.append("ORDER BY " + ", ".join(f"_{i} {'ASC' if asc else 'DESC'} NULLS {'FIRST' if nf else 'LAST'}"
                                             for i, asc, nf in w.order_keys))
    if w.frame is not None:
        parts.append(frame_sql(w.frame))
    return " ".join(parts)


def rank_sql(rank, source: str) -> str:
    """A Top-N as a window function and a filter on its value (the rank column last when output)."""
    n = len(rank.input.fields)
    parts = ["PARTITION BY " + ", ".join(f"_{k}" for k in rank.partition_keys)] if rank.partition_keys else []
    parts.append("ORDER BY " + ", ".join(f"_{i} {'ASC' if asc else 'DESC'} NULLS {'FIRST' if nf else 'LAST'}"
                                         for i, asc, nf in rank.order_keys))
    over = " ".join(parts)
    value = f"{rank.rank_type.lower()}() OVER ({over})"
    select = _cols(n) + (f", __rank AS _{n}" if rank.output_rank else "")
    return (f"SELECT {select} FROM (SELECT *, {value} AS __rank FROM ({source})) "
            f"WHERE __rank BETWEEN {rank.rank_start} AND {rank.rank_end}")


def frame_sql(frame) -> str:
    import datetime as dt

    def bound(b, side: str) -> str:
        if b is None:
            return f"UNBOUNDED {side}"
        if isinstance(b, dt.timedelta):
            micros = int(b.total_seconds() * 1_000_000)
            return "CURRENT ROW" if micros == 0 else f"INTERVAL {abs(micros)} MICROSECOND {side if micros > 0 else 'FOLLOWING'}"
        if b == 0:
            return "CURRENT ROW"
        return f"{abs(b)} {side if b > 0 else 'FOLLOWING'}"

    return f"{frame.mode} BETWEEN {bound(frame.lower, 'PRECEDING')} AND {bound(frame.upper, 'FOLLOWING')}"


def window_call_sql(call, over: str) -> str:
    fn = call.function
    args = [f"_{a}" for a in call.args]
    duck = call.type.to_duckdb()
    if fn in ("ROW_NUMBER", "RANK", "DENSE_RANK", "PERCENT_RANK", "CUME_DIST"):
        return f"CAST({fn.lower()}() OVER ({over}) AS {duck})"
    if fn == "NTILE":
        return f"CAST(ntile({call.constant_args[0]}) OVER ({over}) AS BIGINT)"
    if fn in ("LAG", "LEAD"):
        extra = f", {call.constant_args[0]}" + (f", {args[1]}" if len(args) > 1 else "")
        return f"CAST({fn.lower()}({args[0]}{extra}) OVER ({over}) AS {duck})"
    distinct = "DISTINCT " if call.distinct else ""
    if fn == "COUNT":
        inner = f"count({distinct}{', '.join(args) or '*'})"
    elif fn == "LISTAGG":
        sep = str(call.constant_args[0]).replace("'", "''")
        inner = f"string_agg({args[0]}, '{sep}')"
    elif fn in ("FIRST_VALUE", "LAST_VALUE"):
        inner = f"{fn.lower()}({args[0]} IGNORE NULLS)"
    else:
        inner = f"{fn.lower()}({distinct}{', '.join(args)})"
    text = f"{inner} OVER ({over})"
    if fn in ("AVG", "STDDEV_POP", "STDDEV_SAMP", "VAR_POP", "VAR_SAMP") and call.type.is_integer:
        text = f"trunc({text})"
    return f"CAST({text} AS {duck})"


def aggregate_sql(call: AggregateCall) -> str:
    if call.function.startswith("$udaf:"):
        from flowsql.common.errors import PlanningError

        raise PlanningError("Python aggregate functions run in streaming mode only",
                            hint="SET 'execution.runtime-mode' = 'streaming' for this query")
    args = [f"_{a}" for a in call.args]
    distinct = "DISTINCT " if call.distinct else ""
    fn = call.function
    inner = ", ".join(args)
    if fn == "COUNT":
        text = f"count({distinct}{inner or '*'})"
    elif fn == "LISTAGG":
        sep = str(call.constant_args[0]).replace("'", "''")
        text = f"string_agg({distinct}{inner}, '{sep}')"
    elif fn in ("FIRST_VALUE", "LAST_VALUE", "ANY_VALUE"):
        name = {"FIRST_VALUE": "first", "LAST_VALUE": "last", "ANY_VALUE": "first"}[fn]
        cond = f"{args[0]} IS NOT NULL"
        text = f"{name}({inner}) FILTER (WHERE {cond}" + (f" AND _{call.filter_arg}" if call.filter_arg is not None
                                                         else "") + ")"
        return f"CAST({text} AS {call.type.to_duckdb()})"
    elif fn == "SUM0":
        text = f"coalesce(sum({distinct}{inner}), 0)"
    else:
        text = f"{fn.lower()}({distinct}{inner})"
    if call.filter_arg is not None:
        text = f"{text} FILTER (WHERE _{call.filter_arg})"
    if fn in ("AVG", "STDDEV_POP", "STDDEV_SAMP", "VAR_POP", "VAR_SAMP") and call.type.is_integer:
        text = f"trunc({text})"
    if fn == "AVG" and call.type.name == "DECIMAL":
        text = f"round({text}, {call.type.scale})"
    return f"CAST({text} AS {call.type.to_duckdb()})"


def drain(node: PhysicalNode) -> pa.Table:
    from flowsql.exec.job import arrow_schema

    reader = node.source.create_reader()
    schema = arrow_schema(node)
    tables = []
    while not reader.finished:
        batch = reader.poll(1 << 20)
        if batch is not None and batch.num_rows:
            if batch.kinds is not None and not batch.is_insert_only:
                raise ExecutionError("batch mode reads insert-only sources only",
                                     hint="run changelog sources in streaming mode")
            tables.append(conform(batch.table, schema))
    reader.close()
    return pa.concat_tables(tables) if tables else schema.empty_table()


def _locate(root: PhysicalNode) -> Exception | None:
    """After a failed batch query, the same plan on the streaming operators, whose expression
    evaluation names the failing expression and its SQL position. Runs only on the error path."""
    from flowsql.common.config import Config
    from flowsql.exec.job import Job

    job = Job([root], Config(), "locate-error")
    job.run()
    return job.status.error


def run_batch(root: PhysicalNode, threads: int = 1) -> ChangeBatch:
    from flowsql.exec.job import arrow_schema

    connection = engine.connect()
    connection.execute(f"SET threads = {max(1, threads)}")
    connection.execute("SET TimeZone = 'UTC'")
    query = BatchQuery(connection)
    sql = query.sql(root)
    try:
        result = connection.sql(sql).to_arrow_table()
    except duckdb.Error as e:
        from flowsql.exec.python_udf import take_failure

        raise take_failure(connection) or _locate(root) or ExecutionError(str(e).split("\n")[0]) from None
    finally:
        connection.close()  # drops the Arrow tables registered on this cursor
    schema = arrow_schema(root)
    if len(schema) == 0:
        return ChangeBatch(pa.table({"x": pa.nulls(result.num_rows)}).select([]))
    return ChangeBatch(conform(result, schema))
