"""Windows in DuckDB SQL: window TVFs as computed (and, for HOP/CUMULATE, generated) rows, window
aggregates as GROUP BY, window Top-N as ROW_NUMBER. Used by batch mode for a whole plan and by the
streaming window operators for the windows they fire, so both modes compute the same thing.

Columns are named ``_0, _1, ...`` as everywhere in ``flowsql.exec.batch``; window bounds are
computed in epoch milliseconds (``epoch_ms``) with a floor modulo, so negative times and offsets
assign windows as Flink does.
"""

from __future__ import annotations


def _ms(column: str) -> str:
    # Through TIMESTAMP: DuckDB's epoch_ms has no TIMESTAMP_MS overload (sessions run in UTC).
    return f"epoch_ms(CAST({column} AS TIMESTAMP))"


def _floor_start(ms: str, size: int, offset: int) -> str:
    """The start of the aligned window of ``size`` holding ``ms``."""
    return f"({ms} - ((({ms} - {offset}) % {size}) + {size}) % {size})"


def _time_value(ms_sql: str, time_type) -> str:
    text = f"epoch_ms(CAST({ms_sql} AS BIGINT))"
    return f"CAST({text} AS TIMESTAMPTZ)" if time_type.name == "TIMESTAMP_LTZ" else text


def tvf_sql(node, child: str) -> str:
    """A ``WindowTableFunctionScan``: the input's columns then window_start, window_end, window_time."""
    scan = node.logical
    spec = scan.spec
    n = len(scan.input.fields)
    t = f"_{scan.time_index}"
    time_type = scan.input.fields[scan.time_index].type
    cols = ", ".join(f"_{i}" for i in range(n))
    ms = _ms(t)
    if spec.kind == "SESSION":
        # A row's session window is [t, t + gap); windows that touch or overlap merge (Flink's rule).
        part = ", ".join(f"_{k}" for k in scan.partition_keys)
        by = f"PARTITION BY {part} " if part else ""
        return (
            f"SELECT {cols}, epoch_ms(__s) AS _{n}, epoch_ms(__e) AS _{n + 1}, "
            f"{_time_value('__e - 1', time_type)} AS _{n + 2} FROM ("
            f"SELECT *, min(__ms) OVER __w AS __s, max(__ms) OVER __w + {spec.gap} AS __e FROM ("
            f"SELECT *, sum(__new) OVER ({by}ORDER BY __ms ROWS UNBOUNDED PRECEDING) AS __sid FROM ("
            f"SELECT *, CASE WHEN __ms - lag(__ms) OVER ({by}ORDER BY __ms) <= {spec.gap} THEN 0 ELSE 1 END "
            f"AS __new FROM (SELECT *, {ms} AS __ms FROM ({child}) WHERE {t} IS NOT NULL)))"
            f" WINDOW __w AS ({by.replace('PARTITION BY ', 'PARTITION BY __sid, ') if by else 'PARTITION BY __sid'})"
            f")")
    if spec.kind == "TUMBLE":
        start = _floor_start(ms, spec.size, spec.offset)
        inner = f"SELECT {cols}, {start} AS __s, {start} + {spec.size} AS __e FROM ({child}) WHERE {t} IS NOT NULL"
    elif spec.kind == "HOP":
        last = _floor_start(ms, spec.slide, spec.offset)
        count = spec.size // spec.slide
        inner = (f"SELECT {cols}, {last} - __i * {spec.slide} AS __s, {last} - __i * {spec.slide} + {spec.size} "
                 f"AS __e FROM ({child}) AS __r, (SELECT range AS __i FROM range({count})) WHERE {t} IS NOT NULL")
    else:  # CUMULATE
        start = _floor_start(ms, spec.size, spec.offset)
        count = spec.size // spec.slide
        inner = (f"SELECT * FROM (SELECT {cols}, {start} AS __s, {start} + (__i + 1) * {spec.slide} AS __e, "
                 f"{ms} AS __ms FROM ({child}) AS __r, (SELECT range AS __i FROM range({count})) "
                 f"WHERE {t} IS NOT NULL) WHERE __e > __ms")
    return (f"SELECT {cols}, epoch_ms(__s) AS _{n}, epoch_ms(__e) AS _{n + 1}, "
            f"{_time_value('__e - 1', time_type)} AS _{n + 2} FROM ({inner})")


def aggregate_select(group_keys, aggregates, source: str) -> str:
    from flowsql.exec.batch import aggregate_sql

    keys = [f"_{k}" for k in group_keys]
    parts = [f"{k} AS _{i}" for i, k in enumerate(keys)]
    parts += [f"{aggregate_sql(call)} AS _{len(keys) + j}" for j, call in enumerate(aggregates)]
    group = f" GROUP BY {', '.join(keys)}" if keys else ""
    return f"SELECT {', '.join(parts)} FROM ({source}){group}"


def rank_select(rank, source: str, tie_breaker: str | None = None) -> str:
    n = len(rank.input.fields)
    part = ", ".join(f"_{k}" for k in rank.partition_keys)
    order = ", ".join(f"_{i} {'ASC' if asc else 'DESC'} NULLS {'FIRST' if nf else 'LAST'}"
                      for i, asc, nf in rank.order_keys)
    if tie_breaker:
        order = f"{order}, {tie_breaker}" if order else tie_breaker
    over = f"PARTITION BY {part}" + (f" ORDER BY {order}" if order else "")
    cols = ", ".join(f"_{i}" for i in range(n))
    return (f"SELECT {cols}, _{n} FROM (SELECT *, row_number() OVER ({over}) AS _{n} FROM ({source})) "
            f"WHERE _{n} <= {rank.limit}")


def window_sql(node, child: list[str]) -> str:
    """Batch translation of the window physical kinds."""
    if node.kind == "WindowTableFunction":
        return tvf_sql(node, child[0])
    if node.kind == "WindowAggregate":
        agg = node.logical
        return aggregate_select(agg.group_keys, agg.aggregates, child[0])
    if node.kind == "WindowRank":
        return rank_select(node.logical, child[0])
    raise ValueError(node.kind)
