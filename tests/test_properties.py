"""Algebraic laws of the runtime, checked on random data (hypothesis): any batching of the input
gives the same final result, equal to batch mode's and to DuckDB's."""

import random
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

from flowsql.common.types import parse_type
from golden.harness import Case, TableDecl, compare, run_engine, run_oracle

KEYS = st.sampled_from(["a", "b", "c", "", None])
VALUES = st.one_of(st.none(), st.integers(min_value=-5, max_value=5))
ROWS = st.lists(st.tuples(KEYS, VALUES), max_size=25)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _case(sql: str, rows: list[tuple]) -> Case:
    columns = [("k", parse_type("STRING")), ("x", parse_type("INT"))]
    texts = [[k, None if x is None else str(x)] for k, x in rows]
    return Case("properties", 0, sql, {"t": TableDecl("t", columns, texts, "k STRING, x INT")})


def _check_any_batching(sql: str, rows: list[tuple], max_rows: int, seed: int) -> None:
    case = _case(sql, rows)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        batch, _ = run_engine(case, tmp / "batch", False, 10_000, None)
        streamed, _ = run_engine(case, tmp / "streaming", True, max_rows, random.Random(seed))
    oracle = run_oracle(case)
    assert compare(batch, oracle, ordered=False) is None, compare(batch, oracle, ordered=False)
    assert compare(streamed, oracle, ordered=False) is None, compare(streamed, oracle, ordered=False)


GROUP_AGGREGATE = "SELECT k, COUNT(*), SUM(x), MIN(x), MAX(x), COUNT(DISTINCT x) FROM t GROUP BY k"
NESTED_AGGREGATE = ("SELECT cnt, COUNT(*), SUM(total), MIN(hi), MAX(hi) "
                    "FROM (SELECT k, COUNT(*) AS cnt, SUM(x) AS total, MAX(x) AS hi FROM t GROUP BY k) GROUP BY cnt")


@SETTINGS
@given(rows=ROWS, max_rows=st.integers(1, 7), seed=st.integers(0, 2**16))
def test_group_aggregate_independent_of_batching(rows, max_rows, seed):
    _check_any_batching(GROUP_AGGREGATE, rows, max_rows, seed)


@SETTINGS
@given(rows=ROWS, max_rows=st.integers(1, 7), seed=st.integers(0, 2**16))
def test_group_aggregate_without_distinct_independent_of_batching(rows, max_rows, seed):
    _check_any_batching("SELECT k, COUNT(*), SUM(x), MIN(x), MAX(x), COUNT(x) FROM t GROUP BY k", rows, max_rows, seed)


@SETTINGS
@given(rows=ROWS, max_rows=st.integers(1, 7), seed=st.integers(0, 2**16))
def test_aggregate_over_aggregate_independent_of_batching(rows, max_rows, seed):
    _check_any_batching(NESTED_AGGREGATE, rows, max_rows, seed)


@SETTINGS
@given(rows=ROWS, max_rows=st.integers(1, 7), seed=st.integers(0, 2**16))
def test_global_aggregate_over_aggregate_independent_of_batching(rows, max_rows, seed):
    _check_any_batching("SELECT COUNT(*), SUM(cnt), MIN(cnt), MAX(cnt) FROM (SELECT k, COUNT(*) AS cnt FROM t "
                        "WHERE x IS NOT NULL GROUP BY k)", rows, max_rows, seed)
