"""Benchmark: the hashmap and the disk (rocksdb) state backends on a many-key aggregation (not a test).

Runs ``INSERT INTO blackhole SELECT k, COUNT(*), SUM(n) FROM datagen GROUP BY k`` with ``--keys``
distinct keys (``--rows`` rows) once per backend, each in a child process, and prints each
run's throughput, its peak resident memory above the process's baseline (VmHWM after start-up
subtracted from VmHWM at the end), and for the disk backend its own accounting of the state's
bytes in memory, with the ratios against the hashmap run.

    python benchmarks/state_backend.py [--keys 1000000] [--rows 3000000] [--budget '64 mb']
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

SOURCE = """CREATE TABLE t (n BIGINT, k BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '{rows}',
  'seed' = '1', 'rows-per-second' = '1000000000', 'fields.n.kind' = 'sequence', 'fields.n.start' = '1',
  'fields.n.end' = '{rows}', 'fields.k.min' = '0', 'fields.k.max' = '{last}')"""
SINK = "CREATE TABLE out (k BIGINT, c BIGINT, s BIGINT) WITH ('connector' = 'blackhole')"
QUERY = "INSERT INTO out SELECT k, COUNT(*), SUM(n) FROM t GROUP BY k"


def _hwm_bytes() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def run_one(backend: str, keys: int, rows: int, budget: str, local_dir: str) -> dict:
    """Runs in a child process so that its peak memory is this run's alone."""
    from flowsql.table import EnvironmentSettings, TableEnvironment

    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    config = env.get_config()
    config.set("state.backend.type", backend).set("state.backend.spill.memory-budget", budget)
    config.set("state.backend.local-dir", local_dir).set("flowsql.exec.batch.max-rows", "20000")
    env.execute_sql(SOURCE.format(rows=rows, last=keys - 1))
    env.execute_sql(SINK)
    baseline = _hwm_bytes()
    started = time.perf_counter()
    result = env.execute_sql(QUERY)
    result.job.wait()
    seconds = time.perf_counter() - started
    backend_obj = result.job.state_backend
    budget_obj = getattr(backend_obj, "budget", None)
    return {"backend": backend, "seconds": seconds, "rows_per_s": rows / seconds,
            "peak_rss_growth_mb": (_hwm_bytes() - baseline) / 2**20,
            "accounted_peak_mb": budget_obj.peak / 2**20 if budget_obj else None,
            "state": result.job.status.state}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--budget", default="64 mb")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        with tempfile.TemporaryDirectory() as local:
            print(json.dumps(run_one(args.child, args.keys, args.rows, args.budget, local)))
        return
    results = {}
    for backend in ("hashmap", "rocksdb"):
        out = subprocess.run([sys.executable, __file__, "--child", backend, "--keys", str(args.keys),
                              "--rows", str(args.rows), "--budget", args.budget],
                             check=True, capture_output=True, text=True).stdout
        results[backend] = json.loads(out.strip().splitlines()[-1])
    reference = results["hashmap"]
    print(f"{args.keys:,} keys, {args.rows:,} rows, disk budget {args.budget}")
    for name, r in results.items():
        accounted = f", state in memory (accounted) {r['accounted_peak_mb']:.1f} MB" if r["accounted_peak_mb"] else ""
        print(f"{name:8s} {r['seconds']:7.2f} s  {r['rows_per_s']:>12,.0f} rows/s "
              f"({r['rows_per_s'] / reference['rows_per_s']:.2f}x)  peak RSS growth "
              f"{r['peak_rss_growth_mb']:7.1f} MB ({r['peak_rss_growth_mb'] / max(reference['peak_rss_growth_mb'], 1):.2f}x)"
              f"{accounted}  [{r['state']}]")


if __name__ == "__main__":
    main()
