"""Running one Nexmark query on flowsql or on DuckDB, and comparing final results.

flowsql reads the ``nexmark`` connector; DuckDB reads the same events as flat Arrow tables (what
``python -m nexmark.generate`` writes to Parquet) with the batch equivalent in ``duckdb/``.
A streaming result is a changelog: its final result is what remains after applying every
retraction, computed here with DuckDB (grouping by all columns, +1 / -1 per row kind).
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QUERIES = [f"q{i}" for i in range(23)]
NO_BATCH_EQUIVALENT = {"q6": "OVER on an updating Top-1", "q10": "writes files", "q12": "processing time"}
_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+\S+\s+", re.IGNORECASE)


def statements(sql: str) -> list[str]:
    """The statements of a query file (no semicolons inside our queries' literals)."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def query_statements(name: str, workdir: Path) -> list[str]:
    """The query file's statements with the runner's placeholders filled in."""
    sql = (HERE / "queries" / f"{name}.sql").read_text()
    sql = sql.replace("${NEXMARK_OUTPUT}", str(workdir / "output")).replace(
        "${NEXMARK_SIDE_INPUT}", str(side_input_file(workdir)))
    return statements(sql)


def side_input_file(workdir: Path) -> Path:
    """q13's bounded side input: keys 0..9999 with a value each, as CSV."""
    path = workdir / "side_input.csv"
    if not path.exists():
        workdir.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k},value-{k}\n" for k in range(10_000)))
    return path


def side_input_table() -> pa.Table:
    keys = np.arange(10_000, dtype=np.int64)
    return pa.table({"key": keys, "value": pa.array([f"value-{k}" for k in keys])})


def source_options(events: int, seed: int) -> dict[str, str]:
    return {"events.num": str(events), "seed": str(seed)}


def flowsql_env(mode: str, events: int, seed: int, max_rows: int | None = None):
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # q14's UDF module is nexmark.udfs
    from flowsql.connectors.nexmark import ddl
    from flowsql.table import EnvironmentSettings, TableEnvironment

    settings = EnvironmentSettings.in_batch_mode() if mode == "batch" else EnvironmentSettings.in_streaming_mode()
    env = TableEnvironment.create(settings)
    if max_rows:
        env.get_config().set("flowsql.exec.batch.max-rows", str(max_rows))
    for statement in ddl.statements(source_options(events, seed)):
        env.execute_sql(statement)
    return env


@dataclass
class Run:
    seconds: float
    rows: int | None  # changelog rows the sink received (None if unknown)
    result: pa.Table | None = None  # the final (materialized) result, when collected


def run_flowsql(name: str, events: int, workdir: Path, mode: str = "streaming", seed: int = 0,
                collect: bool = False, max_rows: int | None = None) -> Run:
    """Run the query; with ``collect`` its SELECT goes to a collecting sink and the final result
    is returned, otherwise it runs as written (into the blackhole) and only rows are counted."""
    env = flowsql_env(mode, events, seed, max_rows)
    *setup, insert = query_statements(name, workdir)
    for statement in setup:
        env.execute_sql(statement)
    start = time.perf_counter()
    if collect:
        batches = list(env.execute_sql(_INSERT.sub("", insert, count=1)).change_batches())
        seconds = time.perf_counter() - start
        return Run(seconds, sum(b.num_rows for b in batches), final_result(batches))
    result = env.execute_sql(insert)
    result.wait()
    seconds = time.perf_counter() - start
    client = result.get_job_client()
    sinks = [m["rows_in"] for m in client.get_metrics() if m["operator"].startswith("Sink")] if client else []
    return Run(seconds, sum(sinks) if sinks else None)


