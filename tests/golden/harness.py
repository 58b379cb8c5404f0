"""Golden-file harness: parse ``tests/golden/*.test``, run each query batch and streaming, compare
with DuckDB (or with explicit rows).

The file format (see ``README.md`` beside this file for the full description)::

    # a comment
    table orders (id INT, customer STRING, amount DECIMAL(10, 2))
    1, alice, 10.50
    2, 'bob, jr', NULL

    query [ordered] [mode batch|streaming|both]
    SELECT customer, SUM(amount) FROM orders GROUP BY customer
    ----
    expect | oracle | error TEXT | xfail REASON   (sections, all optional)

A record ends at a blank line. Every query runs (a) in batch mode, (b) in streaming mode with each
table's rows split over several files and a random small ``flowsql.exec.batch.max-rows``, (c) in
streaming mode with one big batch; the materialized changelogs must equal the reference: the
``expect`` rows when given, else DuckDB's answer to the ``oracle`` SQL (or to the query transpiled).
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
import random
import re
import threading
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import sqlglot
from flowsql.common.errors import FlowSqlError
from flowsql.common.types import DataType, parse_type
from flowsql.table import EnvironmentSettings, TableEnvironment

GOLDEN_DIR = Path(__file__).parent
NULL_LITERAL = "__null__"  # how a NULL string is spelt in the generated CSV files
BIG_BATCH = 10_000  # "one big batch" for tables of a few rows; small enough to stop a runaway source
MAX_CHANGES = 100_000  # a changelog longer than this is a runaway query, not a golden result
MODES = ("batch", "streaming", "both")


class GoldenFormatError(Exception):
    """A malformed .test file: names the file and line."""


# -- the file format -----------------------------------------------------------------------------

@dataclass
class TableDecl:
    name: str
    columns: list[tuple[str, DataType]]
    rows: list[list[str | None]]  # raw field texts, None for NULL
    columns_sql: str
    kinds: list[str] | None = None  # a changelog table: each row's kind (+I, -U, +U, -D)


@dataclass
class Case:
    file: str
    line: int
    sql: str
    tables: dict[str, TableDecl]
    ordered: bool = False
    mode: str = "both"
    expect: list[list[str | None]] | None = None
    oracle: str | None = None
    error: str | None = None
    error_at: tuple[int, int] | None = None  # expected (line, column) of the error, when given
    xfail: str | None = None
    xfail_unsafe: bool = False  # the engine crashes or runs away on it: reported as xfail, not run
    options: dict[str, str] = field(default_factory=dict)  # SET lines before the SQL
    seed: int = field(default=0)

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"


def split_fields(text: str, where: str) -> list[str | None]:
    """One row: comma-separated fields; 'quoted' strings ('' escapes a quote); NULL is NULL."""
    fields: list[str | None] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] == "'":
            i += 1
            value = []
            while True:
                if i >= n:
                    raise GoldenFormatError(f"{where}: unterminated quoted string")
                if text[i] == "'":
                    if i + 1 < n and text[i + 1] == "'":
                        value.append("'")
                        i += 2
                        continue
                    i += 1
                    break
                value.append(text[i])
                i += 1
            fields.append("".join(value))
            while i < n and text[i] == " ":
                i += 1
            if i < n and text[i] != ",":
                raise GoldenFormatError(f"{where}: expected ',' after a quoted string")
        else:
            j = text.find(",", i)
            j = n if j < 0 else j
            raw = text[i:j].strip()
            fields.append(None if raw == "NULL" else raw)
            i = j
        if i >= n:
            return fields
        i += 1  # the comma


_TABLE = re.compile(r"^table\s+(\w+)\s*\((.*)\)\s*(changelog)?\s*$", re.IGNORECASE)
_ROW_KINDS = {"+I": 0, "-U": 1, "+U": 2, "-D": 3}
# Table clauses that declare no CSV column: they go into CREATE TABLE as written.
_NOT_PHYSICAL = re.compile(r"^(WATERMARK\s+FOR|PRIMARY\s+KEY|`?\w+`?\s+AS\s)", re.IGNORECASE)
# A query's session options, as lines before its SQL: SET 'key' = 'value';
_SET = re.compile(r"^SET\s+'([^']+)'\s*=\s*'([^']*)'\s*;?\s*$", re.IGNORECASE)
_SECTIONS = ("expect", "oracle", "error", "at", "xfail", "xfail-unsafe")


def _split_columns(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "(<":
            depth += 1
        elif ch in ")>":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def parse_file(path: Path) -> list[Case]:
    """All query records of one .test file, each with the tables declared before it."""
    lines = path.read_text().splitlines()
    tables: dict[str, TableDecl] = {}
    cases: list[Case] = []
    records: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(lines, 1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                records.append((start, current))
                current = []
            continue
        if not current:
            start = number
        current.append(line.rstrip())
    if current:
        records.append((start, current))

    for start, record in records:
        where = f"{path.name}:{start}"
        head = record[0].strip()
        match = _TABLE.match(head)
        if match:
            name, columns_sql = match.group(1), match.group(2)
            columns = []
            for spec in _split_columns(columns_sql):
                if _NOT_PHYSICAL.match(spec):  # WATERMARK FOR, PRIMARY KEY, computed `c AS expr`
                    continue
                col_name, _, type_text = spec.partition(" ")
                try:
                    columns.append((col_name.strip("`"), parse_type(type_text.strip())))
                except FlowSqlError as e:
                    raise GoldenFormatError(f"{where}: bad type '{type_text}': {e}") from None
            rows = []
            kinds: list[str] | None = [] if match.group(3) else None
            for offset, row_line in enumerate(record[1:], 1):
                fields = split_fields(row_line, f"{path.name}:{start + offset}")
                if kinds is not None:  # a changelog row starts with its kind
                    kind = (fields.pop(0) or "").strip()
                    if kind not in _ROW_KINDS:
                        raise GoldenFormatError(f"{path.name}:{start + offset}: a changelog row starts with "
                                                f"+I, -U, +U or -D, found '{kind}'")
                    kinds.append(kind)
                if len(fields) != len(columns):
                    raise GoldenFormatError(f"{path.name}:{start + offset}: expected {len(columns)} fields, "
                                            f"found {len(fields)}")
                rows.append(fields)
            tables[name] = TableDecl(name, columns, rows, columns_sql, kinds)
            continue
        words = head.split()
        if not words or words[0] != "query":
            raise GoldenFormatError(f"{where}: expected 'table NAME (...)' or 'query', found '{head}'")
        case = Case(path.name, start, "", dict(tables))
        flags = words[1:]
        while flags:
            flag = flags.pop(0)
            if flag == "ordered":
                case.ordered = True
            elif flag == "mode" and flags and flags[0] in MODES:
                case.mode = flags.pop(0)
            else:
                raise GoldenFormatError(f"{where}: unknown query flag '{flag}' (ordered, mode batch|streaming|both)")
        body = record[1:]
        if "----" in body:
            cut = body.index("----")
            sql_lines, trailer = body[:cut], body[cut + 1:]
        else:
            sql_lines, trailer = body, []
        while sql_lines and _SET.match(sql_lines[0].strip()):
            key, value = _SET.match(sql_lines.pop(0).strip()).groups()
            case.options[key] = value
        case.sql = "\n".join(sql_lines).strip().rstrip(";")
        if not case.sql:
            raise GoldenFormatError(f"{where}: the query has no SQL")
        section, oracle_lines = None, []
        for line in trailer:
            word, _, rest = line.strip().partition(" ")
            if word in _SECTIONS:
                section = word
                if word == "expect":
                    case.expect = []
                elif word == "error":
                    case.error = rest.strip()
                elif word == "at":
                    position = re.fullmatch(r"(\d+):(\d+)", rest.strip())
                    if not position:
                        raise GoldenFormatError(f"{where}: expected 'at LINE:COLUMN', found '{line}'")
                    case.error_at = (int(position.group(1)), int(position.group(2)))
                elif word in ("xfail", "xfail-unsafe"):
                    case.xfail = rest.strip() or "engine bug"
                    case.xfail_unsafe = word == "xfail-unsafe"
                continue
            if section == "expect":
                case.expect.append(split_fields(line, where))
            elif section == "oracle":
                oracle_lines.append(line)
            else:
                raise GoldenFormatError(f"{where}: unexpected line '{line}' (sections: {', '.join(_SECTIONS)})")
        if oracle_lines:
            case.oracle = "\n".join(oracle_lines).strip().rstrip(";")
        case.seed = zlib.crc32(case.id.encode())
        cases.append(case)
    return cases


def all_cases() -> list[Case]:
    cases = []
    for path in sorted(GOLDEN_DIR.glob("*.test")):
        cases.extend(parse_file(path))
    return cases


# -- values -----------------------------------------------------------------------------------------

def typed_values(texts: list[str | None], t: DataType) -> pa.Array:
    """Field texts as an Arrow array of the column's type (Arrow's casts parse the text)."""
    arrow_type = t.to_arrow()
    if t.is_string:
        return pa.array(texts, arrow_type)
    if t.name == "ARRAY":
        # The csv format's ARRAY syntax: elements separated by ';' (its array-element-delimiter);
        # an empty element of a non-string type is NULL, as the csv reader has it.
        import pyarrow.compute as pc

        parts = pc.split_pattern(pa.array([None if v is None or not v.strip() else v for v in texts], pa.string()),
                                 pattern=";")
        element = t.children[0]
        items = [v if element.is_string or v.strip() else None for v in parts.flatten().to_pylist()]
        return pa.ListArray.from_arrays(parts.offsets, typed_values(items, element),
                                        mask=parts.is_null()).cast(arrow_type)
    cleaned = [None if v is None else v.strip() for v in texts]
    return pa.array(cleaned, pa.string()).cast(arrow_type)


def arrow_table(decl: TableDecl, rows: list[list[str | None]] | None = None) -> pa.Table:
    rows = decl.rows if rows is None else rows
    return pa.table({name: typed_values([r[i] for r in rows], t) for i, (name, t) in enumerate(decl.columns)})


def hashable(value):
    if isinstance(value, list):
        return tuple(hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, hashable(v)) for k, v in value.items()))
    return value


def values_equal(a, b) -> bool:
    """Type-aware: exact for decimals, integers, strings and times; relative tolerance for doubles."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) or isinstance(b, float):
        if not isinstance(a, (int, float, decimal.Decimal)) or not isinstance(b, (int, float, decimal.Decimal)):
            return False
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, (dt.datetime, dt.date, dt.time)) or isinstance(b, (dt.datetime, dt.date, dt.time)):
        return type(a) is type(b) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return a == b


