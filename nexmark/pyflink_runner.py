"""The Nexmark queries on PyFlink, for the runner's side-by-side table (``run.py --pyflink``).

PyFlink is an optional benchmark dependency, never a runtime one: the runner installs
``apache-flink`` into its own virtual environment (``nexmark/.venv-pyflink``, about 850 MB, a few
minutes) on first use and runs ``pyflink_driver.py`` there. PyFlink reads the very events
flowsql's ``nexmark`` source generates, written once as a header-less CSV file (the PyPI wheel
ships no Parquet format): one row per event with every kind's fields flattened, so PyFlink has
one source with one watermark, and the ``person``, ``auction`` and ``bid`` views over it, as
Flink's Nexmark suite defines them over its generator table.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-pyflink"
PYFLINK_REQUIREMENT = "apache-flink==2.3.0"
WATERMARK_DELAY_S = 4  # as ddl.table_ddl: Flink's suite bounds disorder by 4 seconds
# Flink emits q9's Top-1 per auction as an upsert stream keyed by the auction (+U without -U);
# PyFlink's to_pandas then keeps every version, so the driver keeps the last row per key.
UPSERT_KEYS = {"q9": ["id"]}
_SQL_TYPES = {pa.int32(): "INT", pa.int64(): "BIGINT", pa.string(): "STRING", pa.timestamp("ms"): "TIMESTAMP(3)"}


class PyFlinkUnavailable(RuntimeError):
    """PyFlink cannot be installed or started here; the message says why and what to do."""


def ensure_python(python: str | None = None) -> Path:
    """The interpreter to run PyFlink with: ``python`` if given, else the runner's own virtual
    environment, created and filled with ``apache-flink`` on first use."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise PyFlinkUnavailable("PyFlink needs Java 11 or later: no 'java' on PATH and no JAVA_HOME")
    if python:
        return Path(python)
    interpreter = VENV / "bin" / "python"
    if interpreter.exists() and _has_pyflink(interpreter):
        return interpreter
    print(f"installing {PYFLINK_REQUIREMENT} into {VENV} (about 850 MB, a few minutes; once)", file=sys.stderr,
          flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(interpreter), "-m", "pip", "install", "--quiet", PYFLINK_REQUIREMENT], check=True)
    except subprocess.CalledProcessError as e:
        raise PyFlinkUnavailable(f"installing {PYFLINK_REQUIREMENT} failed ({e}); install it yourself into a "
                                 f"virtual environment and pass --pyflink-python PATH/bin/python") from None
    return interpreter


def _has_pyflink(interpreter: Path) -> bool:
    return subprocess.run([str(interpreter), "-c", "import pyflink.table"], capture_output=True, check=False).returncode == 0


# -- the events, as one flat CSV file ------------------------------------------------------------

def flat_columns() -> list[tuple[str, pa.DataType]]:
    """The CSV's columns: ``event_type``, each kind's fields as ``kind_field`` (without the kind's
    own ``dateTime``, which equals the event's), then ``dateTime``."""
    from flowsql.connectors.nexmark.generator import EVENT_SCHEMA

    columns = [("event_type", pa.int32())]
    for kind in ("person", "auction", "bid"):
        columns += [(f"{kind}_{f.name}", f.type) for f in EVENT_SCHEMA.field(kind).type if f.name != "dateTime"]
    return [*columns, ("dateTime", pa.timestamp("ms"))]


def flat_block(block: pa.Table) -> pa.Table:
    """A block of events with its ROWs flattened; fields of the other kinds hold 0 or '' rather
    than null, which Flink's CSV format reads back only with extra options."""
    arrays = []
    for name, type_ in flat_columns():
        if "_" not in name or name == "event_type":
            arrays.append(block.column(name).combine_chunks())
            continue
        kind, field = name.split("_", 1)
        values = block.column(kind).combine_chunks().field(field)
        arrays.append(pc.fill_null(values, pa.scalar("" if type_ == pa.string() else 0, type_)))
    return pa.Table.from_arrays(arrays, names=[n for n, _ in flat_columns()])


def write_events_csv(events: int, seed: int, path: Path) -> Path:
    """The first ``events`` events of the stream with this seed (what flowsql's ``nexmark`` source
    produces with ``events.num`` = events) as header-less CSV. Written afresh for every run (a few
    seconds for millions of events), so it always matches the generator's current code."""
    from flowsql.connectors.nexmark.config import GeneratorConfig
    from flowsql.connectors.nexmark.generator import BLOCK_EVENTS, NexmarkGenerator

    path.parent.mkdir(parents=True, exist_ok=True)
    generator = NexmarkGenerator(GeneratorConfig(seed=seed, events_num=events))
    options = pa_csv.WriteOptions(include_header=False)
    with pa_csv.CSVWriter(path, pa.schema(flat_columns()), write_options=options) as writer:
        for number in range(-(-events // BLOCK_EVENTS)):
            writer.write_table(flat_block(generator.block(number)))
    return path


def source_statements(csv_path: Path) -> list[str]:
    """Flink DDL for the CSV events and the ``person``, ``auction``, ``bid`` views over them."""
    from flowsql.connectors.nexmark.generator import EVENT_SCHEMA

    columns = ",\n    ".join(f"`{name}` {_SQL_TYPES[type_]}" for name, type_ in flat_columns())
    table = (f"CREATE TABLE datagen (\n    {columns},\n"
             f"    WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '{WATERMARK_DELAY_S}' SECOND\n"
             f") WITH ('connector' = 'filesystem', 'path' = '{csv_path}', 'format' = 'csv')")
    views = []
    for event_type, kind in enumerate(("person", "auction", "bid")):
        fields = ", ".join("`dateTime`" if f.name == "dateTime" else f"`{kind}_{f.name}` AS `{f.name}`"
                           for f in EVENT_SCHEMA.field(kind).type)
        views.append(f"CREATE VIEW {kind} AS SELECT {fields} FROM datagen WHERE event_type = {event_type}")
    return [table, *views]


# Flink 2 reserves DATETIME: its parser needs the Nexmark column quoted (flowsql's does not).
_DATE_TIME = re.compile(r"(?<![`\w])dateTime(?![`\w])")


def flink_statement(sql: str) -> str:
    """A query statement as Flink 2's parser accepts it."""
    return _DATE_TIME.sub("`dateTime`", sql)


# -- running the driver --------------------------------------------------------------------------

def run(python: Path, queries: dict[str, list[str]], timing_csv: Path, check_csv: Path | None,
        workdir: Path) -> Iterator[dict]:
    """Run the queries on PyFlink, one after the other in one JVM; yields the driver's reports as
    they come (the first is the start-up: ``startup_s``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    queries = {name: [flink_statement(s) for s in statements] for name, statements in queries.items()}
    spec = {"queries": queries, "timing_source": source_statements(timing_csv),
            "check_source": source_statements(check_csv) if check_csv else None, "out": str(workdir),
            "upsert_keys": UPSERT_KEYS}
    spec_path = workdir / "spec.json"
    spec_path.write_text(json.dumps(spec))
    log = (workdir / "driver.log").open("w")
    process = subprocess.Popen([str(python), str(HERE / "pyflink_driver.py"), str(spec_path)],
                               stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        for line in process.stdout:
            if line.startswith("{"):
                yield json.loads(line)
    finally:
        process.wait()
        log.close()
    if process.returncode:
        tail = (workdir / "driver.log").read_text().strip().splitlines()[-3:]
        raise PyFlinkUnavailable(f"the PyFlink driver failed (exit {process.returncode}): " + " | ".join(tail))
