"""Change detection on small hand-made series (no database).

Dates are counted in days from ``START`` so the 28-day confirmation rule is easy to read.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from symptoms.instruments.scoring import Direction, Mcid, Mdc
from symptoms.trends.change import (
    RELIABLE_CHANGE_SOURCE,
    Assessment,
    ChangeKind,
    Episode,
    Flag,
    Method,
    Point,
    assess,
    baseline_of,
    flag_of,
    reliable_threshold,
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
        method=Method.MCID,
        last_episode=Episode(
            is_worsening=True, first_crossed_on=on(14), confirmed_on=on(42), returned_on=None
        ),
    )
    assert result.raises_flag
    assert not result.raises_exploratory_flag


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


def test_it_reports_no_kind_without_an_mcid_when_too_few_points_show_the_noise() -> None:
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


# --- Flags carry their time ------------------------------------------------------------------


def test_it_keeps_a_confirmed_episode_that_has_since_returned_with_its_dates() -> None:
    result = mfis((0, 30), (14, 35), (42, 36), (56, 32))

    assert result.kind is ChangeKind.STABLE
    assert result.last_episode == Episode(
        is_worsening=True, first_crossed_on=on(14), confirmed_on=on(42), returned_on=on(56)
    )


def test_it_reads_the_status_as_of_a_past_date_from_the_series_cut_there() -> None:
    # The MFIS case: past the MCID all period, confirmed only after the period's end.
    points = series((0, 38), (14, 51), (35, 49), (63, 43))
    as_of_day_35 = assess([p for p in points if p.on <= on(35)], direction=WORSE, mcid=MFIS_MCID)
    now = assess(points, direction=WORSE, mcid=MFIS_MCID)

    assert as_of_day_35.kind is ChangeKind.UNCONFIRMED_WORSENING
    assert as_of_day_35.first_crossed_on == on(14)
    assert now.kind is ChangeKind.CONFIRMED_WORSENING
    assert now.confirmed_on == on(63)


def test_it_ends_an_episode_at_a_swing_past_the_other_threshold() -> None:
    result = mfis((0, 30), (14, 35), (28, 25))

    assert result.kind is ChangeKind.MEANINGFUL_IMPROVEMENT
    assert result.last_episode == Episode(False, on(28), None, None)


# --- Reliable change: a published MDC --------------------------------------------------------


def test_it_judges_a_scale_without_an_mcid_by_its_published_mdc() -> None:
    mdc = Mdc(9.9, source="learmonth2013")
    result = assess(series((0, 10), (28, 21), (56, 20)), direction=WORSE, mcid=None, mdc=mdc)
    short = assess(series((0, 10), (28, 19)), direction=WORSE, mcid=None, mdc=mdc)

    assert result.method is Method.MDC
    assert result.threshold == 9.9
    assert result.source == "learmonth2013"
    assert result.kind is ChangeKind.CONFIRMED_WORSENING
    assert result.raises_exploratory_flag
    assert not result.raises_flag
    assert short.kind is ChangeKind.STABLE


def test_it_prefers_the_mcid_to_the_mdc() -> None:
    result = assess(
        series((0, 10), (28, 15)), direction=WORSE, mcid=MFIS_MCID, mdc=Mdc(20.2, source="x")
    )

    assert result.method is Method.MCID
    assert result.threshold == 4


# --- Reliable change: the person's own variability (worked examples) --------------------------


def weekly(*values: float) -> list[Point]:
    """Weekly means, one a week from START."""
    return [Point(on(7 * week), value) for week, value in enumerate(values)]


def person_level(points: list[Point]) -> Assessment:
    """A daily rating without a published threshold (walking), judged on its weekly means."""
    return assess(points, direction=WORSE, mcid=None, baseline_rule="first_4_weeks_mean")


def test_it_estimates_the_noise_from_the_median_moving_range() -> None:
    # Moving ranges 1, 1.5, 1, 0.7, 1.3: median 1, so sigma = 1 / 0.954 (Wheeler), and the
    # difference between a 4-week baseline mean and one week has sigma * sqrt(1 + 1/4).
    values = [5, 6, 4.5, 5.5, 4.8, 6.1]

    assert reliable_threshold(values, baseline_points=4) == pytest.approx(
        1.96 * (1 / 0.954) * (1.25**0.5)
    )
    assert reliable_threshold(values[:3], baseline_points=1) is None  # two moving ranges


def test_it_never_sets_the_reliable_threshold_below_one_answer_step() -> None:
    assert reliable_threshold([4, 4, 4, 4, 4], baseline_points=4) == 1.0


def test_it_leaves_a_stable_but_noisy_series_stable() -> None:
    # Worked example 1: week-to-week swings of up to 1.5 points around 5, no trend.
    result = person_level(weekly(5, 6, 4.5, 5.5, 4.8, 6.1, 5.2, 4.4, 5.9, 5.0, 6.0, 4.9))

    assert result.method is Method.RELIABLE_CHANGE
    assert result.source == RELIABLE_CHANGE_SOURCE.id
    assert result.baseline == pytest.approx(5.25)
    assert result.threshold is not None
    assert result.threshold > 2  # the person's own noise sets a wide band
    assert result.kind is ChangeKind.STABLE
    assert result.last_episode is None


def test_it_confirms_a_slow_drift_once_it_has_added_up() -> None:
    # Worked example 2: +0.1 a week with +-0.05 noise. No week differs from the one before by
    # more than 0.15, but the neighbours' differences do not grow with the drift, so the band
    # stays at one answer step (1 point) above the baseline of 4.15. Weeks 11 (5.15) onwards
    # are past it; week 15 is 28 days later and confirms it.
    values = [4 + 0.1 * week + (0.05 if week % 2 else -0.05) for week in range(20)]
    result = person_level(weekly(*values))

    assert result.baseline == pytest.approx(4.15)
    assert result.threshold == 1.0
    assert result.first_crossed_on == on(7 * 11)
    assert result.confirmed_on == on(7 * 15)
    assert result.kind is ChangeKind.CONFIRMED_WORSENING
    assert result.raises_exploratory_flag
    assert not result.raises_flag


def test_it_confirms_a_step_that_lasts() -> None:
    # Worked example 3: around 4 for 8 weeks, then around 6. The step is one moving range of
    # eleven, so the median (0.2) ignores it.
    result = person_level(
        weekly(4.0, 4.2, 3.9, 4.1, 4.0, 3.8, 4.1, 4.0, 6.0, 6.2, 5.9, 6.1, 6.0, 5.8)
    )

    assert result.baseline == pytest.approx(4.05)
    assert result.threshold == 1.0
    assert result.first_crossed_on == on(7 * 8)
    assert result.confirmed_on == on(7 * 12)
    assert result.change == pytest.approx(1.75)
    assert result.kind is ChangeKind.CONFIRMED_WORSENING


def test_it_never_confirms_a_single_spike_and_says_when_it_returned() -> None:
    # Worked example 4: one bad week (7) in a steady series around 4.
    steady = [4.0, 4.2, 3.9, 4.1, 4.0, 3.8, 4.1, 4.0, 4.2, 3.9, 4.1, 4.0]
    at_spike = person_level(weekly(*steady, 7.0))
    after = person_level(weekly(*steady, 7.0, 4.1, 3.9))

    assert at_spike.kind is ChangeKind.UNCONFIRMED_WORSENING
    assert at_spike.first_crossed_on == on(7 * 12)
    assert not at_spike.raises_exploratory_flag
    assert after.kind is ChangeKind.STABLE
    assert after.last_episode == Episode(
        is_worsening=True, first_crossed_on=on(7 * 12), confirmed_on=None, returned_on=on(7 * 13)
    )


def test_it_builds_an_exploratory_api_flag_for_a_reliable_change() -> None:
    result = person_level(
        weekly(4.0, 4.2, 3.9, 4.1, 4.0, 3.8, 4.1, 4.0, 6.0, 6.2, 5.9, 6.1, 6.0, 5.8)
    )
    flag = flag_of(result, instrument="daily", scale="mobility")

    assert flag is not None
    assert flag.method is Method.RELIABLE_CHANGE
    assert flag.source == "jacobson1991"
    assert not flag.raises_flag
