"""Benchmark: start-up, end to end (not a test).

Each measurement runs in a fresh process, several times; the median is printed with the target it
answers to:

* ``import flowsql.table`` (Table API issue: under 0.2 s);
* a ``python -c`` program creating a ``TableEnvironment`` and printing ``SELECT 1`` (under 0.4 s,
  and at least 20x faster than PyFlink's same program, run in the same benchmark when a Python
  with ``apache-flink`` is given by ``--pyflink-python`` or found at ``nexmark/.venv-pyflink``);
* ``flowsql -f`` of a one-line ``SELECT 1`` job (spine issue: under 0.5 s) and of the quickstart
  job (SQL client issue: a small job under 1 s);
* the interactive shell's prompt appearing (SQL client issue: under 0.5 s).

    python benchmarks/startup.py [--runs 7] [--pyflink-python PATH]

Python's bytecode cache is left on (``PYTHONDONTWRITEBYTECODE`` is removed from the children's
environment), as it is for every user after the first run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = """
from {package}.table import EnvironmentSettings, TableEnvironment
env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
env.execute_sql("SELECT 1").print()
"""
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], runs: int, cwd: Path = ROOT) -> float:
    subprocess.run(command, check=True, capture_output=True, env=ENV, cwd=cwd)  # warm the bytecode cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=ENV, cwd=cwd)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def shell_prompt(runs: int) -> float:
    """Seconds from spawning ``flowsql`` to its prompt on a pseudo-terminal."""
    import pexpect

    times = []
    with tempfile.TemporaryDirectory() as home:
        env = dict(ENV, FLOWSQL_HOME=home, TERM="dumb", PROMPT_TOOLKIT_NO_CPR="1")
        for _ in range(runs + 1):
            start = time.perf_counter()
            child = pexpect.spawn(sys.executable, ["-m", "flowsql.sql_client.cli", "--no-color"], env=env,
                                  encoding="utf-8", timeout=30)
            child.expect("flowsql>")
            times.append(time.perf_counter() - start)
            child.terminate(force=True)
    return statistics.median(times[1:])


def pyflink_python(given: str | None) -> str | None:
    candidates = [given] if given else [str(ROOT / "nexmark" / ".venv-pyflink" / "bin" / "python")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pyflink-python", help="a Python interpreter with apache-flink installed")
    args = parser.parse_args()
    flowsql = [sys.executable, "-m", "flowsql.sql_client.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.sql"
        one.write_text("SELECT 1;\n")
        rows = [
            ("python -c pass", timed([sys.executable, "-c", "pass"], args.runs), None),
            ("import flowsql.table", timed([sys.executable, "-c", "import flowsql.table"], args.runs), 0.2),
        ]
        program = timed([sys.executable, "-c", PROGRAM.format(package="flowsql")], args.runs)
        rows.append(("TableEnvironment + SELECT 1 printed", program, 0.4))
        rows.append(("flowsql -f one.sql (SELECT 1;)", timed(flowsql + ["-f", str(one)], args.runs), 0.5))
        rows.append(("flowsql -f examples/quickstart.sql",
                     timed(flowsql + ["-f", "examples/quickstart.sql"], args.runs), 1.0))
    rows.append(("shell prompt appears", shell_prompt(args.runs), 0.5))
    for name, seconds, target in rows:
        verdict = "" if target is None else f"  target < {target:.1f} s: {'met' if seconds < target else 'MISSED'}"
        print(f"{name:40s} {seconds:6.3f} s{verdict}")
    python = pyflink_python(args.pyflink_python)
    if python is None:
        print("PyFlink: no interpreter with apache-flink (--pyflink-python): no comparison in this run")
        return
    pyflink = timed([python, "-c", PROGRAM.format(package="pyflink")], max(1, args.runs // 2))
    ratio = pyflink / program
    print(f"{'PyFlink TableEnvironment + SELECT 1':40s} {pyflink:6.3f} s  flowsql is {ratio:.1f}x faster"
          f"  target >= 20x: {'met' if ratio >= 20 else 'MISSED'}")


if __name__ == "__main__":
    main()