def rows_equal(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))


def compare(actual: list[tuple], expected: list[tuple], ordered: bool) -> str | None:
    """None when equal, else a short description of the difference."""
    if ordered:
        if len(actual) == len(expected) and all(rows_equal(a, e) for a, e in zip(actual, expected)):
            return None
        return f"rows differ (ordered):\n  actual:   {actual}\n  expected: {expected}"
    missing, extra = list(expected), []
    for row in actual:
        for i, e in enumerate(missing):
            if rows_equal(row, e):
                del missing[i]
                break
        else:
            extra.append(row)
    if not missing and not extra:
        return None
    return (f"rows differ (as multisets):\n  unexpected: {_sorted(extra)}\n  missing:    {_sorted(missing)}\n"
            f"  actual:     {_sorted(actual)}\n  expected:   {_sorted(expected)}")


def _sorted(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=lambda r: [(v is not None, str(v)) for v in r])


# -- running the engine --------------------------------------------------------------------------

def _csv_field(value: str | None, t: DataType) -> str:
    if t.is_string:
        if value is None:
            return NULL_LITERAL
        return '"' + value.replace('"', '""') + '"'
    return "" if value is None else value.strip()


def write_table_files(decl: TableDecl, directory: Path, rng: random.Random | None) -> None:
    """The rows as header-less CSV, in one file, or split in order over 1-3 files when ``rng`` is given."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = [",".join(_csv_field(v, t) for v, (_, t) in zip(row, decl.columns)) for row in decl.rows]
    pieces = 1 if rng is None or len(lines) < 2 else rng.randint(1, min(3, len(lines)))
    cuts = sorted(rng.sample(range(1, len(lines)), pieces - 1)) if pieces > 1 else []
    bounds = [0, *cuts, len(lines)]
    for i in range(pieces):
        chunk = lines[bounds[i]:bounds[i + 1]]
        (directory / f"part-{i}.csv").write_text("".join(line + "\n" for line in chunk))


def referenced_tables(case: Case) -> list[TableDecl]:
    words = {w.lower() for w in re.findall(r"\w+", case.sql)}
    return [t for name, t in case.tables.items() if name.lower() in words]


class ChangelogError(AssertionError):
    pass


def materialize(result, ordered: bool) -> list[tuple]:
    """Apply the changelog: +I/+U add a row, -U/-D remove one instance (which must be present)."""
    rows: list[tuple] = []
    counts: Counter = Counter()
    seen = 0
    for batch in result.change_batches():
        seen += batch.num_rows
        if seen > MAX_CHANGES:
            raise ChangelogError(f"more than {MAX_CHANGES} changes: a runaway result")
        kinds = batch.kind_array()
        columns = [c.to_pylist() for c in batch.table.columns]
        for i in range(batch.num_rows):
            row = tuple(hashable(col[i]) for col in columns)
            if kinds[i] in (0, 2):
                rows.append(row)
                counts[row] += 1
            else:
                if counts[row] <= 0:
                    sign = "-U" if kinds[i] == 1 else "-D"
                    raise ChangelogError(f"{sign} of a row not present: {row}; materialized so far: {_sorted(rows)}")
                counts[row] -= 1
                rows.remove(row)
    return rows


def start_engine(case: Case, tmp: Path, streaming: bool, max_rows: int, rng: random.Random | None):
    """Declare the tables over freshly written files and plan the query; the job runs when consumed."""
    settings = EnvironmentSettings.in_streaming_mode() if streaming else EnvironmentSettings.in_batch_mode()
    env = TableEnvironment.create(settings)
    env.get_config().set("flowsql.exec.batch.max-rows", str(max_rows))
    for key, value in case.options.items():
        env.get_config().set(key, value)
    for decl in referenced_tables(case):
        if decl.kinds is not None:
            _create_changelog_table(env, decl, max_rows if rng is not None else 0, case.seed)
            continue
        directory = tmp / decl.name
        write_table_files(decl, directory, rng)
        env.execute_sql(
            f"CREATE TABLE `{decl.name}` ({decl.columns_sql}) WITH ('connector' = 'filesystem', "
            f"'path' = '{directory}', 'format' = 'csv', 'csv.null-literal' = '{NULL_LITERAL}')")
    return env.execute_sql(case.sql)


def _create_changelog_table(env, decl: TableDecl, chunk_rows: int, seed: int) -> None:
    """A changelog table replays its rows with their kinds through the in-memory connector, in random
    chunks of at most ``chunk_rows`` rows when given."""
    import numpy as np
    from flowsql.connectors import memory

    table_id = memory.put(arrow_table(decl), np.array([_ROW_KINDS[k] for k in decl.kinds], dtype=np.int8))
    chunks = f", 'chunk.max-rows' = '{chunk_rows}', 'chunk.seed' = '{seed}'" if chunk_rows else ""
    env.execute_sql(f"CREATE TABLE `{decl.name}` ({decl.columns_sql}) WITH ('connector' = 'flowsql-memory', "
                    f"'table-id' = '{table_id}'{chunks})")


def run_engine(case: Case, tmp: Path, streaming: bool, max_rows: int,
               rng: random.Random | None) -> tuple[list[tuple], list[DataType]]:
    result = start_engine(case, tmp, streaming, max_rows, rng)
    return materialize(result, case.ordered), result.get_table_schema().get_field_data_types()


# -- the oracle -------------------------------------------------------------------------------------

def transpile(sql: str) -> Iterator[str]:
    """Candidate DuckDB spellings of a query, lazily: via our Flink dialect first, then Spark's and Hive's."""
    from flowsql.planner.parser import FlinkDialect

    seen = set()
    for read in (FlinkDialect, "spark", "hive"):
        try:
            candidate = sqlglot.transpile(sql, read=read, write="duckdb")[0]
        except (sqlglot.errors.SqlglotError, FlowSqlError):
            continue
        if candidate not in seen:
            seen.add(candidate)
            yield candidate
    if not seen:
        yield sql


@functools.lru_cache(maxsize=1)
def _duckdb() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB for all oracle queries (opening one costs ~40 ms); tables come and go."""
    con = duckdb.connect()
    con.execute("SET threads = 1")
    return con


