"""Optional differential privacy for research releases, with OpenDP. Pure: no Django.

A differentially private release replaces exact cells with noisy ones. The privacy unit is one
person (each person is one row per period and scale, so adding or removing a person changes
each margin level's cells by one person). For each period and scale, three vectors are
measured over every cell of every table at every margin level: the count, the sum of values
(fixed point, clamped to the scale's range) and the count past the scale's threshold. With
``levels`` distinct margin levels in the specification, one person moves each vector by at most
``levels`` (L1), times the largest absolute value for sums.

The epsilon is spent on each period (a quarter of data, charged to that quarter's ledger)
and split evenly over its scales x 3 measurements (sequential composition; cells within one
measurement are covered by the L1 sensitivity), and each measurement adds discrete Laplace
noise through OpenDP. A person present in several quarters composes across them: over k
quarters at most k x epsilon, which the per-quarter and per-year caps bound. Everything
afterwards is post-processing and costs nothing: counts below the minimum cell size are shown
as suppressed, means are noisy sum / noisy count clamped to the range, shares clamped to 0-1.
SD, median and quartiles are not released (they would need budget of their own). No
complementary suppression is needed: noise, not hiding, protects the cells, and differencing
two noisy cells gives noise.

The accuracy published with the release is each measurement's 95% half-width.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import opendp.prelude as dp

from symptoms.research.disclosure import (
    Cell,
    Keys,
    Layout,
    Measures,
    Outcome,
    PersonValue,
    round_half_up,
    table_cells,
    values_check,
)

FIXED_POINT = 100  # sums are measured in hundredths of a scale unit
ALPHA = 0.05  # accuracy is published at 95%
MEASUREMENTS = 3  # count, sum, count past the threshold

dp.enable_features("contrib")  # OpenDP's discrete Laplace sits behind this flag


@dataclass(frozen=True)
class ScaleAccuracy:
    scale: str
    count_plus_minus: float  # people, at 95%
    sum_plus_minus: float  # scale units, at 95%; a mean's error is about this / n


@dataclass(frozen=True)
class NoisyOutcome:
    outcome: Outcome
    epsilon: float
    epsilon_per_measurement: float
    accuracy: list[ScaleAccuracy]
    library: str


def levels_of(layout: Layout) -> list[frozenset[str]]:
    return sorted(
        {
            frozenset(dims)
            for table in layout.tables
            for size in range(len(table.dimensions) + 1)
            for dims in itertools.combinations(table.dimensions, size)
        },
        key=sorted,
    )


def measurement(*, scale: float) -> Any:
    """OpenDP's discrete Laplace over a vector of whole numbers, L1 distance."""
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    return space >> dp.m.then_laplace(scale=scale)


def _noise(scale: float) -> Callable[[list[int]], list[int]]:
    measure = measurement(scale=scale)

    def noisy(values: list[int]) -> list[int]:
        return list(measure(values))

    return noisy


def noisy_cells_build(
    layout: Layout,
    values: Sequence[PersonValue],
    periods: Sequence[str],
    ranges: dict[str, tuple[float, float]],
    epsilon: float,
    progress: Callable[[float], None] | None = None,
) -> NoisyOutcome:
    """Every cell of every table, for each period and scale, with noise instead of suppression.
    ``ranges`` gives each scale's range, which bounds what one person can add to a sum."""
    layout.check()
    values_check(layout, values)
    if not epsilon > 0 or not math.isfinite(epsilon):
        raise ValueError("epsilon must be a positive number")
    levels = levels_of(layout)
    cells = sorted({k for t in layout.tables for k in table_cells(layout, t)}, key=sorted)
    per_measurement = epsilon / (len(layout.scales) * MEASUREMENTS)
    people: dict[tuple[str, str, Keys], list[float]] = defaultdict(list)
    for value in values:
        low, high = ranges[value.scale]
        clamped = min(max(value.value, low), high)
        for level in levels:
            keys = frozenset((d, value.keys[d]) for d in level)
            people[(value.period, value.scale, keys)].append(clamped)

    accuracy = []
    noisers = {}
    for scale in layout.scales:
        low, high = ranges[scale.key]
        bound = max(abs(low), abs(high)) * FIXED_POINT
        count_scale = len(levels) / per_measurement
        sum_scale = len(levels) * bound / per_measurement
        noisers[scale.key] = (_noise(count_scale), _noise(sum_scale))
        accuracy.append(
            ScaleAccuracy(
                scale=scale.key,
                count_plus_minus=round(
                    dp.discrete_laplacian_scale_to_accuracy(count_scale, ALPHA), 1
                ),
                sum_plus_minus=round(
                    dp.discrete_laplacian_scale_to_accuracy(sum_scale, ALPHA) / FIXED_POINT, 1
                ),
            )
        )

    outcome = Outcome(cells=[])
    steps, done = max(1, len(periods) * len(layout.scales)), 0
    for period in periods:
        for scale in layout.scales:
            count_noise, sum_noise = noisers[scale.key]
            low, high = ranges[scale.key]
            groups = [people.get((period, scale.key, k), []) for k in cells]
            counts = count_noise([len(g) for g in groups])
            sums = sum_noise([sum(round(v * FIXED_POINT) for v in g) for g in groups])
            past = count_noise(
                [sum(1 for v in g if scale.threshold and scale.threshold.is_met(v)) for g in groups]
            )
            noisy: dict[Keys, tuple[bool, int | None, Measures | None]] = {}
            for keys, n, total, above in zip(cells, counts, sums, past, strict=True):
                shown = max(0, n)
                if 0 < shown < layout.min_cell:
                    noisy[keys] = (True, None, None)
                elif shown == 0:
                    noisy[keys] = (False, 0, None)
                else:
                    mean = min(max(total / FIXED_POINT / shown, low), high)
                    share = (
                        round_half_up(min(max(above / shown, 0.0), 1.0), 3)
                        if scale.threshold
                        else None
                    )
                    measures = Measures(
                        shown, round_half_up(mean, 2), None, None, None, None, share
                    )
                    noisy[keys] = (False, shown, measures)
            for table in layout.tables:
                for keys in table_cells(layout, table):
                    named = dict(keys)
                    hidden, n_shown, shown_measures = noisy[keys]
                    outcome.cells.append(
                        Cell(
                            table=table.key,
                            period=period,
                            keys=tuple((d, named.get(d)) for d in table.dimensions),
                            scale=scale.key,
                            measures=shown_measures,
                            suppressed=hidden,
                            n=n_shown,
                        )
                    )
            done += 1
            if progress is not None:
                progress(done / steps)
    return NoisyOutcome(
        outcome=outcome,
        epsilon=epsilon,
        epsilon_per_measurement=per_measurement,
        accuracy=accuracy,
        library=f"opendp {dp.__version__}" if hasattr(dp, "__version__") else "opendp",
    )
