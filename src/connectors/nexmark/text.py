"""The Nexmark generator's vocabularies and random text, built as whole Arrow arrays without
per-row Python: random text (item names, descriptions, e-mail parts, the ``extra`` padding) is
random letters cut at cumulative lengths; values drawn from a vocabulary (names, cities, channels,
URLs) are ``take``s from a small array built once per seed. ``string_pools.py`` uses them to
pre-build each kind's strings.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

FIRST_NAMES = ("Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter")
LAST_NAMES = ("Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris")
US_STATES = ("AZ", "CA", "ID", "OR", "WA", "WY")
US_CITIES = ("Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle",
             "Kent", "Cheyenne")
HOT_CHANNELS = ("Google", "Facebook", "Baidu", "Apple")
CHANNELS_NUMBER = 10_000


def random_text(rng: np.random.Generator, lengths: np.ndarray, words: bool = False) -> pa.Array:
    """One string of random lowercase letters per length; with ``words``, about one character in
    13 is a space."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    letters = rng.integers(ord("a"), ord("z") + 1, int(offsets[-1]), dtype=np.uint8)
    if words:
        letters[rng.integers(0, 13, len(letters)) == 0] = ord(" ")
    return pa.StringArray.from_buffers(len(lengths), pa.py_buffer(offsets), pa.py_buffer(letters))


@lru_cache(maxsize=1)
def full_names() -> pa.Array:
    return pa.array([f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES])


@lru_cache(maxsize=1)
def four_digits() -> pa.Array:
    return pa.array([f"{i:04d}" for i in range(10_000)])


def _url_parts(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` of Beam's nextString(random, 5, '_'): 3 or 4 characters, some of them '_'."""
    lengths = rng.integers(3, 5, n).tolist()
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz_", dtype=np.uint8)[rng.integers(0, 27, 4 * n)]
    data = letters.tobytes().decode()
    return [data[4 * i: 4 * i + length] for i, length in enumerate(lengths)]


@lru_cache(maxsize=4)
def channels_and_urls(seed: int) -> tuple[pa.Array, pa.Array]:
    """The 4 hot channels then ``channel-0`` ... ``channel-9999``, with their URLs. Nine in ten
    plain channels carry ``&channel_id=<bit-reversed number>`` in the URL (q21 extracts it).
    Built once per seed (10 004 entries: a Python loop is fine here)."""
    rng = np.random.default_rng([seed, 0xC4A7])
    channels = list(HOT_CHANNELS) + [f"channel-{i}" for i in range(CHANNELS_NUMBER)]
    parts = iter(_url_parts(rng, 3 * len(channels)))
    urls = [f"https://www.nexmark.com/{next(parts)}/{next(parts)}/{next(parts)}/item.htm?query=1" for _ in channels]
    with_id = rng.integers(0, 10, CHANNELS_NUMBER) > 0
    for i in np.flatnonzero(with_id):
        reversed_bits = int(f"{i:032b}"[::-1], 2)
        channel_id = reversed_bits - (1 << 32) if reversed_bits >= 1 << 31 else reversed_bits
        urls[len(HOT_CHANNELS) + i] += f"&channel_id={abs(channel_id)}"
    return pa.array(channels), pa.array(urls)


@lru_cache(maxsize=1)
def price_table() -> np.ndarray:
    """Prices in cents for 16 uniform bits: 10^U(0, 6) dollars, as Beam draws them, sampled at
    the midpoints of 65 536 equal steps of the exponent (looked up rather than computing ``exp``
    per event)."""
    exponent = (np.arange(1 << 16) + 0.5) / (1 << 16) * 6
    return np.rint(np.power(10.0, exponent) * 100).astype(np.int64)


def take(values: pa.Array, indices: np.ndarray) -> pa.Array:
    return values.take(pa.array(indices, type=pa.int32()))


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of arrays and literal strings."""
    return pc.binary_join_element_wise(*parts, "")