def final_result(batches: list) -> pa.Table:
    """What a changelog leaves: every row inserted more often than retracted, that many times."""
    if not batches:
        return pa.table({})
    names = batches[0].table.schema.names
    tables = []
    for b in batches:
        table = b.table.rename_columns([f"c{i}" for i in range(len(names))])
        tables.append(table.append_column("kind", pa.array(b.kind_array(), pa.int8())))
    changes = pa.concat_tables(tables)  # noqa: F841 -- read by DuckDB below
    columns = ", ".join(f"c{i}" for i in range(len(names)))
    con = duckdb.connect()
    table = con.sql(f"""
        SELECT {columns} FROM (
            SELECT {columns}, CAST(SUM(CASE WHEN kind IN (0, 2) THEN 1 ELSE -1 END) AS BIGINT) AS n FROM changes GROUP BY ALL
        ), range(n) WHERE n > 0""").to_arrow_table()
    return table.rename_columns(names)


def event_tables(events: int, seed: int) -> dict[str, pa.Table]:
    """The flat ``person``, ``auction``, ``bid`` tables of the stream (``bid`` numbered by ``seq``
    in stream order, for DuckDB's tie-breaks where a streaming operator keeps arrival order)."""
    from flowsql.connectors.nexmark.config import GeneratorConfig
    from flowsql.connectors.nexmark.generator import BLOCK_EVENTS, NexmarkGenerator
    from flowsql.connectors.nexmark.parquet import flat_tables

    generator = NexmarkGenerator(GeneratorConfig(seed=seed, events_num=events))
    parts: dict[str, list[pa.Table]] = {"person": [], "auction": [], "bid": []}
    for number in range(-(-events // BLOCK_EVENTS)):
        for kind, table in flat_tables(generator.block(number)).items():
            parts[kind].append(table)
    tables = {kind: pa.concat_tables(p) for kind, p in parts.items()}
    tables["bid"] = tables["bid"].append_column("seq", pa.array(np.arange(tables["bid"].num_rows)))
    return tables


def duckdb_connection(tables: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET threads = 1")  # the practical single-core limit
    for name, table in {**tables, "side_input": side_input_table()}.items():
        # DuckDB's TIMESTAMP is microseconds (its epoch_ms cannot read a millisecond TIMESTAMP_MS)
        schema = pa.schema([pa.field(f.name, pa.timestamp("us")) if pa.types.is_timestamp(f.type) else f
                            for f in table.schema])
        con.register(name, table.cast(schema))
    return con


def run_duckdb(name: str, con: duckdb.DuckDBPyConnection) -> Run | None:
    path = HERE / "duckdb" / f"{name}.sql"
    if not path.exists():
        return None
    sql = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("--"))
    start = time.perf_counter()
    table = con.sql(sql).to_arrow_table()
    return Run(time.perf_counter() - start, table.num_rows, table)


def difference(actual: pa.Table, expected: pa.Table) -> str | None:
    """None when both hold the same rows (numbers to 3 decimals, times as timestamps), else why not."""
    if actual.num_columns != expected.num_columns:
        return f"{actual.num_columns} columns, expected {expected.num_columns}"
    if actual.num_rows != expected.num_rows:
        return f"{actual.num_rows} rows, expected {expected.num_rows}"
    con = duckdb.connect()
    for label, table in (("a", actual), ("e", expected)):
        con.register(label + "_raw", table.rename_columns([f"c{i}" for i in range(table.num_columns)]))
        con.execute(f"CREATE VIEW {label} AS SELECT " + ", ".join(_normal(f"c{i}", f.type) for i, f in
                                                                  enumerate(table.schema)) + f" FROM {label}_raw")
    extra = con.execute("SELECT * FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM e) LIMIT 1").fetchall()
    if extra:
        missing = con.execute("SELECT * FROM (SELECT * FROM e EXCEPT ALL SELECT * FROM a) LIMIT 1").fetchall()
        return f"row {extra[0]} not expected; expected e.g. {missing[0] if missing else None}"
    return None


def _normal(column: str, type_: pa.DataType) -> str:
    if pa.types.is_floating(type_) or pa.types.is_decimal(type_):
        return f"CAST(ROUND(CAST({column} AS DOUBLE), 3) AS VARCHAR)"
    if pa.types.is_timestamp(type_):
        return f"CAST(CAST({column} AS TIMESTAMP) AS VARCHAR)"
    return f"CAST({column} AS VARCHAR)"
