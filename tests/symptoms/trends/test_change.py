"""Change detection on small hand-made series (no database).

Dates are counted in days from ``START`` so the 28-day confirmation rule is easy to read.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from symptoms.instruments.scoring import Direction, Mcid
from symptoms.trends.change import (
    Assessment,
    ChangeKind,
    Flag,
    Point,
    assess,
    baseline_of,
    flag_of,
)

START = date(2025, 1, 6)
MFIS_MCID = Mcid(4, source="rooney2019")
WORSE = Direction.HIGHER_IS_WORSE
BETTER = Direction.HIGHER_IS_BETTER


def on(day: int) -> date:
    return START + timedelta(days=day)


def series(*days_and_values: tuple[int, float]) -> list[Point]:
    return [Point(on(day), value) for day, value in days_and_values]


def mfis(*days_and_values: tuple[int, float], confirm_after_days: int = 28) -> Assessment:
    """An MFIS total series (higher is worse, MCID 4 points)."""
    return assess(
        series(*days_and_values),
        direction=WORSE,
        mcid=MFIS_MCID,
        confirm_after_days=confirm_after_days,
    )


def test_it_flags_a_worsening_still_past_the_mcid_28_days_later() -> None:
    result = mfis((0, 30), (14, 35), (42, 36))

    assert result == Assessment(
        baseline=30,
        baseline_from=on(0),
        baseline_points=1,
        latest=Point(on(42), 36),
        change=6,
        threshold=4,
        source="rooney2019",
        kind=ChangeKind.CONFIRMED_WORSENING,
        first_crossed_on=on(14),
        confirmed_on=on(42),
    )
    assert result.raises_flag


def test_it_does_not_flag_a_single_spike() -> None:
    result = mfis((0, 30), (28, 40))

    assert result.kind is ChangeKind.UNCONFIRMED_WORSENING
    assert result.first_crossed_on == on(28)
    assert result.confirmed_on is None
    assert not result.raises_flag
    assert result.is_meaningful


def test_it_leaves_a_worsening_unconfirmed_when_the_points_are_less_than_28_days_apart() -> None:
    result = mfis((0, 30), (14, 35), (41, 36))

    assert result.kind is ChangeKind.UNCONFIRMED_WORSENING
    assert not result.raises_flag


def test_it_confirms_on_a_shorter_window_when_asked() -> None:
    result = mfis((0, 30), (14, 35), (28, 36), confirm_after_days=14)

    assert result.kind is ChangeKind.CONFIRMED_WORSENING
    assert result.confirmed_on == on(28)


def test_it_clears_the_flag_when_the_latest_point_has_recovered() -> None:
    result = mfis((0, 30), (14, 35), (42, 36), (56, 32))

    assert result.kind is ChangeKind.STABLE
    assert result.change == 2
    assert result.first_crossed_on is None
    assert not result.raises_flag
    assert not result.is_meaningful


def test_it_does_not_confirm_two_spikes_with_a_recovery_between_them() -> None:
    result = mfis((0, 30), (14, 35), (28, 31), (56, 35))

    assert result.kind is ChangeKind.UNCONFIRMED_WORSENING
    assert result.first_crossed_on == on(56)


def test_it_reports_an_improvement_without_flagging_it() -> None:
    unconfirmed = mfis((0, 30), (14, 25))
    confirmed = mfis((0, 30), (14, 25), (42, 26))

    assert unconfirmed.kind is ChangeKind.MEANINGFUL_IMPROVEMENT
    assert unconfirmed.change == -5
    assert confirmed.kind is ChangeKind.CONFIRMED_IMPROVEMENT
    assert confirmed.confirmed_on == on(42)
    assert not unconfirmed.raises_flag
    assert not confirmed.raises_flag
    assert confirmed.is_meaningful


def test_it_counts_a_change_of_exactly_the_mcid_as_crossing() -> None:
    assert mfis((0, 30), (14, 34), (42, 34)).kind is ChangeKind.CONFIRMED_WORSENING
    assert mfis((0, 30), (14, 26)).kind is ChangeKind.MEANINGFUL_IMPROVEMENT
    assert mfis((0, 30), (14, 33.9)).kind is ChangeKind.STABLE


def test_it_does_not_let_float_noise_hide_an_exact_crossing() -> None:
    # 4.1 - 3.1 is 0.9999999999999996 in floating point.
    result = assess(series((0, 3.1), (7, 4.1)), direction=WORSE, mcid=Mcid(1, source="sharma2025"))

    assert result.kind is ChangeKind.UNCONFIRMED_WORSENING


def test_it_counts_a_lower_score_as_worse_when_higher_is_better() -> None:
    # A hypothetical MCID of 5 T-score points on a higher-is-better scale (Neuro-QoL style).
    mcid = Mcid(5, source="hypothetical")
    worse = assess(series((0, 50), (14, 44), (42, 45)), direction=BETTER, mcid=mcid)
    better = assess(series((0, 50), (14, 55)), direction=BETTER, mcid=mcid)

    assert worse.kind is ChangeKind.CONFIRMED_WORSENING
    assert worse.change == -5
    assert worse.raises_flag
    assert better.kind is ChangeKind.MEANINGFUL_IMPROVEMENT
    assert better.change == 5


def test_it_applies_a_relative_mcid_as_a_fraction_of_the_baseline() -> None:
    mcid = Mcid(0.3, source="dworkin2008", is_relative=True)
    crossed = assess(series((0, 5), (14, 6.5), (42, 7)), direction=WORSE, mcid=mcid)
    short = assess(series((0, 5), (14, 6.4)), direction=WORSE, mcid=mcid)

    assert crossed.threshold == pytest.approx(1.5)
    assert crossed.kind is ChangeKind.CONFIRMED_WORSENING
    assert short.kind is ChangeKind.STABLE


def test_it_gives_a_relative_mcid_no_threshold_on_a_zero_baseline() -> None:
    mcid = Mcid(0.3, source="dworkin2008", is_relative=True)
    result = assess(series((0, 0), (14, 3), (42, 3)), direction=WORSE, mcid=mcid)

    assert result.change == 3
    assert result.threshold is None
    assert result.kind is None


def test_it_reports_baseline_latest_and_change_but_no_kind_without_an_mcid() -> None:
    result = assess(series((0, 3), (14, 9), (42, 9)), direction=WORSE, mcid=None)

    assert result == Assessment(
        baseline=3,
        baseline_from=on(0),
        baseline_points=1,
        latest=Point(on(42), 9),
        change=6,
        threshold=None,
        source=None,
        kind=None,
        first_crossed_on=None,
        confirmed_on=None,
    )
    assert not result.raises_flag
    assert flag_of(result, instrument="daily", scale="mobility") is None


def test_it_measures_from_the_reset_baseline() -> None:
    points = series((0, 20), (14, 30), (42, 31), (56, 32))

    assert mfis((0, 20), (14, 30), (42, 31), (56, 32)).raises_flag
    reset = assess(points, direction=WORSE, mcid=MFIS_MCID, baseline_since=on(14))
    assert reset.baseline == 30
    assert reset.baseline_from == on(14)
    assert reset.change == 2
    assert reset.kind is ChangeKind.STABLE


def test_it_takes_the_mean_of_the_first_4_weekly_means_as_the_daily_baseline() -> None:
    weekly = series((0, 3), (7, 4), (14, 3), (21, 2), (28, 4), (35, 4.5), (56, 4.1))

    assert baseline_of(weekly, rule="first_4_weeks_mean") == (3.0, on(0), 4)
    result = assess(
        weekly,
        direction=WORSE,
        mcid=Mcid(1, source="sharma2025"),
        baseline_rule="first_4_weeks_mean",
    )
    assert result.baseline_points == 4
    # Week 4 is exactly 1 above the baseline of 3.0 and crosses the MCID of 1.
    assert result.first_crossed_on == on(28)
    assert result.confirmed_on == on(56)
    assert result.kind is ChangeKind.CONFIRMED_WORSENING


def test_it_resets_the_weekly_means_baseline_with_the_same_rule() -> None:
    weekly = series((0, 9), (7, 3), (14, 4), (21, 3), (28, 2), (35, 2.5))

    assert baseline_of(weekly, rule="first_4_weeks_mean", since=on(7)) == (3.0, on(7), 4)


def test_it_has_no_follow_up_while_the_weekly_baseline_window_is_still_filling() -> None:
    result = assess(
        series((0, 3), (7, 9)),
        direction=WORSE,
        mcid=Mcid(1, source="sharma2025"),
        baseline_rule="first_4_weeks_mean",
    )

    assert result.baseline == 6
    assert result.baseline_points == 2
    assert result.latest is None
    assert result.kind is None


def test_it_assesses_nothing_on_an_empty_series() -> None:
    assert baseline_of([]) == (None, None, 0)
    assert mfis() == Assessment(None, None, 0, None, None, None, None, None, None, None)


def test_it_has_a_baseline_but_no_change_from_a_single_point() -> None:
    result = mfis((0, 30))

    assert result.baseline == 30
    assert result.latest is None
    assert result.change is None
    assert result.kind is None


def test_it_sorts_points_by_date_before_assessing() -> None:
    result = mfis((42, 36), (0, 30), (14, 35))

    assert result.baseline == 30
    assert result.kind is ChangeKind.CONFIRMED_WORSENING


def test_it_builds_the_api_flag_with_the_threshold_and_its_source() -> None:
    flag = flag_of(mfis((0, 30), (14, 35), (42, 36)), instrument="mfis", scale="total")

    assert flag == Flag("mfis", "total", ChangeKind.CONFIRMED_WORSENING, 6, 4, "rooney2019")
    assert flag.raises_flag
    assert flag_of(mfis((0, 30), (14, 31)), instrument="mfis", scale="total") is None


def test_it_refuses_a_confirmation_window_shorter_than_a_day() -> None:
    with pytest.raises(ValueError, match="confirm_after_days"):
        mfis((0, 30), confirm_after_days=0)
