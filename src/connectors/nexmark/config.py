"""The Nexmark generator's configuration and its arithmetic over event numbers, vectorized.

Everything here is a pure function of the event number, as in the Beam/Flink generator: which kind
of event a number is (person, auction or bid, by proportion: 1 : 3 : 46 of every 50 by default),
its event time, and the ids of the latest person and auction generated before it. Working on whole
NumPy arrays of event numbers keeps the generator free of per-event Python.

>>> c = GeneratorConfig()
>>> c.event_kinds(np.arange(5)).tolist()        # 0 person, 1 auction, 2 bid
[0, 1, 1, 1, 2]
>>> c.last_person_id(np.array([0, 49, 50])).tolist()
[0, 0, 1]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PERSON, AUCTION, BID = 0, 1, 2

FIRST_PERSON_ID = 1000  # ids start high so joins on small streams still find matches
FIRST_AUCTION_ID = 1000
FIRST_CATEGORY_ID = 10
NUM_CATEGORIES = 5
PERSON_ID_LEAD = 10  # bids and auctions may name a person up to this many ids ahead
AUCTION_ID_LEAD = 10
HOT_AUCTION_GROUP = 100  # a hot auction is the first of the last 100 auctions
HOT_PERSON_GROUP = 100  # hot sellers are the first, hot bidders the second, of the last 100 people
BASE_TIME_MS = 1436918400000  # 2015-07-15 00:00:00 UTC, Beam's Nexmark base time


@dataclass(frozen=True)
class GeneratorConfig:
    """What shapes the stream. Rates are in events per second of *event time*; whether the reader
    also waits for the wall clock is the source's business (``rate.limited``)."""

    seed: int = 0
    events_num: int | None = None  # None: unbounded
    first_event_rate: int = 10_000
    next_event_rate: int = 10_000
    rate_period_s: int = 600  # square rate shape: first half of each period at the first rate
    person_proportion: int = 1
    auction_proportion: int = 3
    bid_proportion: int = 46
    person_avg_size: int = 200
    auction_avg_size: int = 500
    bid_avg_size: int = 100
    active_people: int = 1000
    in_flight_auctions: int = 100
    hot_auction_ratio: int = 2
    hot_bidder_ratio: int = 4
    hot_seller_ratio: int = 4
    out_of_order_group_size: int = 1  # events are shuffled within groups this large
    base_time_ms: int = BASE_TIME_MS

    @property
    def total_proportion(self) -> int:
        return self.person_proportion + self.auction_proportion + self.bid_proportion

    def adjusted_numbers(self, numbers: np.ndarray) -> np.ndarray:
        """The event number each position carries: a fixed permutation within each out-of-order
        group, so event times are out of order by less than one group's span."""
        g = self.out_of_order_group_size
        if g <= 1:
            return numbers
        return (numbers // g) * g + (numbers * 953) % g

    def event_kinds(self, ids: np.ndarray) -> np.ndarray:
        p, a, total = self.person_proportion, self.auction_proportion, self.total_proportion
        pattern = np.array([PERSON] * p + [AUCTION] * a + [BID] * self.bid_proportion, dtype=np.int32)
        # ids - (ids // total) * total: NumPy's int64 % is about twice as slow
        return np.take(pattern, ids - (ids // total) * total)

    def timestamps_ms(self, ids: np.ndarray) -> np.ndarray:
        """Event time of each event number: the configured inter-event delay, alternating between
        the first and the next rate every half ``rate.period`` when they differ."""
        first_us = 1_000_000 // self.first_event_rate
        if self.first_event_rate == self.next_event_rate:
            return self.base_time_ms + (ids * first_us) // 1000
        next_us = 1_000_000 // self.next_event_rate
        half_us = max(1, self.rate_period_s * 1_000_000 // 2)
        first_events, next_events = max(1, half_us // first_us), max(1, half_us // next_us)
        per_epoch = first_events + next_events
        epoch_us = first_events * first_us + next_events * next_us
        epoch, n = ids // per_epoch, ids % per_epoch
        in_epoch_us = np.where(n < first_events, n * first_us, first_events * first_us + (n - first_events) * next_us)
        return self.base_time_ms + (epoch * epoch_us + in_epoch_us) // 1000

    def last_person_id(self, ids: np.ndarray) -> np.ndarray:
        """Zero-based id of the last person generated at or before each event id."""
        epoch, offset = ids // self.total_proportion, ids % self.total_proportion
        return epoch * self.person_proportion + np.minimum(offset, self.person_proportion - 1)

    def last_auction_id(self, ids: np.ndarray) -> np.ndarray:
        """Zero-based id of the last auction generated at or before each event id (-1: none yet)."""
        epoch, offset = ids // self.total_proportion, ids % self.total_proportion
        p, a = self.person_proportion, self.auction_proportion
        before = offset < p  # a person: the last auction is the previous epoch's last
        epoch = np.where(before, epoch - 1, epoch)
        offset = np.where(before | (offset >= p + a), a - 1, offset - p)
        return epoch * a + offset

    def auction_horizon_events(self) -> int:
        """How many events it takes to generate ``in_flight_auctions`` auctions (auction lengths
        are drawn so that about that many are open at once)."""
        return self.in_flight_auctions * self.total_proportion // max(1, self.auction_proportion)
