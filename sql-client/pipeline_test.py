"""``flowsql test DIR``: unit tests for SQL pipelines, without a cluster.

Each ``NAME.sql`` job under DIR that has a folder ``NAME/`` beside it is a test case::

    enrich.sql                      the job, unchanged: its CREATE TABLEs name production connectors
    enrich/input/orders.csv         rows for the table `orders` (.csv, .json or .parquet), or
    enrich/input/rates.changelog.csv    a changelog: the first column is the op (+I, -U, +U, -D)
    enrich/expected/totals.csv      the final rows the sink table `totals` must hold, or
    enrich/expected/alerts.changelog.csv    the exact changes it must receive, in order

The job runs in streaming mode with its INSERTs synchronous, a row at a time (so a changelog is
the one Flink would produce). A table with an input file reads it
through the filesystem connector (a changelog through the in-memory one) instead of its declared
connector; a table with an expected file becomes an in-memory sink whose changes are compared
with the file. Files are CSV without a header, in the table's physical column order, typed by
the table's columns. Processing time is a manual clock starting at
``flowsql.test.start-time`` (default 2024-01-01 00:00:00 UTC), so PROCTIME() and processing-time
windows give the same answer on every run. Final rows compare as multisets; changelogs in order.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

FORMATS = {".csv": "csv", ".json": "json", ".parquet": "parquet"}
CHANGELOG = ".changelog.csv"
OPS = {"+I": 0, "-U": 1, "+U": 2, "-D": 3}
DEFAULT_START = "2024-01-01 00:00:00"


@dataclass
class CaseResult:
    name: str
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


def discover(root: Path) -> list[Path]:
    """The jobs under ``root`` (a job file itself is a one-case run)."""
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.sql") if p.with_suffix("").is_dir())


def _data_files(folder: Path) -> dict[str, Path]:
    """Table name (lower case) → file, for the files of an input/ or expected/ folder."""
    files = {}
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            name = path.name
            if name.endswith(CHANGELOG):
                files[name[: -len(CHANGELOG)].lower()] = path
            elif path.suffix in FORMATS:
                files[path.stem.lower()] = path
    return files


class PipelineCase:
    def __init__(self, job: Path) -> None:
        self.job = job
        data = job.with_suffix("")
        self.inputs = _data_files(data / "input")
        self.expected = _data_files(data / "expected")
        self.sinks: dict[str, tuple[str, Any]] = {}  # table name → (memory table id, catalog table)

    def run(self) -> CaseResult:
        result = CaseResult(str(self.job))
        started = time.monotonic()
        try:
            result.failures = self._run()
        except Exception as error:  # a failing job is a failing case, with the engine's message
            result.failures = [f"the job failed: {error}"]
        result.seconds = time.monotonic() - started
        return result

    def _run(self) -> list[str]:
        from flowsql.exec.clock import ManualClock
        from flowsql.planner.parser import parse_script
        from flowsql.planner.parser import statements as st
        from flowsql.table import EnvironmentSettings, TableEnvironment

        if not self.expected:
            return [f"nothing to check: no files in {self.job.with_suffix('') / 'expected'}"]
        script = self.job.read_text(encoding="utf-8")
        env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
        env.get_config().set("table.dml-sync", "true")
        env.get_config().set("flowsql.exec.batch.max-rows", "1")  # Flink's row-at-a-time changelog
        used: set[str] = set()
        statements = parse_script(script)
        for statement in statements:
            if isinstance(statement, st.SetOption) and statement.key == "flowsql.test.start-time":
                env.get_config().set(statement.key, statement.value)
        env.clock = ManualClock(_start_ms(env.get_config().get("flowsql.test.start-time") or DEFAULT_START))
        for statement in statements:
            if isinstance(statement, st.CreateTable):
                used |= self._redirect(env, statement)
            if isinstance(statement, st.Query):  # a job's SELECTs run, their rows are not checked
                for _ in env.execute_statement(statement).collect():
                    pass
                continue
            env.execute_statement(statement)
        failures = [f"{path}: no table `{name}` in the job" for name, path in
                    {**self.inputs, **self.expected}.items() if name not in used]
        for name, path in self.expected.items():
            if name in self.sinks:
                failures += self._compare(env, name, path)
        return failures

    def _redirect(self, env: Any, statement: Any) -> set[str]:
        """Point a declared table at its input file or at an in-memory sink."""
        from flowsql.connectors import memory

        name = statement.name[-1].lower()
        if name in self.inputs:
            path = self.inputs[name]
            if path.name.endswith(CHANGELOG):
                table, kinds = _read_changelog(env, statement, path)
                statement.options = {"connector": "flowsql-memory", "table-id": memory.put(table, kinds)}
            else:
                statement.options = {"connector": "filesystem", "path": str(path), "format": FORMATS[path.suffix]}
            return {name}
        if name in self.expected:
            table_id = memory.put(_empty())
            statement.options = {"connector": "flowsql-memory", "table-id": table_id}
            self.sinks[name] = (table_id, statement)
            return {name}
        return set()

    def _compare(self, env: Any, name: str, path: Path) -> list[str]:
        from flowsql.connectors import memory
        from flowsql.table.materialize import MaterializedResult

        table_id, statement = self.sinks[name]
        batches = memory.collected(table_id)
        columns = _physical_columns(statement)
        if path.name.endswith(CHANGELOG):
            expected_table, expected_kinds = _read_changelog(env, statement, path)
            actual = [(int(k), row) for b in batches for k, row in zip(b.kind_array(), _rows(b.table))]
            wanted = list(zip((int(k) for k in expected_kinds), _rows(expected_table)))
            if actual == wanted:
                return []
            names = {v: k for k, v in OPS.items()}
            lines = [f"{path}: the changelog of `{name}` differs"]
            lines += ["  expected: " + " ".join(f"{names[k]}{row_text(r)}" for k, r in wanted)]
            lines += ["  actual:   " + " ".join(f"{names[k]}{row_text(r)}" for k, r in actual)]
            return ["\n".join(lines)]
        expected = _rows(_read_rows(env, columns, path))
        import pyarrow as pa

        schema = pa.schema([pa.field(n, t.to_arrow()) for n, t in columns])
        view = MaterializedResult(schema)
        for batch in batches:
            view.apply(batch.with_table(batch.table.rename_columns(schema.names)))
        actual = _rows(view.table())
        missing, unexpected = _multiset_difference(expected, actual), _multiset_difference(actual, expected)
        if not missing and not unexpected:
            return []
        lines = [f"{path}: `{name}` holds {len(actual)} rows, {len(expected)} expected"]
        lines += [f"  - {row_text(r)}  (missing)" for r in missing]
        lines += [f"  + {row_text(r)}  (unexpected)" for r in unexpected]
        return ["\n".join(lines)]


def _physical_columns(statement: Any) -> list[tuple[str, Any]]:
    return [(c.name, c.type) for c in statement.columns if c.kind == "physical"]


def _read_rows(env: Any, columns: list[tuple[str, Any]], path: Path, with_op: bool = False):
    """A data file read with the given column types (in batch mode, through the filesystem connector)."""
    from flowsql.table import EnvironmentSettings, TableEnvironment
    from flowsql.table.conversion import result_to_arrow

    reader = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    ddl = ([("`__op`", "STRING")] if with_op else []) + [(f"`{n}`", t.sql(False)) for n, t in columns]
    fmt = "csv" if path.name.endswith(CHANGELOG) else FORMATS[path.suffix]
    reader.execute_sql(f"CREATE TEMPORARY TABLE data ({', '.join(f'{n} {t}' for n, t in ddl)}) WITH "
                       f"('connector' = 'filesystem', 'path' = '{path}', 'format' = '{fmt}')")
    return result_to_arrow(reader.execute_sql("SELECT * FROM data"))


def _read_changelog(env: Any, statement: Any, path: Path):
    import numpy as np

    table = _read_rows(env, _physical_columns(statement), path, with_op=True)
    ops = table.column(0).to_pylist()
    bad = [i + 1 for i, op in enumerate(ops) if op not in OPS]
    if bad:
        raise ValueError(f"{path}:{bad[0]}: the first column must be an op (+I, -U, +U or -D)")
    return table.drop_columns([table.column_names[0]]), np.array([OPS[o] for o in ops], np.int8)


def row_text(row: tuple) -> str:
    from flowsql.table.printing import format_value

    return "[" + ", ".join(format_value(v, nested=True) for v in row) + "]"


def _rows(table) -> list[tuple]:
    return list(zip(*(c.to_pylist() for c in table.columns))) if table.num_columns else []


def _multiset_difference(a: list[tuple], b: list[tuple]) -> list[tuple]:
    from collections import Counter

    left = Counter(map(repr, a))
    left.subtract(Counter(map(repr, b)))
    out = []
    for row in a:
        if left[repr(row)] > 0:
            out.append(row)
            left[repr(row)] -= 1
    return out


def _empty():
    import pyarrow as pa

    return pa.table({"x": pa.array([], pa.int8())})


def _start_ms(text: str) -> int:
    moment = datetime.fromisoformat(text.strip().replace(" ", "T"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="flowsql test", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="DIR", help="folders of jobs (or single job files)")
    args = parser.parse_args(argv)
    jobs = [job for p in args.paths for job in discover(Path(p))]
    if not jobs:
        print(f"flowsql test: no jobs with test data found under {', '.join(args.paths)} "
              "(a job NAME.sql needs a folder NAME/ with expected/ files)")
        return 1
    failed = 0
    for job in jobs:
        result = PipelineCase(job).run()
        status = "ok" if result.ok else "FAILED"
        print(f"{result.name} ... {status} ({result.seconds:.2f} s)")
        for failure in result.failures:
            print("  " + failure.replace("\n", "\n  "))
        failed += not result.ok
    print(f"{len(jobs)} job{'s' if len(jobs) != 1 else ''}, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
