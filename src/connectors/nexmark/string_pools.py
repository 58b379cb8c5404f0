"""Pre-built string fields of persons, auctions and bids, so that generating a block copies no text.

Formatting and copying strings per event was most of the generator's cost. Instead each kind's
string fields (a person's name, e-mail, card, city, state and extra; an auction's item name,
description and extra; a bid's channel, URL and extra) are built once per seed and sizes for a
pool of records, each field one contiguous Arrow string array. A block takes a random window of
consecutive pool records for its events of the kind: its string columns reuse the pool's data
buffers and only repeat offsets (see ``generator._Spreader``). A pool holds at least four blocks'
worth of records, so windows overlap little; over a long stream the same strings recur with other
ids, prices and times, which no Nexmark query depends on.

>>> pool = person_pool(0, 200, 100)
>>> sorted(pool.fields) == ['city', 'creditCard', 'emailAddress', 'extra', 'name', 'state']
True
>>> pool.size >= 4 * 100
True
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa
from flowsql.connectors.nexmark import text

MIN_POOL = 1 << 14
BID_FIXED_BYTES = 32  # a bid's size without its extra, as Beam's generator counts it
AUCTION_FIXED_BYTES = 48  # an auction's numbers and times


class StringPool:
    """``size`` records' string fields; ``window`` lays consecutive records over a block."""

    def __init__(self, fields: dict[str, pa.Array]) -> None:
        self.fields = fields
        self.size = len(next(iter(fields.values())))
        self._offsets = np.stack([np.frombuffer(a.buffers()[1], np.int32)[: self.size + 1] for a in fields.values()])
        self._data = [a.buffers()[2] for a in fields.values()]

    def window(self, start: int, spread) -> dict[str, tuple[np.ndarray, pa.Buffer]]:
        """Records ``start`` onwards, one for each of the block's rows of the kind, laid over the
        block by ``spread`` (the generator's spreader): each field's full offsets and data buffer."""
        offsets = spread.offsets(self._offsets[:, start: start + spread.count + 1])
        return {name: (o, data) for name, o, data in zip(self.fields, offsets, self._data)}


def pool_records(per_block: int) -> int:
    return max(MIN_POOL, 4 * per_block)


def _extra(rng: np.random.Generator, current: np.ndarray | int, average: int, n: int) -> pa.Array:
    """Random letters bringing records of ``current`` bytes to ``average`` bytes, give or take
    20 % (none for records already larger)."""
    desired = np.maximum(average - np.asarray(current), 0)
    delta = np.rint(desired * 0.2).astype(np.int64)
    lengths = desired - delta + (rng.random(n) * 2 * delta).astype(np.int64)
    return text.random_text(rng, lengths)


def _lengths(strings: pa.Array) -> np.ndarray:
    return np.diff(np.frombuffer(strings.buffers()[1], np.int32)[: len(strings) + 1])


@lru_cache(maxsize=2)
def person_pool(seed: int, average_size: int, per_block: int) -> StringPool:
    n = pool_records(per_block)
    rng = np.random.default_rng([seed, 0x9E75])
    name = text.take(text.full_names(), rng.integers(0, len(text.FIRST_NAMES) * len(text.LAST_NAMES), n))
    email = text.join(text.random_text(rng, rng.integers(3, 7, n)), "@",
                      text.random_text(rng, rng.integers(3, 5, n)), ".com")
    groups = [text.take(text.four_digits(), rng.integers(0, 10_000, n)) for _ in range(4)]
    card = text.join(groups[0], " ", groups[1], " ", groups[2], " ", groups[3])
    city = text.take(pa.array(text.US_CITIES), rng.integers(0, len(text.US_CITIES), n))
    state = text.take(pa.array(text.US_STATES), rng.integers(0, len(text.US_STATES), n))
    size = 8 + sum(_lengths(a) for a in (name, email, card, city, state))
    return StringPool({"name": name, "emailAddress": email, "creditCard": card, "city": city, "state": state,
                       "extra": _extra(rng, size, average_size, n)})


@lru_cache(maxsize=2)
def auction_pool(seed: int, average_size: int, per_block: int) -> StringPool:
    n = pool_records(per_block)
    rng = np.random.default_rng([seed, 0xA0C7])
    item = text.random_text(rng, rng.integers(3, 20, n), words=True)
    description = text.random_text(rng, rng.integers(3, 100, n), words=True)
    size = AUCTION_FIXED_BYTES + _lengths(item) + _lengths(description)
    return StringPool({"itemName": item, "description": description, "extra": _extra(rng, size, average_size, n)})


@lru_cache(maxsize=2)
def bid_pool(seed: int, average_size: int, per_block: int) -> StringPool:
    """Half the bids go to the four hot channels, the rest spread over the 10 000 plain ones
    (each occurring many times in a pool of this size)."""
    n = pool_records(per_block)
    rng = np.random.default_rng([seed, 0xB1D5])
    channels, urls = text.channels_and_urls(seed)
    hot = rng.integers(0, 2, n) > 0
    channel = np.where(hot, rng.integers(0, len(text.HOT_CHANNELS), n),
                       len(text.HOT_CHANNELS) + rng.integers(0, text.CHANNELS_NUMBER, n))
    return StringPool({"channel": text.take(channels, channel), "url": text.take(urls, channel),
                       "extra": _extra(rng, BID_FIXED_BYTES, average_size, n)})
