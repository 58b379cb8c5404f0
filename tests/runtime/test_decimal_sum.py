"""Exact DECIMAL SUM/AVG state (``flowsql.exec.operators.decimal_sum``) against Python's Decimal,
with retractions, NULLs, negative values and sums past the range of int64."""

import decimal
import random

import numpy as np
import pyarrow as pa
from flowsql.exec.operators import decimal_sum
from flowsql.exec.state.backend import ValueArrays


def _reference_average(total: decimal.Decimal, n: int, scale: int) -> decimal.Decimal:
    exact = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_UP)
    return exact.divide(total, decimal.Decimal(n)).quantize(decimal.Decimal(1).scaleb(-scale), context=exact)


def _check(precision: int, scale: int, magnitude: int, seed: int, extra_scale: int = 4) -> None:
    with decimal.localcontext() as context:
        context.prec = 80  # the reference sums need all 38 digits
        _check_exactly(precision, scale, magnitude, random.Random(seed), extra_scale)


def _check_exactly(precision: int, scale: int, magnitude: int, rng: random.Random, extra_scale: int) -> None:
    values = ValueArrays()
    decimal_sum.define(values, "s")
    values.ensure(8)
    sums = {g: decimal.Decimal(0) for g in range(8)}
    counts = dict.fromkeys(range(8), 0)
    live: dict[int, list] = {g: [] for g in range(8)}
    for _ in range(6):
        ids, column, factors = [], [], []
        for _ in range(rng.randint(1, 300)):
            g = rng.randrange(8)
            if live[g] and rng.random() < 0.3:  # retract a row seen before
                v = live[g].pop(rng.randrange(len(live[g])))
                factor = -1
            else:
                v = None if rng.random() < 0.1 else decimal.Decimal(rng.randint(-magnitude, magnitude)).scaleb(-scale)
                factor = 1
                if v is not None:
                    live[g].append(v)
            ids.append(g)
            column.append(v)
            factors.append(0 if v is None else factor)
            if v is not None:
                sums[g] += factor * v
                counts[g] += factor
        decimal_sum.add(values, "s", np.array(ids), pa.array(column, pa.decimal128(precision, scale)),
                        np.array(factors))
    groups = np.arange(8)
    assert decimal_sum.results(values, "s", groups, scale).to_pylist() == [sums[g] for g in range(8)]
    n = np.array([counts[g] for g in range(8)])
    averages = decimal_sum.averages(values, "s", groups, n, scale, scale + extra_scale).to_pylist()
    for g in range(8):
        if counts[g]:
            assert averages[g] == _reference_average(sums[g], counts[g], scale + extra_scale), g


def test_small_decimals_sum_and_average_exactly():
    for seed in range(5):
        _check(15, 2, 10**13, seed)


def test_sums_beyond_int64_stay_exact():
    for seed in range(5):
        _check(38, 6, 10**37, seed, extra_scale=0)  # averages of DECIMAL(38, 6) stay DECIMAL(38, 6)


def test_average_rounds_half_away_from_zero():
    values = ValueArrays()
    decimal_sum.define(values, "s")
    values.ensure(2)
    column = pa.array([decimal.Decimal("0.05"), decimal.Decimal("-0.05")], pa.decimal128(5, 2))
    decimal_sum.add(values, "s", np.array([0, 1]), column, np.array([1, 1]))
    assert decimal_sum.averages(values, "s", np.array([0, 1]), np.array([1, 1]), 2, 1).to_pylist() == [
        decimal.Decimal("0.1"), decimal.Decimal("-0.1")]
