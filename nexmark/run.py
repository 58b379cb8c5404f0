"""The Nexmark benchmark on flowsql, side by side with PyFlink, and DuckDB as the single-core reference.

Usage::

    python nexmark/run.py [--queries q0,q5] [--events 1000000] [--seed 0] [--duckdb] [--pyflink]
                          [--check-events 100000] [--pyflink-python PATH]

Each query runs as written (``INSERT INTO`` a blackhole) in streaming mode over the ``nexmark``
source; flowsql's events/s is over the job's wall time, from ``execute_sql`` to the end, after
a warm-up run of the same query over 1 000 events.
``--duckdb`` times the batch equivalent (``duckdb/qN.sql``, one thread) over the same events held
in memory. ``--pyflink`` runs the same queries on PyFlink 2.3 (``pyflink_runner.py``; installed
into ``nexmark/.venv-pyflink`` on first use) at parallelism 1 over the same events written to a
CSV file; its events/s is over the job's own running time (Flink's net runtime, start to end),
its JVM start-up and per-job submission are reported apart. Final results are checked on a
separate run over ``--check-events`` events: flowsql's final rows must equal DuckDB's and
PyFlink's. Progress goes to stderr, the table (Markdown) to stdout. Not a test: it never fails
on slowness.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyarrow.parquet as pq

from nexmark import engines, pyflink_runner

NOT_COMPARABLE = {"q10": "writes files", "q12": "processing time"}


def _rate(events: int, seconds: float | None) -> str:
    if not seconds:
        return "-"
    rate = events / seconds
    return f"{rate / 1e6:.2f} M" if rate >= 1e6 else f"{rate / 1e3:.0f} k"


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", default=",".join(engines.QUERIES))
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--duckdb", action="store_true", help="time DuckDB and check results against it")
    parser.add_argument("--pyflink", action="store_true", help="run the queries on PyFlink too and compare")
    parser.add_argument("--pyflink-python", default=os.environ.get("FLOWSQL_PYFLINK_PYTHON"),
                        help="a Python with apache-flink installed (default: nexmark/.venv-pyflink, made on first use)")
    parser.add_argument("--check-events", type=int, default=100_000)
    args = parser.parse_args(argv)
    names = [q.strip() for q in args.queries.split(",") if q.strip()]
    unknown = [q for q in names if q not in engines.QUERIES]
    if unknown:
        parser.error(f"unknown queries {unknown}: choose from q0 ... q22")
    workdir = Path(tempfile.mkdtemp(prefix="nexmark-"))
    python = None
    if args.pyflink:
        try:
            python = pyflink_runner.ensure_python(args.pyflink_python)
        except pyflink_runner.PyFlinkUnavailable as e:
            parser.error(str(e))
        started = time.perf_counter()
        timing_csv = pyflink_runner.write_events_csv(args.events, args.seed, workdir / "events.csv")
        check_csv = pyflink_runner.write_events_csv(args.check_events, args.seed, workdir / "check-events.csv")
        _progress(f"events for PyFlink written to {workdir} in {time.perf_counter() - started:.1f} s")
    checking = args.duckdb or args.pyflink
    timing_con = engines.duckdb_connection(engines.event_tables(args.events, args.seed)) if args.duckdb else None
    check_con = engines.duckdb_connection(engines.event_tables(args.check_events, args.seed)) if args.duckdb else None

    rows: dict[str, dict] = {}
    for name in names:
        row = rows.setdefault(name, {"agree": {}})
        try:
            # One-time costs (imports, the generator's string pools) stay out of the timing, as
            # PyFlink's JVM start-up does.
            engines.run_flowsql(name, 1_000, workdir / f"{name}-warm-up", seed=args.seed)
            run = engines.run_flowsql(name, args.events, workdir / name, seed=args.seed)
            row.update(flowsql=run.seconds, rows=run.rows)
            if checking and name not in NOT_COMPARABLE:
                row["check"] = engines.run_flowsql(name, args.check_events, workdir / f"{name}-check",
                                                   seed=args.seed, collect=True).result
        except Exception as e:  # noqa: BLE001 -- report every query, keep going
            row["error"] = f"flowsql: {type(e).__name__}: {str(e)[:120]}"
        if timing_con is not None:
            duck = engines.run_duckdb(name, timing_con)
            if duck is not None:
                row["duckdb"] = duck.seconds
                if "check" in row:
                    difference = engines.difference(row["check"], engines.run_duckdb(name, check_con).result)
                    row["agree"]["DuckDB"] = difference
        _progress(f"flowsql {name}: {_rate(args.events, row.get('flowsql'))} ev/s, {row.get('rows')} rows"
                  f"{', DuckDB ' + format(row['duckdb'], '.3f') + ' s' if 'duckdb' in row else ''}"
                  f"{', ' + row['error'] if 'error' in row else ''}")

    startup = None
    if python is not None:
        queries = {name: engines.query_statements(name, workdir / "pyflink") for name in names}
        try:
            for report in pyflink_runner.run(python, queries, timing_csv, check_csv, workdir / "pyflink"):
                if "startup_s" in report:
                    startup = report["startup_s"]
                    _progress(f"PyFlink started in {startup:.1f} s")
                    continue
                row = rows[report["query"]]
                if "error" in report:
                    row["pyflink_error"] = report["error"]
                else:
                    row.update(pyflink=report["job_s"], pyflink_wall=report["wall_s"])
                    if "check" in row:
                        row["agree"]["PyFlink"] = engines.difference(row["check"], pq.read_table(report["check_file"]))
                _progress(f"PyFlink {report['query']}: {_rate(args.events, row.get('pyflink'))} ev/s"
                          f"{', ' + row['pyflink_error'] if 'pyflink_error' in row else ''}")
        except pyflink_runner.PyFlinkUnavailable as e:
            _progress(str(e))
        timing_csv.unlink()  # hundreds of MB
        check_csv.unlink()
    print_table(rows, args, startup)
    return 0


def _agreement(name: str, row: dict) -> str:
    if name in NOT_COMPARABLE:
        return f"n.a. ({NOT_COMPARABLE[name]})"
    if not row["agree"]:
        return "n.a."
    wrong = [f"{engine}: {why[:80]}" for engine, why in row["agree"].items() if why is not None]
    return "no (" + "; ".join(wrong) + ")" if wrong else "yes (" + ", ".join(row["agree"]) + ")"


def print_table(rows: dict[str, dict], args: argparse.Namespace, startup: float | None) -> None:
    print(f"\n{args.events:,} events (seed {args.seed}), results checked over {args.check_events:,}; "
          f"{platform.node()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
          + (f"; PyFlink start-up (JVM, TableEnvironment, SELECT 1) {startup:.1f} s" if startup else ""))
    print("\n| query | events | flowsql ev/s | PyFlink ev/s | flowsql / PyFlink | PyFlink ev/s with job submission "
          "| DuckDB s | results agree |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, row in rows.items():
        ratio = f"{row['pyflink'] / row['flowsql']:.2f}" if "pyflink" in row and "flowsql" in row else "-"
        duck = f"{row['duckdb']:.3f}" if "duckdb" in row else "-"
        agree = row.get("error") or row.get("pyflink_error") and f"PyFlink failed: {row['pyflink_error'][:100]}" \
            or _agreement(name, row)
        print(f"| {name} | {args.events:,} | {_rate(args.events, row.get('flowsql'))} | "
              f"{_rate(args.events, row.get('pyflink'))} | {ratio} | {_rate(args.events, row.get('pyflink_wall'))} | "
              f"{duck} | {agree} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
