"""Change detection: has a scale moved by a clinically meaningful amount since its baseline?

No Django here (like :mod:`symptoms.instruments.scoring`), so the rules can be tested on small
series and reused by the clinician view and the research releases. The input is one scale's
series of scores as :class:`Point` values; the scale's ``direction`` and ``mcid`` come from its
definition.

How a series is assessed (``assess``):

1. Sort the points by date (stable, so same-day points keep their order). With
   ``baseline_since``, points before that date are ignored entirely: the clinician has reset the
   baseline and the same rule is applied to the rest of the series.
2. Baseline (``baseline_of``). Rule ``"first"``: the first point. Rule ``"first_4_weeks_mean"``
   (the daily ratings, whose points are weekly means): the mean of every point dated within 28
   days of the first one, i.e. the first 4 weekly means. Those points form the baseline window.
3. Follow-up points are the points dated after the baseline window (after the first point's date
   for ``"first"``; 28 days or more after it for the 4-week mean). ``latest`` is the last
   follow-up point and ``change = latest - baseline``, signed, in scale units, unrounded. With no
   follow-up point there is no latest, no change and no kind.
4. Threshold: the MCID in scale units. An ``is_relative`` MCID is a fraction of ``|baseline|``
   (0.3 means 30% of the baseline); with a baseline of 0 it has no meaning, so that case, like a
   scale without an MCID, gets no threshold, no source and no kind (baseline, latest and change
   are still reported).
5. A point is *past the threshold* in the worsening direction when ``value - baseline`` (for
   ``higher_is_worse``) or ``baseline - value`` (for ``higher_is_better``) is at least the
   threshold; improvement is the mirror image. Exactly at the threshold counts (``>=``, with a
   1e-9 tolerance so float noise in means cannot hide an exact crossing).
6. The current episode is the unbroken run of follow-up points, ending at ``latest``, that are all
   past the threshold in the same direction; ``first_crossed_on`` is its first point's date. Any
   point in between that is not past the threshold (a return towards baseline) ends an episode,
   so two spikes with a recovery between them are two episodes, not a confirmation.
7. The episode is *confirmed* once it contains a point dated ``confirm_after_days`` (28) or more
   after ``first_crossed_on``; ``confirmed_on`` is that point's date.
8. ``kind``:

   - ``confirmed_worsening``: a confirmed worsening episode. The only kind that raises a flag.
   - ``unconfirmed_worsening``: latest is past the worsening threshold but not yet confirmed (a
     single spike, or two points less than ``confirm_after_days`` apart).
   - ``confirmed_improvement`` / ``meaningful_improvement``: the same for improvement; reported,
     never flagged.
   - ``stable``: latest is past neither threshold.
   - ``None``: not assessable (no MCID, relative MCID on a zero baseline, no follow-up point).

   Because the kind is read at ``latest``, recovery clears a flag: a confirmed worsening whose
   latest point is back within the threshold is ``stable`` (or an improvement).

The API's ``flags`` list holds every assessment with a kind other than ``stable`` (``Flag``,
``flag_of``); ``raises_flag`` marks the ones that need the clinician's attention.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal, NamedTuple

from symptoms.instruments.scoring import Direction, Mcid

BaselineRule = Literal["first", "first_4_weeks_mean"]

BASELINE_WINDOW_DAYS = 28  # "the first 4 weeks" of weekly means
CONFIRM_AFTER_DAYS = 28
# Means of weekly ratings are inexact floats: 4.1 - 3.1 is 0.9999999999999996, not 1.
_TOLERANCE = 1e-9


class ChangeKind(StrEnum):
    CONFIRMED_WORSENING = "confirmed_worsening"
    UNCONFIRMED_WORSENING = "unconfirmed_worsening"
    CONFIRMED_IMPROVEMENT = "confirmed_improvement"
    MEANINGFUL_IMPROVEMENT = "meaningful_improvement"
    STABLE = "stable"


@dataclass(frozen=True)
class Point:
    on: date
    value: float


class Baseline(NamedTuple):
    value: float | None
    starts_on: date | None  # the first baseline point's date
    points: int  # how many points the baseline is made of


@dataclass(frozen=True)
class Assessment:
    baseline: float | None
    baseline_from: date | None
    baseline_points: int
    latest: Point | None
    change: float | None  # latest - baseline, signed, in scale units
    threshold: float | None  # the MCID in scale units (relative MCIDs already applied)
    source: str | None  # the MCID's Source id
    kind: ChangeKind | None
    first_crossed_on: date | None
    confirmed_on: date | None

    @property
    def raises_flag(self) -> bool:
        return self.kind is ChangeKind.CONFIRMED_WORSENING

    @property
    def is_meaningful(self) -> bool:
        """Whether it belongs in the API's ``flags`` list (every kind but stable)."""
        return self.kind is not None and self.kind is not ChangeKind.STABLE


