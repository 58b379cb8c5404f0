"""The benchmark runner's parts that need no PyFlink: the events as PyFlink reads them (flat CSV)
equal flowsql's stream, the Flink statements, and the sink's row count (once, not twice)."""

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flowsql.connectors.nexmark.config import GeneratorConfig
from flowsql.connectors.nexmark.generator import NexmarkGenerator
from flowsql.connectors.nexmark.parquet import flat_tables

from nexmark import engines, pyflink_runner

EVENTS = 40_000  # more than one block


def test_the_csv_for_pyflink_holds_the_same_events(tmp_path):
    path = pyflink_runner.write_events_csv(EVENTS, 4, tmp_path / "events.csv")
    columns = pyflink_runner.flat_columns()
    read = pa_csv.read_csv(path, read_options=pa_csv.ReadOptions(column_names=[n for n, _ in columns]),
                           convert_options=pa_csv.ConvertOptions(column_types=dict(columns)))
    assert read.num_rows == EVENTS
    generator = NexmarkGenerator(GeneratorConfig(seed=4, events_num=EVENTS))
    expected = flat_tables(pa.concat_tables([generator.block(0), generator.block(1)]).combine_chunks())
    for event_type, kind in enumerate(("person", "auction", "bid")):
        rows = read.filter(pc.equal(read.column("event_type"), event_type))
        for field in expected[kind].schema.names:
            column = rows.column("dateTime" if field == "dateTime" else f"{kind}_{field}")
            assert column.combine_chunks().equals(expected[kind].column(field).combine_chunks()), (kind, field)


def test_flink_statements():
    table, *views = pyflink_runner.source_statements(Path("/data/events.csv"))
    assert "WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND" in table
    assert "'path' = '/data/events.csv'" in table and "`bid_channel` STRING" in table
    assert [v.split()[2] for v in views] == ["person", "auction", "bid"]
    assert "`auction_expires` AS `expires`" in views[1] and views[2].endswith("WHERE event_type = 2")
    # Flink 2 reserves DATETIME; quoted names and longer names stay as they are
    assert (pyflink_runner.flink_statement("SELECT B.dateTime, bid_dateTime, `dateTime` FROM bid")
            == "SELECT B.`dateTime`, bid_dateTime, `dateTime` FROM bid")


def test_the_runner_counts_each_sink_row_once(tmp_path):
    # q1 passes every bid through: 46 of every 50 events
    assert engines.run_flowsql("q1", 5_000, tmp_path / "q1").rows == 5_000 * 46 // 50
    collected = engines.run_flowsql("q3", 5_000, tmp_path / "q3c", collect=True)
    assert engines.run_flowsql("q3", 5_000, tmp_path / "q3").rows == collected.rows > 0