def run_oracle(case: Case) -> list[tuple]:
    con = _duckdb()
    tables = referenced_tables(case) if case.oracle is None else list(case.tables.values())
    try:
        for decl in tables:
            table = arrow_table(decl)
            if decl.kinds is not None:  # the oracle sees each row's kind as a last column `op`
                table = table.append_column("op", pa.array(decl.kinds, pa.string()))
            con.register(decl.name, table)
        candidates = [case.oracle] if case.oracle is not None else transpile(case.sql)
        errors = []
        for sql in candidates:
            try:
                rows = con.execute(sql).fetchall()
            except duckdb.Error as e:
                errors.append(f"{sql}\n    -> {e}")
                continue
            return [tuple(hashable(v) for v in row) for row in rows]
        raise AssertionError("DuckDB oracle failed (add an 'oracle' or 'expect' section):\n  " + "\n  ".join(errors))
    finally:
        for decl in tables:
            con.unregister(decl.name)


def expected_rows(case: Case, types: list[DataType]) -> list[tuple]:
    """The ``expect`` rows typed by the engine's result columns."""
    rows = []
    for fields in case.expect:
        if len(fields) != len(types):
            raise GoldenFormatError(f"{case.id}: expect row {fields} has {len(fields)} fields, "
                                    f"the query returns {len(types)} columns")
        rows.append(tuple(hashable(typed_values([v], t)[0].as_py()) if not _is_nested(t) else v
                          for v, t in zip(fields, types)))
    return rows


