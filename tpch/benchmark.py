"""TPC-H benchmark: each query's time in flowsql batch and streaming mode against DuckDB's in the
same process, and the cost of applying a 0.1 % refresh incrementally against recomputing.

Not a test: it prints a table and never fails on slowness. Usage::

    python tpch/benchmark.py --sf 0.1 [--sf 1] [--query 1,6] [--chunk-rows 10000] [--repeat 3]

Each time is the best of ``--repeat`` runs. ``refresh`` is measured within one streaming run: every
table's stream pauses after the initial load until all have delivered it (the memory connector's
``pause.group``), and the refresh is the time from the first refresh row to the end of the job.
``recompute`` is a batch run on the refreshed data. DuckDB and flowsql's batch mode use the same
number of threads (DuckDB's default: one per core); queries that read neither ``orders`` nor
``lineitem`` have nothing to refresh (shown as —). ``peak MB`` is the highest resident memory of
the process seen while the query's runs went on (sampled every 10 ms), the data sets included.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import os
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import duckdb
import run as tpch

_groups = itertools.count(1)


class PeakMemory:
    """The highest resident set size of this process while the block runs, in MB."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()

    def _rss(self) -> float:
        try:
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except OSError:  # not Linux: the peak of the whole process so far
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> PeakMemory:
        self.peak = self._rss()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()  # the garbage of earlier runs (jobs hold reference cycles) is not this run's cost
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _duckdb_time(tables, number: int, repeat: int) -> float:
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    sql = tpch.query_text(number)
    con.execute(sql).fetchall()  # warm-up: DuckDB's first run pays for its catalog
    return _best(lambda: con.execute(sql).fetchall(), repeat)


THREADS = os.cpu_count() or 1  # flowsql's batch mode gets the threads DuckDB uses by default


def _flowsql_time(streams, mode: str, number: int, chunk_rows: int, max_rows: int, repeat: int) -> float:
    def once():
        env = tpch.make_env(streams, mode, number, chunk_rows, max_rows, threads=THREADS)
        tpch.run_flowsql(env, number)
    return _best(once, repeat)


def _refresh_time(tables, streams, number: int, chunk_rows: int, max_rows: int, repeat: int) -> float:
    """The time from the first refresh row (after the whole initial load went through) to the end."""
    from flowsql.connectors import memory

    times = []
    for _ in range(repeat):
        gc.collect()
        group = f"tpch-refresh-{next(_groups)}"
        env = tpch.make_env(streams, "streaming", number, chunk_rows, max_rows, pause_group=group,
                            pause_at={name: table.num_rows for name, table in tables.items()})
        tpch.run_flowsql(env, number)
        end = time.perf_counter()
        resumed = memory.resumed_at(group)
        if resumed is None:  # the query reads no refreshed table: nothing to apply
            return float("nan")
        times.append(end - resumed)
    return min(times)


def benchmark(sf: float, numbers: list[int], chunk_rows: int, max_rows: int, repeat: int) -> None:
    tables = tpch.load(sf)
    refresh = tpch.make_refresh(tables, 0.001)
    plain = tpch.changelogs(tables, None)
    with_refresh = tpch.changelogs(tables, refresh)
    after = tpch.changelogs(tpch.refreshed(tables, refresh), None)
    for mode in ("batch", "streaming"):  # warm-up: imports and first-use costs are not any query's
        _flowsql_time(plain, mode, 6, chunk_rows, max_rows, 1)
    print(f"TPC-H SF {sf:g}: best of {repeat}, seconds; ratios against DuckDB (batch, streaming) and against "
          f"recomputing (refresh); {THREADS} DuckDB threads")
    print(f"{'query':<6}{'duckdb':>9}{'batch':>9}{'×':>7}{'stream':>9}{'×':>7}{'refresh':>9}{'recompute':>10}"
          f"{'speedup':>9}{'peak MB':>9}")
    for number in numbers:
        with PeakMemory() as memory:
            duck = _duckdb_time(tables, number, repeat)
            batch = _flowsql_time(plain, "batch", number, chunk_rows, max_rows, repeat)
            stream = _flowsql_time(plain, "streaming", number, chunk_rows, max_rows, repeat)
            refresh_cost = _refresh_time(tables, with_refresh, number, chunk_rows, max_rows, repeat)
            recompute = _flowsql_time(after, "batch", number, chunk_rows, max_rows, repeat)
        if not math.isnan(refresh_cost):
            refresh_text = f"{refresh_cost:9.3f}{recompute:10.3f}{recompute / refresh_cost:9.1f}"
        else:
            refresh_text = f"{'—':>9}{recompute:10.3f}{'—':>9}"  # reads neither orders nor lineitem
        print(f"Q{number:02d}  {duck:9.3f}{batch:9.3f}{batch / duck:7.1f}{stream:9.3f}{stream / duck:7.1f}"
              f"{refresh_text}{memory.peak:9.0f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sf", type=float, action="append")
    parser.add_argument("--query", default="")
    parser.add_argument("--chunk-rows", type=int, default=0, help="random stream chunks (0: max-rows batches)")
    parser.add_argument("--max-rows", type=int, default=65536)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (the best counts)")
    args = parser.parse_args(argv)
    numbers = [int(q) for q in args.query.split(",") if q] or list(range(1, 23))
    for sf in args.sf or [0.1, 1.0]:
        benchmark(sf, numbers, args.chunk_rows, args.max_rows, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
