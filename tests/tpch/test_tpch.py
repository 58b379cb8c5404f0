"""All 22 TPC-H queries in batch, streaming (random interleaved chunks) and incremental-refresh
mode, each compared with DuckDB's answer on the same data (see ``tpch/run.py``).

Runs at scale factor ``FLOWSQL_TPCH_SF`` (default 0.01). Data comes from ``tpchgen-cli``; without
it the tests are skipped.
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tpch"))

import run as tpch

SF = float(os.environ.get("FLOWSQL_TPCH_SF", "0.01"))

pytestmark = [pytest.mark.tpch]  # needs tpchgen-cli (a test dependency) or cached data


@pytest.fixture(scope="module")
def tables():
    return tpch.load(SF)


@pytest.fixture(scope="module")
def refresh(tables):
    return tpch.make_refresh(tables)


@pytest.mark.parametrize("mode", tpch.MODES)
@pytest.mark.parametrize("query", range(1, 23))
def test_tpch(tables, refresh, query, mode):
    outcome = tpch.run_query(tables, query, mode, seed=query, chunk_rows=2000, refresh=refresh)
    assert outcome.error is None, f"Q{query} {mode}: {outcome.error}"


@pytest.mark.parametrize("query", [3, 18, 21])
def test_refresh_after_a_paused_initial_load(tables, refresh, query):
    """The benchmark times a refresh by pausing every stream after the initial load until all have
    delivered it (``pause.group``): the answer is still DuckDB's on the refreshed data."""
    from flowsql.connectors import memory

    group = f"test-tpch-pause-q{query}"
    env = tpch.make_env(tpch.changelogs(tables, refresh), "streaming", query, 2000, pause_group=group,
                        pause_at={name: table.num_rows for name, table in tables.items()})
    actual, _ = tpch.run_flowsql(env, query)
    assert tpch.compare(actual, tpch.run_duckdb(tpch.refreshed(tables, refresh), query)) is None
    assert memory.resumed_at(group) is not None
