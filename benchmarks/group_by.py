"""Benchmark: SELECT k, COUNT(*), SUM(x) FROM t GROUP BY k over a Parquet file (not a test).

Times flowsql's streaming mode, flowsql's batch mode and DuckDB (one thread each) in the same
run, and prints the ratios and each run's peak memory (measured in a child process).

    python benchmarks/group_by.py [--rows 10000000] [--keys 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

QUERY = "SELECT k, COUNT(*) AS c, SUM(x) AS s FROM t GROUP BY k"


def make_data(path: str, rows: int, keys: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(7)
    writer = None
    chunk = 1_000_000
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        table = pa.table({"k": rng.integers(0, keys, n), "x": rng.integers(0, 1000, n)})
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=chunk)
    writer.close()


def run_one(mode: str, path: str) -> dict:
    """Runs in a child process so that peak memory is this run's alone."""
    import resource

    if mode == "duckdb":
        import duckdb

        started = time.perf_counter()
        con = duckdb.connect()
        con.execute("SET threads = 1")
        rows = con.sql(QUERY.replace("FROM t", f"FROM read_parquet('{path}')")).fetchall()
        result_rows = len(rows)
    else:
        from flowsql.table import EnvironmentSettings, TableEnvironment

        settings = EnvironmentSettings.in_batch_mode() if mode == "batch" else EnvironmentSettings.in_streaming_mode()
        env = TableEnvironment.create(settings)
        env.execute_sql("SELECT 1").collect().__next__()  # warm up: imports and first-query set-up
        started = time.perf_counter()
        env.get_config().set("flowsql.exec.batch.max-rows", "1000000")
        env.get_config().set("table.dml-sync", "true")
        env.execute_sql(f"CREATE TABLE t (k BIGINT, x BIGINT) WITH ('connector'='filesystem', 'path'='{path}', "
                        "'format'='parquet')")
        # The result goes to a counting sink: the engine's time, not a Python consumer's.
        env.execute_sql("CREATE TABLE out (k BIGINT, c BIGINT, s BIGINT, PRIMARY KEY (k) NOT ENFORCED) "
                        "WITH ('connector'='blackhole')")
        env.execute_sql(f"INSERT INTO out {QUERY}")
        result_rows = None
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"mode": mode, "seconds": seconds, "peak_mb": peak_mb, "rows": result_rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(*args.child)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.parquet")
        make_data(path, args.rows, args.keys)
        results = {}
        for mode in ("duckdb", "batch", "streaming"):
            out = subprocess.run([sys.executable, __file__, "--child", mode, path], capture_output=True, text=True,
                                 check=True)
            results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    base = results["duckdb"]["seconds"]
    print(f"{args.rows:,} rows, {args.keys:,} keys: {QUERY}")
    print(f"{'mode':<10} {'seconds':>8} {'x DuckDB':>9} {'peak MB':>8}")
    for mode, r in results.items():
        print(f"{mode:<10} {r['seconds']:>8.2f} {r['seconds'] / base:>9.2f} {r['peak_mb']:>8.0f}")


if __name__ == "__main__":
    main()