def _is_nested(t: DataType) -> bool:
    return t.name in ("ARRAY", "MAP", "MULTISET", "ROW")


# -- one case -----------------------------------------------------------------------------------------

def runs(case: Case) -> list[tuple[str, bool, int, random.Random | None]]:
    """(label, streaming, max-rows, rng for file splitting) for every engine run the case asks for."""
    rng = random.Random(case.seed)
    small = rng.randint(1, 7)
    out = []
    if case.mode in ("batch", "both"):
        out.append(("batch", False, BIG_BATCH, None))
    if case.mode in ("streaming", "both"):
        out.append((f"streaming max-rows={small} split files", True, small, rng))
        out.append(("streaming one big batch", True, BIG_BATCH, None))
    return out


def check_case(case: Case, tmp: Path) -> None:
    failures = []
    if case.error is not None:
        for label, streaming, max_rows, rng in runs(case):
            try:
                run_engine(case, tmp / label.split()[0], streaming, max_rows, rng)
            except FlowSqlError as e:
                if case.error.lower() not in str(e).lower():
                    failures.append(f"[{label}] error without '{case.error}': {e}")
                elif e.line is None or e.column is None:
                    failures.append(f"[{label}] error has no line/column: {e}")
                elif case.error_at is not None and (e.line, e.column) != case.error_at:
                    failures.append(f"[{label}] error at {e.line}:{e.column}, expected at "
                                    f"{case.error_at[0]}:{case.error_at[1]}: {e}")
                continue
            except Exception as e:  # noqa: BLE001 - whatever the engine raises fails the case
                failures.append(f"[{label}] not a FlowSqlError: {type(e).__name__}: {e}")
                continue
            failures.append(f"[{label}] expected an error containing '{case.error}', the query succeeded")
        if failures:
            raise AssertionError(f"{case.id}\n{case.sql}\n" + "\n".join(failures))
        return

    reference: list[tuple] | None = None
    if case.expect is None:
        try:
            reference = run_oracle(case)
        except AssertionError as e:
            failures.append(str(e))
    # Plan every run here, then consume the streaming jobs on threads of their own: a job's end is
    # noticed by polling, and waiting for all of them at once keeps the suite fast.
    planned = []
    for index, (label, streaming, max_rows, rng) in enumerate(runs(case)):
        try:
            planned.append((label, start_engine(case, tmp / f"run{index}", streaming, max_rows, rng)))
        except Exception as e:  # noqa: BLE001 - whatever the engine raises fails the case
            failures.append(f"[{label}] failed: {type(e).__name__}: {e}")
    outcomes: dict[str, object] = {}

    def consume(label: str, result) -> None:
        try:
            outcomes[label] = materialize(result, case.ordered)
        except ChangelogError as e:
            outcomes[label] = f"[{label}] bad changelog: {e}"
        except Exception as e:  # noqa: BLE001 - whatever the engine raises fails the case
            outcomes[label] = f"[{label}] failed: {type(e).__name__}: {e}"

    threads = [threading.Thread(target=consume, args=run) for run in planned[1:]]
    for thread in threads:
        thread.start()
    if planned:
        consume(*planned[0])
    if case.expect is None:
        try:
            reference = run_oracle(case)
        except AssertionError as e:
            failures.append(str(e))
    for thread in threads:
        thread.join(timeout=120)
    for label, result in planned:
        outcome = outcomes.get(label, f"[{label}] did not finish within 120 s")
        if isinstance(outcome, str):
            failures.append(outcome)
            continue
        if case.expect is not None and reference is None:
            reference = expected_rows(case, result.get_table_schema().get_field_data_types())
        if reference is None:
            continue
        diff = compare(outcome, reference, case.ordered)
        if diff:
            failures.append(f"[{label}] {diff}")
    if failures:
        source = "expect" if case.expect is not None else "DuckDB"
        raise AssertionError(f"{case.id} (reference: {source})\n{case.sql}\n" + "\n".join(failures))
