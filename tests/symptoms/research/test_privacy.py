"""Differentially private releases: calibration against OpenDP's own accounting, the
published accuracy and post-processing. The ledger's tests are in test_ledger.py."""

from __future__ import annotations

from datetime import date

import opendp.prelude as dp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symptoms.models import ReleaseCell
from symptoms.research import privacy, services
from symptoms.research.disclosure import Layout, PersonValue
from tests.symptoms.factories import DAILY, report
from tests.symptoms.research.test_disclosure import (
    PERIOD,
    TWO_BY_TWO,
    cohort_of,
    releases,
    true_count,
)
from tests.symptoms.research.test_releases import consenting_patients

RANGES = {"a.one": (0.0, 10.0), "a.two": (0.0, 10.0), "b.one": (0.0, 10.0)}


def test_its_noise_spends_exactly_the_epsilon_split_over_the_measurements() -> None:
    layout = TWO_BY_TWO  # levels: {}, {sex}, {type}, {sex, type}
    epsilon, periods, scales = 2.0, 1, len(layout.scales)
    per_measurement = epsilon / (periods * scales * privacy.MEASUREMENTS)
    levels = len(privacy.levels_of(layout))
    measurement = privacy.measurement(scale=levels / per_measurement)

    # One person moves the count vector by `levels` in L1: OpenDP says that costs exactly this.
    assert levels == 4
    assert measurement.map(levels) == pytest.approx(per_measurement)


def test_it_publishes_the_accuracy_opendp_gives_for_its_noise() -> None:
    values = cohort_of(TWO_BY_TWO, {("f", "pp"): 30, ("f", "sp"): 40})

    noisy = privacy.noisy_cells_build(TWO_BY_TWO, values, [PERIOD], RANGES, epsilon=3.0)

    count_scale = 4 / (3.0 / 3)
    [accuracy] = noisy.accuracy
    assert accuracy.count_plus_minus == round(
        dp.discrete_laplacian_scale_to_accuracy(count_scale, 0.05), 1
    )
    assert accuracy.sum_plus_minus == round(
        dp.discrete_laplacian_scale_to_accuracy(count_scale * 10 * 100, 0.05) / 100, 1
    )


def test_it_is_nearly_exact_with_a_huge_epsilon() -> None:
    values = cohort_of(TWO_BY_TWO, {("f", "pp"): 30, ("f", "sp"): 40, ("m", "pp"): 3})

    cells = privacy.noisy_cells_build(TWO_BY_TWO, values, [PERIOD], RANGES, epsilon=1e7)

    for cell in cells.outcome.cells:
        truth = true_count(values, PERIOD, "a.one", cell.key_set)
        if truth >= 11:
            assert cell.n == truth
            mine = [v.value for v in values if cell.key_set <= set(v.keys.items())]
            assert cell.measures is not None
            assert cell.measures.mean == pytest.approx(sum(mine) / len(mine), abs=0.01)
        elif truth > 0:
            assert cell.suppressed


@settings(deadline=None)
@given(releases(), st.floats(0.5, 20))
def test_it_shows_no_noisy_count_below_eleven_and_only_declared_keys(
    release: tuple[Layout, list[PersonValue]], epsilon: float
) -> None:
    layout, values = release
    ranges = {s.key: (0.0, 10.0) for s in layout.scales}

    noisy = privacy.noisy_cells_build(layout, values, [PERIOD], ranges, epsilon=epsilon)

    for cell in noisy.outcome.cells:
        assert cell.suppressed or cell.n == 0 or (cell.n is not None and cell.n >= 11)
        for dim, category in cell.keys:
            assert category is None or category in layout.dimension(dim).categories
        if cell.measures is not None:
            assert cell.measures.median is None
            assert cell.measures.sd is None
            assert 0 <= cell.measures.mean <= 10
            share = cell.measures.share_past_threshold
            assert share is None or 0 <= share <= 1


@pytest.mark.django_db
def test_a_private_release_publishes_its_epsilon_and_accuracy() -> None:
    for person in consenting_patients(30):
        report(person, answers=DAILY, on=date(2026, 2, 10))
    queued = services.release_request(
        requested_by=None, first_quarter=PERIOD, epsilon=8, queue=False
    )

    release = services.release_build(release_id=queued.pk)

    assert release is not None
    privacy_info = release.parameters["privacy"]
    assert release.parameters["epsilon"] == 8
    assert {a["scale"] for a in privacy_info["accuracy"]} >= {"daily.fatigue", "mfis.total"}
    assert privacy_info["library"].startswith("opendp 0.16")
    hidden = ReleaseCell.objects.filter(release=release, suppressed=True)
    assert not hidden.exclude(n=None).exists()
    assert not ReleaseCell.objects.filter(release=release, n__gte=1, n__lt=11).exists()
