"""Runs Nexmark queries on PyFlink: executed by the PyFlink virtual environment's Python, never
imported by flowsql (it needs only ``pyflink`` and ``pyarrow``).

``python pyflink_driver.py SPEC.json`` reads a job spec written by ``nexmark/pyflink.py``: the
source and view statements for the timing and the check stream, and each query's statements
(the last one an ``INSERT INTO`` a blackhole). For each query it prints one JSON line:

- timing: the INSERT over the timing stream, with the job's own running time (``net runtime``,
  from job start to end, as Flink reports it) and the wall time of ``execute_sql(...).wait()``
  (which adds planning, job graph and mini-cluster deployment, about 6 s a job);
- check: the INSERT's SELECT over the check stream in streaming mode, its changelog applied by
  ``to_pandas`` (a retraction removes the row it retracts; for an upsert result, the last row per
  key stays), the final rows written to Parquet for the runner to compare with flowsql's.

The first line reports the start-up: JVM gateway and ``TableEnvironment`` ready.
"""

from __future__ import annotations

import json
import re
import sys
import time

STARTED = time.perf_counter()

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.udf import udf

_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+\S+\s+", re.IGNORECASE)
_FUNCTION = re.compile(r"^\s*CREATE\s+TEMPORARY\s+FUNCTION\s+(\w+)\s+AS\s+'[^']*'\s+LANGUAGE\s+PYTHON\s*$",
                       re.IGNORECASE)


def _count_char(text: pd.Series, char: pd.Series | str) -> pd.Series:
    """Nexmark's CountChar, vectorized as flowsql's nexmark.udfs.count_char is."""
    return text.str.count(char if isinstance(char, str) else char.iloc[0]).astype("int64")


# The queries' Python functions, as PyFlink UDFs (flowsql's are registered by module path).
UDFS = {"count_char": udf(_count_char, result_type=DataTypes.BIGINT(), func_type="pandas")}


def environment() -> TableEnvironment:
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("parallelism.default", "1")
    return env


def execute(env: TableEnvironment, statement: str) -> None:
    function = _FUNCTION.match(statement)
    if function:
        env.create_temporary_function(function.group(1), UDFS[function.group(1)])
    else:
        env.execute_sql(statement)


def timing_run(env: TableEnvironment, statements: list[str]) -> dict:
    for statement in statements[:-1]:
        execute(env, statement)
    start = time.perf_counter()
    result = env.execute_sql(statements[-1])
    result.wait()
    wall = time.perf_counter() - start
    net = result.get_job_client().get_job_execution_result().result().get_net_runtime()
    return {"wall_s": wall, "job_s": net / 1000}


def check_run(env: TableEnvironment, statements: list[str], out: str, upsert_key: list[str] | None) -> dict:
    for statement in statements[:-1]:
        execute(env, statement)
    start = time.perf_counter()
    # to_pandas applies the changelog (a retraction removes the row it retracts), keeping rows in
    # the order they first came. An upsert result (+U without -U) keeps every version of a row:
    # the last one per key is the final one.
    frame = env.sql_query(_INSERT.sub("", statements[-1], count=1)).to_pandas()
    if upsert_key:
        frame = frame.drop_duplicates(subset=upsert_key, keep="last")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), out)
    return {"check_s": time.perf_counter() - start, "check_rows": len(frame), "check_file": out}


def _summary(error: Exception) -> str:
    """The Java exception's own message rather than Py4J's 'An error occurred while calling'."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    causes = [line for line in lines if re.match(r"^(: )?[\w.$]+(Exception|Error): ", line)]
    return (causes[-1] if causes else lines[0] if lines else type(error).__name__).lstrip(": ")[:300]


def main(spec_path: str) -> None:
    with open(spec_path) as f:
        spec = json.load(f)
    env = environment()
    env.execute_sql("SELECT 1").wait()
    print(json.dumps({"startup_s": time.perf_counter() - STARTED}), flush=True)
    for name, statements in spec["queries"].items():
        line: dict = {"query": name}
        try:
            env = environment()  # a fresh catalog per query: the queries reuse table names
            for statement in spec["timing_source"]:
                env.execute_sql(statement)
            line.update(timing_run(env, statements))
            if spec.get("check_source"):
                env = environment()
                for statement in spec["check_source"]:
                    env.execute_sql(statement)
                line.update(check_run(env, statements, f"{spec['out']}/{name}.parquet",
                                      spec["upsert_keys"].get(name)))
        except Exception as e:  # noqa: BLE001 -- report every query, keep going
            line["error"] = _summary(e)
            print(f"{name}: {e}", file=sys.stderr, flush=True)
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
