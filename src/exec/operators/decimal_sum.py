"""Exact running sums of DECIMAL values per group, in int64 arrays instead of Python Decimals.

A group's sum is an unscaled 128-bit integer kept as three int64 limbs, ``a2·2⁶⁴ + a1·2³² + b``
with ``a1`` and ``b`` normalized into [0, 2³²) after every batch. A batch adds each row's limbs
(taken straight from the Arrow decimal128 buffer) times its sign; the per-batch limb sums of ``b``
and ``a1`` stay below 2⁵³ (at most 2²⁰ rows at a time), so ``bincount``'s float64 sums are exact.
Results are written back into a decimal128 buffer. Python integers appear only for AVG results too
large for int64 arithmetic, which are divided exactly as Python integers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from flowsql.exec.state.backend import ValueArrays

_LIMBS = (".b", ".a1", ".a2")
_LOW32 = np.uint64(0xFFFFFFFF)
_CHUNK = 1 << 20  # rows per bincount: 2^20 · 2^32 < 2^53


def define(values: ValueArrays, slot: str) -> None:
    for limb in _LIMBS:
        values.define(slot + limb, np.int64, 0)


def _words(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """The low (uint64) and high (int64) words of each decimal128 value (garbage under NULLs)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_decimal128(array.type):
        array = array.cast(pa.decimal128(38, array.type.scale))
    words = np.frombuffer(array.buffers()[1], dtype=np.uint64)[2 * array.offset: 2 * (array.offset + len(array))]
    return words[0::2], words[1::2].view(np.int64)


def add(values: ValueArrays, slot: str, ids: np.ndarray, column: pa.Array | pa.ChunkedArray,
        factor: np.ndarray) -> None:
    """Add ``value × factor`` of every row to its group (``factor``: sign × weight, 0 for NULL)."""
    if not len(ids):
        return
    lo, hi = _words(column)
    factor = factor.astype(np.int64, copy=False)
    codes, groups = pd.factorize(ids)
    groups = np.asarray(groups, dtype=np.int64)
    b_sum = np.zeros(len(groups), dtype=np.int64)
    a1_sum = np.zeros(len(groups), dtype=np.int64)
    a2_sum = np.zeros(len(groups), dtype=np.int64)
    small_high = bool(((hi == 0) | (hi == -1) | (factor == 0)).all())
    for start in range(0, len(ids), _CHUNK):
        part = slice(start, start + _CHUNK)
        c, f = codes[part], factor[part]
        for target, limb in ((b_sum, (lo[part] & _LOW32)), (a1_sum, (lo[part] >> np.uint64(32)))):
            target += np.rint(np.bincount(c, weights=limb.astype(np.float64) * f,
                                          minlength=len(groups))).astype(np.int64)
        if small_high:  # |hi · factor| <= 1 per row: float sums are exact
            a2_sum += np.rint(np.bincount(c, weights=(hi[part] * f).astype(np.float64),
                                          minlength=len(groups))).astype(np.int64)
        else:
            np.add.at(a2_sum, c, hi[part] * f)
    b, a1, a2 = (values[slot + limb] for limb in _LIMBS)
    b[groups] += b_sum
    a1[groups] += a1_sum
    a2[groups] += a2_sum
    carry = b[groups] >> 32  # arithmetic shift: floor division by 2^32, so b lands in [0, 2^32)
    b[groups] -= carry << 32
    a1[groups] += carry
    carry = a1[groups] >> 32
    a1[groups] -= carry << 32
    a2[groups] += carry


def reset(values: ValueArrays, slot: str, ids: np.ndarray) -> None:
    for limb in _LIMBS:
        values[slot + limb][ids] = 0


def results(values: ValueArrays, slot: str, ids: np.ndarray, scale: int) -> pa.Array:
    """The groups' sums as decimal128(38, ``scale``) (the input's scale)."""
    b, a1, a2 = (values[slot + limb][ids] for limb in _LIMBS)
    words = np.empty(2 * len(ids), dtype=np.uint64)
    words[0::2] = (a1.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64)
    words[1::2] = a2.view(np.uint64)
    return pa.Array.from_buffers(pa.decimal128(38, scale), len(ids), [None, pa.py_buffer(words.tobytes())])


def averages(values: ValueArrays, slot: str, ids: np.ndarray, counts: np.ndarray, scale: int,
             out_scale: int) -> pa.Array:
    """sum / count rounded half away from zero to ``out_scale`` digits (as SQL's decimal AVG),
    decimal128(38, out_scale); groups with count 0 get 0 (the caller masks them)."""
    b, a1, a2 = (values[slot + limb][ids] for limb in _LIMBS)
    shift = out_scale - scale
    n = np.maximum(counts, 1).astype(np.int64)
    # The unscaled sum as int64 where it fits with room to spare: a2 is then its sign (0 or -1).
    fits = ((a2 == 0) & (a1 < (1 << 30))) | ((a2 == -1) & (a1 >= (1 << 30) + (1 << 31)))
    total = np.where(fits, ((a2 << 32 | a1) << 32) | b, 0)
    if abs(shift) > 18:
        fits[:] = False
    elif shift >= 0:
        fits &= np.abs(total) < (1 << 61) // (10 ** shift)
        fits &= n < (1 << 61)
    else:
        fits &= n < (1 << 61) // (10 ** -shift)
    numerator = np.where(fits, total * (10 ** max(shift, 0)), 0)
    denominator = np.where(fits, n * (10 ** max(-shift, 0)), 1)
    quotient = (2 * np.abs(numerator) + denominator) // (2 * denominator)  # half away from zero
    result = np.where(numerator < 0, -quotient, quotient)
    low = result.view(np.uint64).copy()
    high = (result >> 63).view(np.uint64).copy()
    for i in np.flatnonzero(~fits):  # exact integer division for the few sums beyond int64
        unscaled = (int(a2[i]) << 64) + (int(a1[i]) << 32) + int(b[i])
        num, den = unscaled * 10 ** max(shift, 0), int(n[i]) * 10 ** max(-shift, 0)
        q = (2 * abs(num) + den) // (2 * den)
        q = -q if num < 0 else q
        low[i], high[i] = q & 0xFFFFFFFFFFFFFFFF, (q >> 64) & 0xFFFFFFFFFFFFFFFF
    words = np.empty(2 * len(ids), dtype=np.uint64)
    words[0::2], words[1::2] = low, high
    return pa.Array.from_buffers(pa.decimal128(38, out_scale), len(ids), [None, pa.py_buffer(words.tobytes())])
