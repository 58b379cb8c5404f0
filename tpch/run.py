"""TPC-H on flowsql: generate data, run the 22 queries in three modes, compare with DuckDB.

Modes:
- ``batch``: bounded tables, batch runtime mode.
- ``streaming``: every table is a stream cut into random chunks, interleaved across tables.
- ``incremental``: the streams carry the initial load, then a refresh (TPC-H's RF1 inserts new
  orders with their lineitems, RF2 deletes old ones, as -D rows); the final result must equal
  DuckDB's answer on the refreshed data.

Usage::

    python tpch/run.py --sf 0.01 [--mode batch|streaming|incremental|all] [--query 1,3,5]

Data comes from ``tpchgen-cli`` (works offline) and is cached under ``tpch/data/sf<sf>/``.
"""

from __future__ import annotations

import argparse
import decimal
import math
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

HERE = Path(__file__).parent
QUERIES = HERE / "queries"
TABLES = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")
MODES = ("batch", "streaming", "incremental")
DELETE = 3


# -- data -----------------------------------------------------------------------------------------

def data_dir(sf: float) -> Path:
    return HERE / "data" / f"sf{sf:g}"


def generate(sf: float, directory: Path | None = None) -> Path:
    """Parquet files of every table at scale factor ``sf`` (generated once, then cached)."""
    directory = directory or data_dir(sf)
    if all((directory / f"{t}.parquet").exists() for t in TABLES):
        return directory
    exe = shutil.which("tpchgen-cli")
    if exe is None:
        raise RuntimeError("tpchgen-cli is not installed: pip install tpchgen-cli")
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run([exe, "parquet", "-s", f"{sf:g}", "--output-dir", str(directory)], check=True,
                   capture_output=True)
    return directory


def load(sf: float) -> dict[str, pa.Table]:
    directory = generate(sf)
    tables = {}
    for t in TABLES:
        table = pq.read_table(directory / f"{t}.parquet")
        schema = pa.schema([pa.field(f.name, pa.string() if pa.types.is_string_view(f.type) else f.type)
                            for f in table.schema])
        tables[t] = table.cast(schema)
    return tables


@dataclass
class Refresh:
    """RF1 (new orders and their lineitems) and RF2 (orders, with their lineitems, to delete)."""

    new_orders: pa.Table
    new_lineitems: pa.Table
    deleted_orders: pa.Table
    deleted_lineitems: pa.Table


def make_refresh(tables: dict[str, pa.Table], fraction: float = 0.001, seed: int = 1) -> Refresh:
    """A refresh touching ``fraction`` of the orders: as many new orders (copies of random old ones
    under fresh keys, like dbgen's RF1) as old orders deleted (RF2)."""
    rng = np.random.default_rng(seed)
    orders, lineitem = tables["orders"], tables["lineitem"]
    n = max(1, int(orders.num_rows * fraction))
    picks = rng.choice(orders.num_rows, size=2 * n, replace=False)
    template, victims = picks[:n], picks[n:]
    max_key = pc.max(orders.column("o_orderkey")).as_py()
    template_orders = orders.take(pa.array(template))
    old_keys = template_orders.column("o_orderkey")
    new_keys = pa.array(np.arange(max_key + 1, max_key + 1 + n, dtype=np.int64))
    new_orders = template_orders.set_column(0, "o_orderkey", new_keys)
    mask = pc.is_in(lineitem.column("l_orderkey"), value_set=old_keys)
    template_items = lineitem.filter(mask)
    mapping = dict(zip(old_keys.to_pylist(), new_keys.to_pylist()))
    remapped = pa.array([mapping[k] for k in template_items.column("l_orderkey").to_pylist()], pa.int64())
    new_lineitems = template_items.set_column(0, "l_orderkey", remapped)
    deleted_orders = orders.take(pa.array(victims))
    deleted_lineitems = lineitem.filter(pc.is_in(lineitem.column("l_orderkey"),
                                                 value_set=deleted_orders.column("o_orderkey")))
    return Refresh(new_orders, new_lineitems, deleted_orders, deleted_lineitems)


def refreshed(tables: dict[str, pa.Table], refresh: Refresh) -> dict[str, pa.Table]:
    """The tables after the refresh (DuckDB's reference data for the incremental mode)."""
    out = dict(tables)
    gone = refresh.deleted_orders.column("o_orderkey")
    out["orders"] = pa.concat_tables([tables["orders"].filter(pc.invert(pc.is_in(tables["orders"].column(
        "o_orderkey"), value_set=gone))), refresh.new_orders])
    out["lineitem"] = pa.concat_tables([tables["lineitem"].filter(pc.invert(pc.is_in(tables["lineitem"].column(
        "l_orderkey"), value_set=gone))), refresh.new_lineitems])
    return out


def changelogs(tables: dict[str, pa.Table], refresh: Refresh | None) -> dict[str, tuple[pa.Table, np.ndarray | None]]:
    """Each table as a changelog: the initial load, then (with a refresh) RF1 inserts and RF2 deletes."""
    out: dict[str, tuple[pa.Table, np.ndarray | None]] = {t: (tables[t], None) for t in TABLES}
    if refresh is None:
        return out
    for name, new, deleted in (("orders", refresh.new_orders, refresh.deleted_orders),
                               ("lineitem", refresh.new_lineitems, refresh.deleted_lineitems)):
        table = pa.concat_tables([tables[name], new, deleted])
        kinds = np.zeros(table.num_rows, dtype=np.int8)
        kinds[tables[name].num_rows + new.num_rows:] = DELETE
        out[name] = (table, kinds)
    return out


# -- flowsql --------------------------------------------------------------------------------------

