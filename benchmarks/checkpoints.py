"""Benchmark: the cost of checkpoints (not a test).

Runs ``SELECT k, COUNT(*), SUM(x), MAX(x) FROM t GROUP BY k`` into a blackhole sink over a Parquet
file, in streaming mode, once per key count: without checkpoints, then with a checkpoint every
``--interval`` (Flink's usual 10 s by default) and every ``--tight`` (to see the cost grow). It
prints throughput and its ratio to the run without checkpoints, and the checkpoints' number, size
and duration (total, and the part spent in the job thread), against the state's size.

    python benchmarks/checkpoints.py [--rows 20000000] [--keys 10000,1000000] [--interval '10 s']
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

QUERY = "SELECT k, COUNT(*) AS c, SUM(x) AS s, MAX(x) AS m FROM t GROUP BY k"


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
        writer.write_table(table, row_group_size=100_000)
    writer.close()


def run(path: str, checkpoint_dir: str, interval: str | None) -> tuple[float, dict]:
    from flowsql.table import EnvironmentSettings, TableEnvironment

    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    config = env.get_config()
    config.set("flowsql.exec.batch.max-rows", "100000")
    if interval:
        config.set("execution.checkpointing.interval", interval)
        config.set("state.checkpoints.dir", checkpoint_dir)
    env.execute_sql(f"CREATE TABLE t (k BIGINT, x BIGINT) WITH ('connector'='filesystem', 'path'='{path}', "
                    "'format'='parquet')")
    env.execute_sql("CREATE TABLE out (k BIGINT, c BIGINT, s BIGINT, m BIGINT, PRIMARY KEY (k) NOT ENFORCED) "
                    "WITH ('connector'='blackhole')")
    started = time.perf_counter()
    job = env.execute_sql(f"INSERT INTO out {QUERY}").job
    job.wait()
    seconds = time.perf_counter() - started
    stats = job.checkpoints.stats if job.checkpoints else []
    return seconds, {
        "count": len(stats),
        "mb": max((s.size_bytes for s in stats), default=0) / 2**20,
        "total_ms": max((s.duration_ms for s in stats), default=0.0),
        "sync_ms": max((s.sync_ms for s in stats), default=0.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--keys", default="10000,1000000")
    parser.add_argument("--interval", default="10 s")
    parser.add_argument("--tight", default="1 s")
    args = parser.parse_args()
    print(f"{args.rows:,} rows: {QUERY}")
    print(f"{'keys':>10} {'checkpoints':>12} {'seconds':>8} {'x none':>7} {'count':>6} {'max MB':>7} "
          f"{'max ms':>8} {'sync ms':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for keys in (int(k) for k in args.keys.split(",")):
            path = os.path.join(tmp, f"t{keys}.parquet")
            make_data(path, args.rows, keys)
            run(path, tmp, None)  # warm up: imports, file cache
            base, _ = run(path, tmp, None)
            print(f"{keys:>10,} {'none':>12} {base:>8.2f} {1:>7.3f}")
            for interval in (args.interval, args.tight):
                seconds, s = run(path, os.path.join(tmp, "ckpt"), interval)
                print(f"{keys:>10,} {interval:>12} {seconds:>8.2f} {seconds / base:>7.3f} {s['count']:>6} "
                      f"{s['mb']:>7.1f} {s['total_ms']:>8.1f} {s['sync_ms']:>8.1f}")


if __name__ == "__main__":
    main()