@dataclass(frozen=True)
class Flag:
    """One entry of the API's ``flags`` list."""

    instrument: str
    scale: str
    kind: ChangeKind
    change: float
    threshold: float
    source: str

    @property
    def raises_flag(self) -> bool:
        return self.kind is ChangeKind.CONFIRMED_WORSENING


def _split(
    points: Sequence[Point], *, rule: BaselineRule, since: date | None
) -> tuple[list[Point], list[Point]]:
    """The baseline window's points and the follow-up points after it."""
    series = sorted(
        (point for point in points if since is None or point.on >= since),
        key=lambda point: point.on,
    )
    if not series:
        return [], []
    start = series[0].on
    if rule == "first":
        return series[:1], [point for point in series[1:] if point.on > start]
    window_end = start + timedelta(days=BASELINE_WINDOW_DAYS)
    return (
        [point for point in series if point.on < window_end],
        [point for point in series if point.on >= window_end],
    )


def baseline_of(
    points: Sequence[Point], *, rule: BaselineRule = "first", since: date | None = None
) -> Baseline:
    """The baseline of ``points`` from ``since`` on (see steps 1 and 2 of the module docstring)."""
    window, _ = _split(points, rule=rule, since=since)
    if not window:
        return Baseline(None, None, 0)
    return Baseline(sum(point.value for point in window) / len(window), window[0].on, len(window))


def _threshold(mcid: Mcid | None, baseline: float) -> float | None:
    if mcid is None:
        return None
    if not mcid.is_relative:
        return mcid.value
    if baseline == 0:
        return None
    return mcid.value * abs(baseline)


def _episode(
    follow_up: Sequence[Point], is_past: Sequence[bool], confirm_after_days: int
) -> tuple[date, date | None]:
    """The current episode's first date and its confirmation date (steps 6 and 7).

    ``is_past[i]`` says whether ``follow_up[i]`` is past the threshold; the last one must be.
    """
    start = len(follow_up) - 1
    while start > 0 and is_past[start - 1]:
        start -= 1
    first_crossed_on = follow_up[start].on
    confirm_from = first_crossed_on + timedelta(days=confirm_after_days)
    confirmed_on = next((point.on for point in follow_up[start:] if point.on >= confirm_from), None)
    return first_crossed_on, confirmed_on


def assess(
    points: Sequence[Point],
    *,
    direction: Direction,
    mcid: Mcid | None,
    baseline_rule: BaselineRule = "first",
    baseline_since: date | None = None,
    confirm_after_days: int = CONFIRM_AFTER_DAYS,
) -> Assessment:
    """Assess one scale's series against its baseline (see the module docstring)."""
    if confirm_after_days < 1:
        raise ValueError("confirm_after_days must be at least 1")
    window, follow_up = _split(points, rule=baseline_rule, since=baseline_since)
    if not window:
        return Assessment(None, None, 0, None, None, None, None, None, None, None)
    baseline = sum(point.value for point in window) / len(window)
    baseline_from, baseline_points = window[0].on, len(window)
    if not follow_up:
        return Assessment(
            baseline, baseline_from, baseline_points, None, None, None, None, None, None, None
        )

    latest = follow_up[-1]
    change = latest.value - baseline
    threshold = _threshold(mcid, baseline)
    if mcid is None or threshold is None:
        return Assessment(
            baseline, baseline_from, baseline_points, latest, change, None, None, None, None, None
        )

    sign = 1.0 if direction is Direction.HIGHER_IS_WORSE else -1.0
    worse_by = [sign * (point.value - baseline) for point in follow_up]
    is_worse = [amount >= threshold - _TOLERANCE for amount in worse_by]
    is_better = [-amount >= threshold - _TOLERANCE for amount in worse_by]

    kind = ChangeKind.STABLE
    first_crossed_on: date | None = None
    confirmed_on: date | None = None
    if is_worse[-1]:
        first_crossed_on, confirmed_on = _episode(follow_up, is_worse, confirm_after_days)
        kind = (
            ChangeKind.CONFIRMED_WORSENING
            if confirmed_on is not None
            else ChangeKind.UNCONFIRMED_WORSENING
        )
    elif is_better[-1]:
        first_crossed_on, confirmed_on = _episode(follow_up, is_better, confirm_after_days)
        kind = (
            ChangeKind.CONFIRMED_IMPROVEMENT
            if confirmed_on is not None
            else ChangeKind.MEANINGFUL_IMPROVEMENT
        )
    return Assessment(
        baseline,
        baseline_from,
        baseline_points,
        latest,
        change,
        threshold,
        mcid.source,
        kind,
        first_crossed_on,
        confirmed_on,
    )


def flag_of(assessment: Assessment, *, instrument: str, scale: str) -> Flag | None:
    """The API's flag for ``assessment``, or None when it is stable or not assessable."""
    if (
        not assessment.is_meaningful
        or assessment.kind is None
        or assessment.change is None
        or assessment.threshold is None
        or assessment.source is None
    ):
        return None
    return Flag(
        instrument,
        scale,
        assessment.kind,
        assessment.change,
        assessment.threshold,
        assessment.source,
    )
