"""Benchmark: start-up of the Table API, end to end (not a test).

Times, each in a fresh interpreter, ``import flowsql.table`` and a program that creates a
``TableEnvironment`` and prints ``SELECT 1``; and the same program with PyFlink when it is
installed, in the same run. Prints the medians and the ratio.

    python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time

IMPORT = "import flowsql.table"
PROGRAM = """
from {package}.table import EnvironmentSettings, TableEnvironment
env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
env.execute_sql("SELECT 1").print()
"""


def timed(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    baseline = timed("pass", args.runs)
    print(f"python -c pass:                      {baseline:.3f} s")
    print(f"import flowsql.table:                {timed(IMPORT, args.runs):.3f} s")
    flowsql = timed(PROGRAM.format(package="flowsql"), args.runs)
    print(f"flowsql TableEnvironment + SELECT 1: {flowsql:.3f} s")
    if importlib.util.find_spec("pyflink") is not None:
        pyflink = timed(PROGRAM.format(package="pyflink"), max(1, args.runs // 2))
        print(f"PyFlink TableEnvironment + SELECT 1: {pyflink:.3f} s  ({pyflink / flowsql:.1f}x flowsql)")
    else:
        print("PyFlink is not installed: no comparison in this run")


if __name__ == "__main__":
    main()