def _sql_type(t: pa.DataType) -> str:
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_int32(t):
        return "INT"
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision}, {t.scale})"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "STRING"
    if pa.types.is_floating(t):
        return "DOUBLE"
    raise TypeError(f"no SQL type for {t}")


def query_text(number: int) -> str:
    return (QUERIES / f"q{number:02d}.sql").read_text()


def make_env(streams: dict[str, tuple[pa.Table, np.ndarray | None]], mode: str, seed: int = 0,
             chunk_rows: int = 0, max_rows: int = 4096, pause_group: str | None = None,
             pause_at: dict[str, int] | None = None, threads: int = 1):
    """A table environment with every stream as a ``flowsql-memory`` table. With ``pause_group``
    each stream pauses at row ``pause_at[name]`` (default: its end) until all have got there (see
    ``flowsql.connectors.memory``): the benchmark times the refresh after the initial load.
    ``threads`` is the batch runtime's parallelism (the threads of its DuckDB query)."""
    from flowsql.connectors import memory
    from flowsql.table import EnvironmentSettings, TableEnvironment

    settings = EnvironmentSettings.in_batch_mode() if mode == "batch" else EnvironmentSettings.in_streaming_mode()
    env = TableEnvironment.create(settings)
    env.get_config().set("flowsql.exec.batch.max-rows", str(max_rows))
    env.get_config().set("parallelism.default", str(threads))  # DuckDB's threads in batch mode
    rng = random.Random(seed)
    for name, (table, kinds) in streams.items():
        table_id = memory.put(table, kinds)
        columns = ", ".join(f"{f.name} {_sql_type(f.type)}" for f in table.schema)
        options = f"'connector' = 'flowsql-memory', 'table-id' = '{table_id}'"
        if chunk_rows and mode != "batch":
            options += f", 'chunk.max-rows' = '{chunk_rows}', 'chunk.seed' = '{rng.randrange(1 << 30)}'"
        if pause_group is not None:
            at = (pause_at or {}).get(name, table.num_rows)
            options += f", 'pause.group' = '{pause_group}', 'pause.at-row' = '{at}'"
        env.execute_sql(f"CREATE TABLE {name} ({columns}) WITH ({options})")
    return env


def run_flowsql(env, number: int) -> tuple[list[tuple], list[str]]:
    """The query's final result (the changelog materialized) and its column names."""
    result = env.execute_sql(query_text(number))
    rows: Counter = Counter()
    names = None
    for batch in result.change_batches():
        names = names or batch.table.schema.names
        kinds = batch.kind_array()
        columns = [c.to_pylist() for c in batch.table.columns]
        # Test-side materialization: per-row Python is fine here (results are small).
        for i in range(batch.num_rows):
            row = tuple(col[i] for col in columns)
            if kinds[i] in (0, 2):
                rows[row] += 1
            else:
                if rows[row] <= 0:
                    raise AssertionError(f"Q{number}: retraction of a row not present: {row}")
                rows[row] -= 1
    return list(rows.elements()), names or []


def run_duckdb(tables: dict[str, pa.Table], number: int) -> list[tuple]:
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    return [tuple(r) for r in con.execute(query_text(number)).fetchall()]


# -- comparison -----------------------------------------------------------------------------------

def _normal(v):
    if isinstance(v, (decimal.Decimal, float)):
        return float(v)
    return v


def _close(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
    return a == b


def compare(actual: list[tuple], expected: list[tuple]) -> str | None:
    """None when the results hold the same rows (numbers within 1e-6), else a description."""
    if len(actual) != len(expected):
        return f"{len(actual)} rows, expected {len(expected)}"

    def key(row):
        return tuple((v is None, round(v, 4) if isinstance(v, float) else v) for v in row)

    a = sorted((tuple(_normal(v) for v in r) for r in actual), key=key)
    e = sorted((tuple(_normal(v) for v in r) for r in expected), key=key)
    for x, y in zip(a, e):
        if len(x) != len(y) or not all(_close(p, q) for p, q in zip(x, y)):
            return f"row {x} != expected {y}"
    return None


@dataclass
class Outcome:
    query: int
    mode: str
    seconds: float
    rows: int
    error: str | None


def run_query(tables: dict[str, pa.Table], number: int, mode: str, seed: int = 0, chunk_rows: int = 2000,
              refresh: Refresh | None = None, max_rows: int = 4096) -> Outcome:
    if mode == "incremental":
        refresh = refresh or make_refresh(tables)
        streams, reference = changelogs(tables, refresh), refreshed(tables, refresh)
    else:
        streams, reference = changelogs(tables, None), tables
    env = make_env(streams, mode, seed, chunk_rows, max_rows)
    start = time.perf_counter()
    try:
        actual, _ = run_flowsql(env, number)
    except Exception as e:  # noqa: BLE001 -- report every failure, don't stop the run
        return Outcome(number, mode, time.perf_counter() - start, 0, f"{type(e).__name__}: {e}")
    seconds = time.perf_counter() - start
    return Outcome(number, mode, seconds, len(actual), compare(actual, run_duckdb(reference, number)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sf", type=float, default=0.01)
    parser.add_argument("--mode", default="all", choices=MODES + ("all",))
    parser.add_argument("--query", default="", help="comma-separated query numbers (default: all 22)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk-rows", type=int, default=2000)
    args = parser.parse_args(argv)
    tables = load(args.sf)
    numbers = [int(q) for q in args.query.split(",") if q] or list(range(1, 23))
    modes = MODES if args.mode == "all" else (args.mode,)
    failures = 0
    for number in numbers:
        for mode in modes:
            o = run_query(tables, number, mode, args.seed, args.chunk_rows)
            status = "ok" if o.error is None else f"FAIL {o.error[:200]}"
            failures += o.error is not None
            print(f"Q{number:02d} {mode:<12} {o.seconds:8.3f}s {o.rows:6d} rows  {status}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
