"""End to end: optimization never changes a query's result (NULLs and outer joins included),
and projection push-down reaches a Parquet source."""

from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from flowsql.common.rowkind import RowKind
from flowsql.planner import optimizer
from flowsql.table import EnvironmentSettings, TableEnvironment

T_ROWS = {
    "a": [1, 2, None, 4, 2, None],
    "b": ["x", None, "y", "x", "z", None],
    "c": [10, 20, 30, None, 50, 60],
    "d": [1.5, None, 2.5, 3.5, 4.5, 5.5],
    "f": [True, False, None, True, False, True],
}
U_ROWS = {"k": [1, 2, 2, None, 7], "e": ["p", None, "q", "r", "s"]}
ARROW_TYPES = {"a": pa.int32(), "k": pa.int32(), "c": pa.int64(), "d": pa.float64(), "f": pa.bool_()}


def _env(tmp_path, batch: bool) -> TableEnvironment:
    settings = EnvironmentSettings.in_batch_mode() if batch else EnvironmentSettings.in_streaming_mode()
    env = TableEnvironment.create(settings)
    for name, rows, ddl in [("t", T_ROWS, "a INT, b STRING, c BIGINT, d DOUBLE, f BOOLEAN"),
                            ("u", U_ROWS, "k INT, e STRING")]:
        path = tmp_path / f"{name}.parquet"
        if not path.exists():
            schema = pa.schema([pa.field(k, ARROW_TYPES.get(k, pa.string())) for k in rows])
            pq.write_table(pa.table(rows, schema=schema), path)
        env.execute_sql(f"CREATE TABLE {name} ({ddl}) WITH ('connector'='filesystem', 'path'='{path}', "
                        "'format'='parquet')")
    return env


def _final_rows(result) -> Counter:
    rows: Counter = Counter()
    for row in result.collect():
        kind = row.get_row_kind()
        if kind in (RowKind.INSERT, RowKind.UPDATE_AFTER):
            rows[tuple(row)] += 1
        else:
            rows[tuple(row)] -= 1
    return +rows


def _results(tmp_path, sql: str, batch: bool, monkeypatch) -> tuple[Counter, Counter]:
    optimized = _final_rows(_env(tmp_path, batch).execute_sql(sql))
    with monkeypatch.context() as m:
        m.setattr(optimizer, "PHASES", [])
        plain = _final_rows(_env(tmp_path, batch).execute_sql(sql))
    return optimized, plain


QUERIES = [
    "SELECT a, b FROM t WHERE a > 1 OR b IS NULL",
    "SELECT a, c FROM t WHERE NOT (a > 1) OR (c IS NULL AND TRUE)",
    "SELECT a FROM t WHERE f OR CAST(NULL AS BOOLEAN)",
    "SELECT a FROM t WHERE f AND 1 = 1 AND a IS NOT NULL",
    "SELECT b, count(*), sum(c) FROM t WHERE a IS NOT NULL AND 1 = 1 GROUP BY b HAVING b <> 'x' OR b IS NULL",
    "SELECT count(*) FROM t WHERE 1 = 0",
    "SELECT count(*), count(b) FROM t",
    "SELECT * FROM (SELECT a, b FROM t UNION ALL SELECT k, e FROM u) WHERE a > 1 OR b IS NULL",
    "SELECT a, CASE WHEN a > 2 THEN 'big' WHEN CAST(NULL AS BOOLEAN) THEN 'never' ELSE 'small' END FROM t",
    "SELECT x + 1, x * 2 FROM (SELECT a + c AS x FROM t) WHERE x > 10",
]

JOIN_QUERIES = [
    "SELECT t.a, u.e FROM t LEFT JOIN u ON t.a = u.k WHERE u.e IS NULL AND t.b = 'x'",
    "SELECT t.a, u.e FROM t LEFT JOIN u ON t.a = u.k AND u.e = 'q' AND t.b IS NOT NULL",
    "SELECT t.a, u.k FROM t RIGHT JOIN u ON t.a = u.k WHERE t.b IS NULL OR u.e > 'p'",
    "SELECT t.a, u.k FROM t FULL JOIN u ON t.a = u.k WHERE t.a > 1 OR u.k IS NULL",
    "SELECT t.a, u.e FROM t, u WHERE t.a = u.k AND t.c > 10 AND u.e <> 'p'",
]


@pytest.mark.parametrize("batch", [False, True], ids=["streaming", "batch"])
@pytest.mark.parametrize("sql", QUERIES)
def test_optimizer_preserves_results(tmp_path, monkeypatch, sql, batch):
    optimized, plain = _results(tmp_path, sql, batch, monkeypatch)
    assert optimized == plain


@pytest.mark.parametrize("sql", JOIN_QUERIES)
def test_optimizer_preserves_join_results(tmp_path, monkeypatch, sql):
    optimized, plain = _results(tmp_path, sql, True, monkeypatch)
    assert optimized == plain and plain


def test_parquet_scan_reads_only_the_used_column(tmp_path):
    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({n: list(range(10)) for n in ["v", "w", "x", "y", "z"]}), path)
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.execute_sql(f"CREATE TABLE wide (v BIGINT, w BIGINT, x BIGINT, y BIGINT, z BIGINT) "
                    f"WITH ('connector'='filesystem', 'path'='{path}', 'format'='parquet')")
    plan = env.explain_sql("SELECT x * 2 FROM wide WHERE x > 3")
    scans = [line for line in plan.splitlines() if "TableSourceScan" in line]
    assert scans and all("fields=[x]" in line and "filter=[x > 3]" in line for line in scans)
    rows = sorted(r[0] for r in env.execute_sql("SELECT x * 2 FROM wide WHERE x > 3").collect())
    assert rows == [8, 10, 12, 14, 16, 18]
