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
