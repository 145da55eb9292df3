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
4. Threshold and ``method`` (how the threshold was found), first that applies:

   - ``mcid``: the scale's published minimal clinically important difference, in scale units. An
     ``is_relative`` MCID is a fraction of ``|baseline|`` (0.3 means 30% of the baseline); with a
     baseline of 0 it has no meaning, so that case gets no threshold, no source and no kind
     (baseline, latest and change are still reported).
   - ``mdc``: no MCID, but a published minimal detectable change (test-retest measurement error
     of one person's score), cited in the instrument file.
   - ``reliable_change``: neither; the person's own variability decides (see "Reliable change"
     below). With fewer than ``MIN_MOVING_RANGES + 1`` points from the baseline on there is no
     threshold and no kind: too few reports to know the person's variability.

   A change past an ``mdc`` or ``reliable_change`` threshold is *reliable* (larger than the
   measurement noise), not shown to be clinically meaningful: it is labelled "reliable change,
   no published threshold" and its flag is exploratory (``raises_exploratory_flag``), kept apart
   from a confirmed meaningful worsening (``raises_flag``).
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
9. ``last_episode``: the most recent episode, ongoing or over, with its direction, first and
   confirmation dates and ``returned_on``, the date of the first later point back within the
   threshold (None while it lasts). So a flag carries its time and what happened since; assess
   a series cut at a past date to get the status as of that date.

Reliable change (the person-level method, ``reliable_threshold``)
-----------------------------------------------------------------
For a scale without a published threshold the question is whether the change is larger than
this person's own week-to-week (or report-to-report) noise. We use the reliable change index of
Jacobson and Truax (1991), with the person's own variability in place of a test-retest standard
error:

- sigma, one point's noise, is estimated from the *median moving range* of the series (the
  absolute differences between consecutive points, from the baseline on, up to ``latest``):
  ``sigma = median(|x[i] - x[i-1]|) / 0.954``, the individuals (XmR) control chart's robust
  estimate (Wheeler 1993). Differences between neighbours are not inflated by a slow drift, and
  the median is not moved by one step or one spike, unlike the series' standard deviation.
- The baseline is a mean of ``n`` points and ``latest`` one point, so their difference has a
  standard error of ``sigma * sqrt(1 + 1/n)``; the change is reliable at 95% when it is at
  least ``1.96`` times that (RCI >= 1.96).
- The threshold is never below ``RELIABLE_FLOOR`` (one step of the response scale, 1 point):
  someone who answers the same every week has no measurable noise, and a change smaller than
  one answer step is not a change anyone reported.
- At least ``MIN_MOVING_RANGES`` differences are needed to estimate the noise.

Worked examples are the tests in ``tests/symptoms/trends/test_change.py`` (a stable series, a
slow drift, a step and a single spike) and ``docs/trends.md``.

The API's ``flags`` list holds every assessment with a kind other than ``stable`` (``Flag``,
``flag_of``); ``raises_flag`` marks the ones that need the clinician's attention.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Literal, NamedTuple

from symptoms.instruments.scoring import Direction, Mcid, Mdc, Source

BaselineRule = Literal["first", "first_4_weeks_mean"]

BASELINE_WINDOW_DAYS = 28  # "the first 4 weeks" of weekly means
CONFIRM_AFTER_DAYS = 28
# Means of weekly ratings are inexact floats: 4.1 - 3.1 is 0.9999999999999996, not 1.
_TOLERANCE = 1e-9
# Reliable change (see the module docstring).
MIN_MOVING_RANGES = 3
MEDIAN_MOVING_RANGE_TO_SIGMA = 0.954  # Wheeler's constant for moving ranges of two points
RELIABLE_CHANGE_Z = 1.96  # Jacobson and Truax's RCI at 95%
RELIABLE_FLOOR = 1.0  # one step of the response scale
RELIABLE_CHANGE_SOURCE = Source(
    id="jacobson1991",
    citation=(
        "Reliable change index (Jacobson NS, Truax P. Clinical significance: a statistical "
        "approach to defining meaningful change in psychotherapy research. J Consult Clin "
        "Psychol 1991;59(1):12-19) on the person's own variability, estimated from the median "
        "moving range of their scores (Wheeler DJ. Understanding Variation: The Key to "
        "Managing Chaos. SPC Press 1993)."
    ),
    url="https://doi.org/10.1037/0022-006X.59.1.12",
)


