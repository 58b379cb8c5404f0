"""The nexmark generator and connector: determinism, the benchmark's proportions and id relations,
bounded disorder, replay from a position, pacing by the job clock, Parquet round trip."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from flowsql.common.config import Config
from flowsql.common.connector import ConnectorContext
from flowsql.common.errors import ConnectorError
from flowsql.common.types import parse_type
from flowsql.connectors import find_factory
from flowsql.connectors.nexmark.config import FIRST_AUCTION_ID, FIRST_PERSON_ID, GeneratorConfig
from flowsql.connectors.nexmark.generator import BLOCK_EVENTS, EVENT_SCHEMA, NexmarkGenerator
from flowsql.connectors.nexmark.parquet import flat_tables, write_parquet
from flowsql.exec.clock import ManualClock


def events(config: GeneratorConfig, blocks: int = 2) -> pa.Table:
    generator = NexmarkGenerator(config)
    return pa.concat_tables([generator.block(b) for b in range(blocks)])


def flat(table: pa.Table) -> dict[str, pa.Table]:
    return flat_tables(table.combine_chunks())


def source(options: dict[str, str], columns=None):
    from flowsql.common.connector import Column

    columns = columns or [Column(f.name, parse_type(_sql(f.type))) for f in EVENT_SCHEMA]
    context = ConnectorContext("`nexmark`", columns, {"connector": "nexmark", **options}, Config())
    return find_factory("nexmark", "nexmark").create_source(context)


def _sql(t: pa.DataType) -> str:
    if pa.types.is_struct(t):
        return "ROW<" + ", ".join(f"{f.name} {_sql(f.type)}" for f in t) + ">"
    return {pa.int32(): "INT", pa.int64(): "BIGINT", pa.string(): "STRING"}.get(t, "TIMESTAMP(3)")


def drain(reader, max_rows: int) -> pa.Table:
    parts = []
    while not reader.finished:
        batch = reader.poll(max_rows)
        if batch is not None:
            parts.append(batch.table)
    return pa.concat_tables(parts)


def test_same_seed_same_stream_other_seed_other_stream():
    a, b = events(GeneratorConfig(seed=5)), events(GeneratorConfig(seed=5))
    assert a.equals(b)
    assert not a.equals(events(GeneratorConfig(seed=6)))
    a.validate(full=True)


def test_proportions_are_1_3_46():
    table = events(GeneratorConfig(), blocks=1)
    kinds = np.asarray(table.column("event_type"))
    counts = np.bincount(kinds, minlength=3)
    assert counts[0] * 3 == pytest.approx(counts[1], abs=3)
    assert counts[0] * 46 == pytest.approx(counts[2], abs=46)
    assert np.array_equal(kinds[:50], [0, 1, 1, 1] + [2] * 46)
    # the ROW of the event's kind is set, the others are null
    for kind, name in enumerate(("person", "auction", "bid")):
        valid = np.asarray(table.column(name).is_valid())
        assert np.array_equal(valid, kinds == kind)


def test_ids_refer_to_persons_and_auctions_generated_so_far_or_just_ahead():
    tables = flat(events(GeneratorConfig(seed=2)))
    persons, auctions, bids = tables["person"], tables["auction"], tables["bid"]
    person_ids = np.asarray(persons.column("id"))
    auction_ids = np.asarray(auctions.column("id"))
    assert np.array_equal(person_ids, np.arange(FIRST_PERSON_ID, FIRST_PERSON_ID + len(person_ids)))
    assert np.array_equal(auction_ids, np.arange(FIRST_AUCTION_ID, FIRST_AUCTION_ID + len(auction_ids)))
    lead = 10
    for column, ids in ((bids.column("bidder"), person_ids), (auctions.column("seller"), person_ids),
                        (bids.column("auction"), auction_ids)):
        values = np.asarray(column)
        assert values.min() >= ids.min() and values.max() <= ids.max() + lead
        assert np.isin(values, ids).mean() > 0.99
    # hot auctions and hot bidders: a few ids get a large share of the bids
    top = np.sort(np.bincount(np.asarray(bids.column("auction"))))[::-1]
    assert top[: len(top) // 100 + 1].sum() > 0.4 * bids.num_rows
    assert pc.all(pc.greater_equal(auctions.column("reserve"), auctions.column("initialBid"))).as_py()
    assert pc.all(pc.greater(auctions.column("expires"), auctions.column("dateTime"))).as_py()
    assert set(pc.unique(auctions.column("category")).to_pylist()) <= {10, 11, 12, 13, 14}


def test_sizes_follow_the_configured_averages():
    tables = flat(events(GeneratorConfig(bid_avg_size=300)))
    extra = pc.utf8_length(tables["bid"].column("extra"))
    assert 240 <= pc.mean(extra).as_py() <= 300


def test_event_times_follow_the_rate_and_stay_within_the_disorder_bound():
    group = 20
    config = GeneratorConfig(first_event_rate=1000, next_event_rate=1000, out_of_order_group_size=group)
    times = np.asarray(events(config).column("dateTime").cast(pa.int64()))
    order = np.arange(len(times))
    expected = config.base_time_ms + order  # one event a millisecond at 1000 events/s
    assert np.abs(times - expected).max() < group
    assert (np.diff(times) < 0).any()  # out of order, but by less than a group's span
    running_max = np.maximum.accumulate(times)
    assert (running_max - times).max() < group


def test_polling_in_any_sizes_gives_the_same_stream():
    full = drain(source({"events.num": "70000", "seed": "3"}).create_reader(), 100_000)
    assert full.num_rows == 70000
    assert drain(source({"events.num": "70000", "seed": "3"}).create_reader(), 777).equals(full)
    assert full.equals(events(GeneratorConfig(seed=3, events_num=70000), blocks=3))


def test_snapshot_and_restore_position_replays_exactly():
    reader = source({"events.num": "50000", "seed": "1"}).create_reader()
    reader.poll(12345)
    position = reader.snapshot_position()
    rest = drain(reader, 4000)
    other = source({"events.num": "50000", "seed": "1"}).create_reader()
    other.restore_position(position)
    assert drain(other, 9999).equals(rest)


def test_a_rate_limited_source_follows_the_job_clock():
    reader = source({"events.num": "100000", "next-event.rate": "1000", "first-event.rate": "1000"}).create_reader()
    clock = ManualClock(0)
    reader.use_clock(clock)
    first = reader.poll(10_000)
    assert first is not None and first.num_rows == 1  # event 0 is due at once
    assert reader.poll(10_000) is None
    clock.advance(500)
    assert reader.poll(10_000).num_rows == 500


def test_projection_and_declared_row_subset():
    from flowsql.common.connector import Column

    columns = [Column("event_type", parse_type("INT")),
               Column("bid", parse_type("ROW<auction BIGINT, price BIGINT>"))]
    table = drain(source({"events.num": "1000"}, columns).create_reader(), 1000)
    assert table.schema.field("bid").type == pa.struct([("auction", pa.int64()), ("price", pa.int64())])
    assert table.num_rows == 1000


def test_errors_name_the_option_or_column():
    with pytest.raises(ConnectorError, match="Unsupported options found for 'nexmark': 'events.number'"):
        source({"events.number": "10"})
    with pytest.raises(ConnectorError, match="must be an integer"):
        source({"events.num": "many"})
    from flowsql.common.connector import Column

    with pytest.raises(ConnectorError, match="no field 'color'"):
        source({}, [Column("bid", parse_type("ROW<color STRING>"))])
    with pytest.raises(ConnectorError, match="no column 'price'"):
        source({}, [Column("price", parse_type("BIGINT"))])


def test_parquet_round_trip(tmp_path):
    config = GeneratorConfig(seed=9, events_num=BLOCK_EVENTS + 500)
    paths = write_parquet(config, tmp_path)
    expected = flat(events(config, blocks=2))
    for name, path in paths.items():
        assert pq.read_table(path).equals(expected[name].combine_chunks())
    assert sum(pq.read_metadata(p).num_rows for p in paths.values()) == config.events_num


def test_a_kind_is_the_same_whether_or_not_other_columns_are_generated():
    generator = NexmarkGenerator(GeneratorConfig(seed=8))
    full = generator.block(3)
    for name in ("person", "auction", "bid"):
        assert generator.block(3, (name,)).column(name).equals(full.column(name))


def test_bid_strings_cover_every_channel_and_half_go_to_the_hot_ones():
    bids = flat(events(GeneratorConfig(seed=1), blocks=12))["bid"]
    channels = bids.column("channel")
    assert pc.count_distinct(channels).as_py() > 0.99 * 10_004
    hot = pc.is_in(channels, pa.array(["Google", "Facebook", "Baidu", "Apple"]))
    assert 0.45 < pc.mean(hot.cast(pa.int8())).as_py() < 0.55
    # each channel keeps its URL; nine in ten plain channels carry a channel_id
    pairs = pa.table({"c": channels, "u": bids.column("url")}).group_by("c").aggregate([("u", "count_distinct")])
    assert pc.max(pairs.column("u_count_distinct")).as_py() == 1
    plain_urls = bids.column("url").filter(pc.invert(hot))
    with_id = pc.match_substring(plain_urls, "&channel_id=").cast(pa.int8())
    assert 0.85 < pc.mean(with_id).as_py() < 0.95


def test_very_small_and_unusual_streams_are_valid():
    for config in (GeneratorConfig(events_num=1), GeneratorConfig(events_num=0),
                   GeneratorConfig(person_proportion=5, auction_proportion=40, bid_proportion=5,
                                   auction_avg_size=3000, out_of_order_group_size=37),
                   GeneratorConfig(person_proportion=1, auction_proportion=0, bid_proportion=0, person_avg_size=0)):
        generator = NexmarkGenerator(config)
        for number in range(3):
            generator.block(number).validate(full=True)
    assert NexmarkGenerator(GeneratorConfig(events_num=1)).block(0).num_rows == 1
