"""The Nexmark event stream as Arrow tables, generated a block at a time with NumPy.

Events are numbered from 0. Block ``b`` holds events ``b * BLOCK_EVENTS`` onwards and draws its
random numbers from its own generator seeded with (seed, b, kind), so a block's contents depend
only on the seed and its number: the stream is the same however it is polled, restored or
projected. The layout is Flink's nexmark table: ``event_type INT, person ROW<...>, auction
ROW<...>, bid ROW<...>, dateTime TIMESTAMP(3)``, a ROW being null where the event is of another
kind.

Persons and auctions (a few percent of the events) get their numbers compactly, one row per
event of the kind, then spread over the block's rows; bids (most events) get theirs over all the
block's rows at once, the values under null rows being ignored. Every kind's strings are a window
of records pre-built once per seed (``string_pools.py``): the block's string columns share the
pool's data buffers and only their offsets are computed, so no string is formatted or copied per
event (about 13 M events/s of all three ROWs on one core).

The value distributions follow the Beam/Flink generator (hot auctions, hot bidders and sellers,
ids within the in-flight window, prices 10^U(0,6) dollars in cents (in 65 536 steps), auction lengths around the
in-flight horizon, ``extra`` padding to the configured average sizes); the random numbers
themselves are NumPy's, not Java's, so the exact values differ from Flink's generator.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from flowsql.connectors.nexmark import string_pools, text
from flowsql.connectors.nexmark.config import (
    AUCTION,
    AUCTION_ID_LEAD,
    BID,
    FIRST_AUCTION_ID,
    FIRST_CATEGORY_ID,
    FIRST_PERSON_ID,
    HOT_AUCTION_GROUP,
    HOT_PERSON_GROUP,
    NUM_CATEGORIES,
    PERSON,
    PERSON_ID_LEAD,
    GeneratorConfig,
)

BLOCK_EVENTS = 1 << 15

TIMESTAMP = pa.timestamp("ms")
PERSON_TYPE = pa.struct([("id", pa.int64()), ("name", pa.string()), ("emailAddress", pa.string()),
                         ("creditCard", pa.string()), ("city", pa.string()), ("state", pa.string()),
                         ("dateTime", TIMESTAMP), ("extra", pa.string())])
AUCTION_TYPE = pa.struct([("id", pa.int64()), ("itemName", pa.string()), ("description", pa.string()),
                          ("initialBid", pa.int64()), ("reserve", pa.int64()), ("dateTime", TIMESTAMP),
                          ("expires", TIMESTAMP), ("seller", pa.int64()), ("category", pa.int64()),
                          ("extra", pa.string())])
BID_TYPE = pa.struct([("auction", pa.int64()), ("bidder", pa.int64()), ("price", pa.int64()),
                      ("channel", pa.string()), ("url", pa.string()), ("dateTime", TIMESTAMP),
                      ("extra", pa.string())])
EVENT_SCHEMA = pa.schema([("event_type", pa.int32()), ("person", PERSON_TYPE), ("auction", AUCTION_TYPE),
                          ("bid", BID_TYPE), ("dateTime", TIMESTAMP)])
KIND_COLUMNS = {"person": PERSON, "auction": AUCTION, "bid": BID}
_TYPES = {PERSON: PERSON_TYPE, AUCTION: AUCTION_TYPE, BID: BID_TYPE}


class NexmarkGenerator:
    """Blocks of the event stream for one configuration."""

    def __init__(self, config: GeneratorConfig) -> None:
        self.config = config
        proportions = {PERSON: config.person_proportion, AUCTION: config.auction_proportion,
                       BID: config.bid_proportion}
        # At most this many events of a kind fall in one block (disorder moves a few across).
        self._per_block = {kind: (BLOCK_EVENTS // max(1, config.total_proportion) + 2) * p
                           + config.out_of_order_group_size for kind, p in proportions.items()}
        self._average_sizes = {PERSON: config.person_avg_size, AUCTION: config.auction_avg_size,
                               BID: config.bid_avg_size}
        self._pools = {PERSON: string_pools.person_pool, AUCTION: string_pools.auction_pool,
                       BID: string_pools.bid_pool}

    def block(self, number: int, columns: tuple[str, ...] = tuple(EVENT_SCHEMA.names)) -> pa.Table:
        """Block ``number`` with the named columns of ``EVENT_SCHEMA`` (others are not generated)."""
        c = self.config
        start = number * BLOCK_EVENTS
        size = BLOCK_EVENTS if c.events_num is None else max(0, min(BLOCK_EVENTS, c.events_num - start))
        ids = c.adjusted_numbers(np.arange(start, start + size, dtype=np.int64))
        kinds = c.event_kinds(ids)
        times = c.timestamps_ms(ids)
        arrays = []
        for name in columns:
            if name == "event_type":
                arrays.append(pa.array(kinds, pa.int32()))
            elif name == "dateTime":
                arrays.append(pa.Array.from_buffers(TIMESTAMP, len(times), [None, pa.py_buffer(times)]))
            else:
                kind = KIND_COLUMNS[name]
                rng = np.random.default_rng([c.seed, number, kind])
                arrays.append(self._kind_column(kind, rng, ids, kinds, times))
        return pa.Table.from_arrays(arrays, schema=pa.schema([EVENT_SCHEMA.field(n) for n in columns]))

    def _kind_column(self, kind: int, rng: np.random.Generator, ids: np.ndarray, kinds: np.ndarray,
                     times: np.ndarray) -> pa.Array:
        spread = _Spreader(kinds == kind)
        if kind == BID:
            values = self._bids(rng, ids, spread)
        else:
            make = self._persons if kind == PERSON else self._auctions
            values = spread.compact_integers(make(rng, ids[spread.positions], times[spread.positions]))
        c = self.config
        pool = self._pools[kind](c.seed, self._average_sizes[kind], self._per_block[kind])
        values.update(pool.window(int(rng.integers(0, pool.size - spread.count + 1)), spread))
        values["dateTime"] = times
        children = [spread.wrap(values[f.name], f.type) for f in _TYPES[kind]]
        return pa.StructArray.from_buffers(_TYPES[kind], len(ids), [spread.validity], children=children)

    # -- the numbers of persons and auctions, compact (one row per event of the kind) -------------

    def _persons(self, rng: np.random.Generator, ids: np.ndarray, times: np.ndarray) -> dict:
        return {"id": self.config.last_person_id(ids) + FIRST_PERSON_ID}

    def _auctions(self, rng: np.random.Generator, ids: np.ndarray, times: np.ndarray) -> dict:
        c, n = self.config, len(ids)
        fields = rng.bit_generator.random_raw(n).view(np.uint16).reshape(n, 4)
        hot = fields[:, 0] >= (1 << 16) // c.hot_seller_ratio  # hot with chance 1 - 1/ratio
        people = c.last_person_id(ids) + 1
        seller = np.where(hot, ((people - 1) // HOT_PERSON_GROUP) * HOT_PERSON_GROUP,
                          _any_person(c, people, fields[:, 1]))
        initial = _prices(fields[:, 2])
        horizon = c.timestamps_ms(ids + c.auction_horizon_events()) - times
        expires = times + 1 + (rng.random(n) * np.maximum(horizon * 2, 1)).astype(np.int64)
        return {"id": c.last_auction_id(ids) + FIRST_AUCTION_ID, "initialBid": initial,
                "reserve": initial + _prices(fields[:, 3]), "expires": expires, "seller": seller + FIRST_PERSON_ID,
                "category": FIRST_CATEGORY_ID + rng.integers(0, NUM_CATEGORIES, n)}

    # -- the numbers of bids, over all the block's rows --------------------------------------------

    def _bids(self, rng: np.random.Generator, ids: np.ndarray, spread: _Spreader) -> dict:
        """The bid numbers for every row of the block (only bid rows are valid), from one 64-bit
        draw a row cut into four 16-bit fields, plus 16 bits for the price: a draw per field costs
        several times as much. What depends on the event number only through its epoch (the
        latest person and auction, the hot ones, the range of recent ones) is computed once per
        epoch and gathered, which halves the passes over the block."""
        c, n = self.config, len(ids)
        if n == 0:
            return {name: np.zeros(0, np.int64) for name in ("auction", "bidder", "price")}
        g, total = c.out_of_order_group_size, c.total_proportion
        first_epoch = max(0, int(ids[0]) - g + 1) // total  # disorder moves ids less than a group
        epochs = np.arange(first_epoch, (int(ids[-1]) + g - 1) // total + 1, dtype=np.int64)
        # A bid's latest person and auction are the last of its own epoch (config.last_*_id).
        last_auction = epochs * c.auction_proportion + (c.auction_proportion - 1)
        people = epochs * c.person_proportion + c.person_proportion
        low = np.maximum(last_auction - c.in_flight_auctions, 0)
        auction_span = last_auction - low + (1 + AUCTION_ID_LEAD)
        low += FIRST_AUCTION_ID
        hot_auction = (last_auction // HOT_AUCTION_GROUP) * HOT_AUCTION_GROUP + FIRST_AUCTION_ID
        active = np.minimum(people, c.active_people)
        any_person_low, person_span = people - active + FIRST_PERSON_ID, active + PERSON_ID_LEAD
        hot_bidder = ((people - 1) // HOT_PERSON_GROUP) * HOT_PERSON_GROUP + 1 + FIRST_PERSON_ID

        epoch = ids // total
        epoch -= first_epoch
        fields = rng.bit_generator.random_raw(n).view(np.uint16).reshape(n, 4)
        recent = low[epoch]
        recent += (fields[:, 2] * auction_span[epoch]) >> 16
        auction = np.where(fields[:, 0] >= (1 << 16) // c.hot_auction_ratio, hot_auction[epoch], recent)
        any_person = any_person_low[epoch]
        any_person += (fields[:, 3] * person_span[epoch]) >> 16
        bidder = np.where(fields[:, 1] >= (1 << 16) // c.hot_bidder_ratio, hot_bidder[epoch], any_person)
        price_bits = rng.bit_generator.random_raw(n // 4 + 1).view(np.uint16)[:n]
        return {"auction": auction, "bidder": bidder, "price": _prices(price_bits)}


def _any_person(config: GeneratorConfig, people: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """A random active person among the last ``active_people`` of the ``people`` generated so far,
    or one of the next few not generated yet (Beam's lead); ``bits`` are 16 uniform bits a row."""
    active = np.minimum(people, config.active_people)
    return people - active + ((bits * (active + PERSON_ID_LEAD)) >> 16)


class _Spreader:
    """Lays a kind's columns over all rows of the block (null where the event is another kind).

    Row ``i`` of the block takes the value of the kind's row ``k`` when ``k`` rows of the kind
    precede it, so a column in full is its compact values repeated ``counts`` times: a string
    column's offsets become the full column's offsets (rows of other kinds get empty strings, the
    data buffer is reused as is). ``np.repeat`` of a contiguous run is several times cheaper than
    gathering at an index a row."""

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask
        self.validity = pa.py_buffer(np.packbits(mask, bitorder="little"))
        self.positions = np.flatnonzero(mask)
        self.count = len(self.positions)
        edges = np.empty(self.count + 2, dtype=np.int64)
        edges[0], edges[-1] = -1, len(mask)
        edges[1:-1] = self.positions
        self.counts = np.diff(edges)  # for offsets: n + 1 entries from m + 1 compact ones
        self.value_counts = self.counts.copy()  # for values: n entries (the last offset has no row)
        self.value_counts[-1] -= 1

    def offsets(self, compact_offsets: np.ndarray) -> np.ndarray:
        """The full column's offsets from the compact column's (``count + 1`` of them)."""
        return np.repeat(compact_offsets, self.counts, axis=-1)

    def compact_integers(self, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Integer columns with one value per row of the kind, in full: stacked and repeated in
        one call."""
        stacked = np.zeros((len(columns), self.count + 1), dtype=np.int64)
        for row, values in enumerate(columns.values()):
            stacked[row, :-1] = values
        return dict(zip(columns, np.repeat(stacked, self.value_counts, axis=1)))

    def wrap(self, values: np.ndarray | tuple, type: pa.DataType) -> pa.Array:
        n = len(self.mask)
        if isinstance(values, tuple):
            offsets, data = values
            return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), data, self.validity)
        return pa.Array.from_buffers(type, n, [self.validity, pa.py_buffer(values)])


def _prices(bits: np.ndarray) -> np.ndarray:
    """Prices in cents, 10^U(0, 6) dollars (most are small, a few are huge), from 16 uniform bits."""
    return text.price_table()[bits]