class Method(StrEnum):
    MCID = "mcid"  # a published minimal clinically important difference
    MDC = "mdc"  # a published minimal detectable change: reliable, not shown meaningful
    RELIABLE_CHANGE = "reliable_change"  # the person's own variability


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
class Episode:
    """An unbroken run of points past the threshold in one direction."""

    is_worsening: bool
    first_crossed_on: date
    confirmed_on: date | None
    returned_on: date | None  # the first later point back within the threshold; None: ongoing


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
    method: Method | None = None  # how the threshold was found; None without a threshold
    last_episode: Episode | None = None  # the latest episode, ongoing or over

    @property
    def is_reliable_only(self) -> bool:
        """Judged by measurement noise (MDC or the person's own), not a published MCID."""
        return self.method is not None and self.method is not Method.MCID

    @property
    def raises_flag(self) -> bool:
        """A confirmed worsening past a published MCID: needs the clinician's attention."""
        return self.kind is ChangeKind.CONFIRMED_WORSENING and not self.is_reliable_only

    @property
    def raises_exploratory_flag(self) -> bool:
        """A confirmed reliable worsening on a scale without a published threshold."""
        return self.kind is ChangeKind.CONFIRMED_WORSENING and self.is_reliable_only

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
    method: Method = Method.MCID

    @property
    def raises_flag(self) -> bool:
        return self.kind is ChangeKind.CONFIRMED_WORSENING and self.method is Method.MCID


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


def reliable_threshold(values: Sequence[float], *, baseline_points: int) -> float | None:
    """The person-level reliable-change threshold for a series (see the module docstring), or
    None with fewer than ``MIN_MOVING_RANGES`` consecutive differences."""
    moving_ranges = [abs(after - before) for before, after in pairwise(values)]
    if len(moving_ranges) < MIN_MOVING_RANGES or baseline_points < 1:
        return None
    sigma = statistics.median(moving_ranges) / MEDIAN_MOVING_RANGE_TO_SIGMA
    spread = RELIABLE_CHANGE_Z * sigma * math.sqrt(1 + 1 / baseline_points)
    return max(RELIABLE_FLOOR, spread)


def _threshold(
    mcid: Mcid | None, mdc: Mdc | None, baseline: float, values: Sequence[float], n: int
) -> tuple[float | None, str | None, Method | None]:
    """The threshold, its source id and the method (step 4)."""
    if mcid is not None:
        if not mcid.is_relative:
            return mcid.value, mcid.source, Method.MCID
        if baseline == 0:
            return None, None, None
        return mcid.value * abs(baseline), mcid.source, Method.MCID
    if mdc is not None:
        return mdc.value, mdc.source, Method.MDC
    threshold = reliable_threshold(values, baseline_points=n)
    if threshold is None:
        return None, None, None
    return threshold, RELIABLE_CHANGE_SOURCE.id, Method.RELIABLE_CHANGE


def episodes_of(
    follow_up: Sequence[Point],
    is_worse: Sequence[bool],
    is_better: Sequence[bool],
    confirm_after_days: int,
) -> list[Episode]:
    """Every unbroken run of points past the threshold in one direction, oldest first (steps 6,
    7 and 9). A run ends at the first point not past the threshold in its direction."""
    result: list[Episode] = []
    start: int | None = None
    for index in range(len(follow_up) + 1):
        if start is not None:
            same = is_worse if is_worse[start] else is_better
            if index < len(follow_up) and same[index]:
                continue
            first = follow_up[start].on
            confirm_from = first + timedelta(days=confirm_after_days)
            confirmed_on = next(
                (p.on for p in follow_up[start:index] if p.on >= confirm_from), None
            )
            returned_on = follow_up[index].on if index < len(follow_up) else None
            result.append(Episode(bool(is_worse[start]), first, confirmed_on, returned_on))
            start = None
        if index < len(follow_up) and (is_worse[index] or is_better[index]):
            start = index
    return result


def assess(
    points: Sequence[Point],
    *,
    direction: Direction,
    mcid: Mcid | None,
    mdc: Mdc | None = None,
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
    values = [point.value for point in (*window, *follow_up)]
    threshold, source, method = _threshold(mcid, mdc, baseline, values, baseline_points)
    if threshold is None:
        return Assessment(
            baseline, baseline_from, baseline_points, latest, change, None, None, None, None, None
        )

    sign = 1.0 if direction is Direction.HIGHER_IS_WORSE else -1.0
    worse_by = [sign * (point.value - baseline) for point in follow_up]
    is_worse = [amount >= threshold - _TOLERANCE for amount in worse_by]
    is_better = [-amount >= threshold - _TOLERANCE for amount in worse_by]
    episodes = episodes_of(follow_up, is_worse, is_better, confirm_after_days)
    last = episodes[-1] if episodes else None

    kind = ChangeKind.STABLE
    first_crossed_on: date | None = None
    confirmed_on: date | None = None
    if last is not None and last.returned_on is None:
        first_crossed_on, confirmed_on = last.first_crossed_on, last.confirmed_on
        if last.is_worsening:
            kind = (
                ChangeKind.CONFIRMED_WORSENING
                if confirmed_on is not None
                else ChangeKind.UNCONFIRMED_WORSENING
            )
        else:
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
        source,
        kind,
        first_crossed_on,
        confirmed_on,
        method,
        last,
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
        assessment.method or Method.MCID,
    )
