"""TPC-H benchmark: each query's time in flowsql batch and streaming mode against DuckDB's in the
same process, and the cost of applying a 0.1 % refresh incrementally against recomputing.

Not a test: it prints a table and never fails on slowness. Usage::

    python tpch/benchmark.py --sf 0.1 [--sf 1] [--query 1,6] [--chunk-rows 10000]

``refresh`` is the time to stream the initial load plus the refresh minus the time to stream the
initial load alone (the incremental cost of the refresh); ``recompute`` is a batch run on the
refreshed data. The difference of two runs is noisy (it can come out as ~0): a job that pauses
after the initial load would measure it directly. Peak memory is the process's maximum resident
size so far.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import duckdb
import run as tpch


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _duckdb_time(tables, number: int) -> float:
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    sql = tpch.query_text(number)
    return _timed(lambda: con.execute(sql).fetchall())


def _flowsql_time(streams, mode: str, number: int, chunk_rows: int, max_rows: int) -> float:
    env = tpch.make_env(streams, mode, number, chunk_rows, max_rows)
    return _timed(lambda: tpch.run_flowsql(env, number))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def benchmark(sf: float, numbers: list[int], chunk_rows: int, max_rows: int) -> None:
    tables = tpch.load(sf)
    refresh = tpch.make_refresh(tables, 0.001)
    plain = tpch.changelogs(tables, None)
    with_refresh = tpch.changelogs(tables, refresh)
    after = tpch.changelogs(tpch.refreshed(tables, refresh), None)
    print(f"TPC-H SF {sf:g}: times in seconds; ratios against DuckDB (batch, streaming) and against "
          f"recomputing (refresh)")
    print(f"{'query':<6}{'duckdb':>9}{'batch':>9}{'×':>7}{'stream':>9}{'×':>7}{'refresh':>9}{'recompute':>10}"
          f"{'speedup':>9}{'peak MB':>9}")
    for number in numbers:
        duck = _duckdb_time(tables, number)
        batch = _flowsql_time(plain, "batch", number, chunk_rows, max_rows)
        stream = _flowsql_time(plain, "streaming", number, chunk_rows, max_rows)
        full = _flowsql_time(with_refresh, "streaming", number, chunk_rows, max_rows)
        refresh_cost = max(full - stream, 1e-6)
        recompute = _flowsql_time(after, "batch", number, chunk_rows, max_rows)
        print(f"Q{number:02d}  {duck:9.3f}{batch:9.3f}{batch / duck:7.1f}{stream:9.3f}{stream / duck:7.1f}"
              f"{refresh_cost:9.3f}{recompute:10.3f}{recompute / refresh_cost:9.1f}{_peak_mb():9.0f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sf", type=float, action="append")
    parser.add_argument("--query", default="")
    parser.add_argument("--chunk-rows", type=int, default=0, help="random stream chunks (0: max-rows batches)")
    parser.add_argument("--max-rows", type=int, default=65536)
    args = parser.parse_args(argv)
    numbers = [int(q) for q in args.query.split(",") if q] or list(range(1, 23))
    for sf in args.sf or [0.1, 1.0]:
        benchmark(sf, numbers, args.chunk_rows, args.max_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
