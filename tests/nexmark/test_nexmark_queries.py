"""Every Nexmark query (nexmark/queries) on a small generated stream, in streaming mode (small
micro-batches) and batch mode, compared with the DuckDB batch equivalent (nexmark/duckdb) where
one exists. See nexmark/engines.py for how results are materialized and compared."""

import sys
from pathlib import Path

import pyarrow.compute as pc
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nexmark import engines

EVENTS = 30_000
SEED = 11
# Orderings with ties (equal times or prices) are settled by arrival order in a stream but
# arbitrarily by a batch ROW_NUMBER: in batch mode compare only the columns the ties cannot change.
TIE_FREE_COLUMNS = {"q18": ["auction", "bidder", "dateTime"], "q19": ["auction", "price", "rank_number"]}
STREAMING_XFAIL = {"q6": "needs OVER windows over an updating input (Flink cannot run q6 either)"}


@pytest.fixture(scope="module")
def duckdb_con():
    return engines.duckdb_connection(engines.event_tables(EVENTS, SEED))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("nexmark")


def _params():
    for name in engines.QUERIES:
        for mode in ("streaming", "batch"):
            marks = []
            if mode == "streaming" and name in STREAMING_XFAIL:
                marks.append(pytest.mark.xfail(strict=True, reason=STREAMING_XFAIL[name]))
            yield pytest.param(name, mode, marks=marks, id=f"{name}-{mode}")


@pytest.mark.parametrize("name,mode", list(_params()))
def test_query(name, mode, duckdb_con, workdir):
    collect = name != "q10"
    run = engines.run_flowsql(name, EVENTS, workdir / mode, mode=mode, seed=SEED, collect=collect, max_rows=997)
    bids = duckdb_con.execute("SELECT count(*) FROM bid").fetchall()[0][0]
    if name == "q10":  # the partitioned file sink: every bid written once
        files = list((workdir / mode / "output" / "q10").rglob("*"))
        lines = sum(len(f.read_text().splitlines()) for f in files if f.is_file() and not f.name.startswith("."))
        assert lines == bids
        return
    result = run.result
    if name == "q12":  # processing-time windows: how bids fall into windows depends on the clock
        assert pc.sum(result.column("bid_count")).as_py() == bids
        return
    expected = engines.run_duckdb(name, duckdb_con)
    if expected is None:  # q6: one average per winning bid, as many as q9's winners
        assert result.num_rows == engines.run_duckdb("q9", duckdb_con).rows
        return
    assert result.num_rows > 0
    if mode == "batch" and name in TIE_FREE_COLUMNS:
        columns = TIE_FREE_COLUMNS[name]
        positions = [result.schema.names.index(c) for c in columns]
        result = result.select(columns)
        expected = expected.result.select(positions).rename_columns(columns)
    else:
        expected = expected.result
    assert engines.difference(result, expected) is None
