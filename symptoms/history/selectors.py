"""What the history page shows: for each symptom domain, the daily ratings as weekly means and
the questionnaire scores of that domain.

Reads only, always for one patient, in two queries however long the history: the narrow
``ReportScore`` table holds the scores of current reports only (a correction replaces the rows
of the report it supersedes), so neither superseded reports nor Python loops over reports are
involved.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Max, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from symptoms.instruments.definitions import DAILY, current
from symptoms.instruments.scoring import DOMAINS, Direction, Instrument, Scale
from symptoms.models import ReportScore

DOMAIN_LABELS: dict[str, Promise] = {
    "fatigue": gettext_lazy("Fatigue"),
    "mobility": gettext_lazy("Walking and moving around"),
    "upper_limb": gettext_lazy("Arms and hands"),
    "pain": gettext_lazy("Pain"),
    "cognition": gettext_lazy("Thinking and memory"),
    "cross_cutting": gettext_lazy("Overall health and quality of life"),
}

# Months back from today; None is everything.
PERIODS: dict[str, int | None] = {"3m": 3, "12m": 12, "all": None}
PERIOD_LABELS: dict[str, Promise] = {
    "3m": gettext_lazy("Last 3 months"),
    "12m": gettext_lazy("Last 12 months"),
    "all": gettext_lazy("Everything"),
}
DEFAULT_PERIOD = "3m"


def period_start(*, today: date, period: str) -> date | None:
    """The Monday on or before the same day ``period`` months ago (so the first week is whole),
    or None for the whole history."""
    months = PERIODS[period]
    if months is None:
        return None
    year, month_index = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, calendar.monthrange(year, month_index + 1)[1])
    start = date(year, month_index + 1, day)
    return start - timedelta(days=start.weekday())


# --- What is measured in each domain ---------------------------------------------------------


@dataclass(frozen=True)
class Measures:
    domain: str
    daily_scale: Scale | None  # the daily check-in's 0-10 rating of this domain
    scales: tuple[tuple[Instrument, Scale], ...]  # questionnaire scales charted with it

    @property
    def label(self) -> str:
        return str(DOMAIN_LABELS.get(self.domain, self.domain))


def _is_charted(instrument: Instrument, scale: Scale) -> bool:
    """A questionnaire's main score ("total"), or every scale of one without a main score, plus
    any subscale its definition files under another domain than the questionnaire's own."""
    if scale.domain != instrument.domain:
        return True
    return scale.is_primary or not any(other.is_primary for other in instrument.scales)


def measures_by_domain() -> dict[str, Measures]:
    """Each domain that has something to chart, in the Alliance's order."""
    daily: dict[str, Scale] = {}
    scales: dict[str, list[tuple[Instrument, Scale]]] = {domain: [] for domain in DOMAINS}
    for code, instrument in sorted(current().items()):
        for scale in instrument.scales:
            if code == DAILY:
                daily[scale.domain] = scale
            elif _is_charted(instrument, scale):
                scales[scale.domain].append((instrument, scale))
    return {
        domain: Measures(domain, daily.get(domain), tuple(scales[domain]))
        for domain in DOMAINS
        if domain in daily or scales[domain]
    }


# --- The data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekMean:
    week_on: date  # the Monday the week starts on
    mean: float
    days: int  # days with a rating behind the mean (skip answers are not ratings)


@dataclass(frozen=True)
class ScorePoint:
    on: date
    value: float


@dataclass(frozen=True)
class ScoreSeries:
    instrument: Instrument
    scale: Scale
    points: tuple[ScorePoint, ...]

    @property
    def label(self) -> str:
        if self.scale.is_primary:
            return self.instrument.short_name
        return f"{self.instrument.short_name} {self.scale.label}"


@dataclass(frozen=True)
class DomainHistory:
    measures: Measures
    since: date | None
    until: date
    weeks: tuple[WeekMean, ...] = ()
    series: tuple[ScoreSeries, ...] = field(default=())

    @property
    def domain(self) -> str:
        return self.measures.domain

    @property
    def label(self) -> str:
        return self.measures.label

    @property
    def has_data(self) -> bool:
        return bool(self.weeks) or any(series.points for series in self.series)

    @property
    def series_with_data(self) -> list[ScoreSeries]:
        return [series for series in self.series if series.points]

    def summary(self) -> str:
        """The chart in words, for its text alternative: where each line starts and ends, and
        its lowest and highest values."""
        sentences: list[str] = []
        scale = self.measures.daily_scale
        if scale is not None:
            if self.weeks:
                means = [week.mean for week in self.weeks]
                sentences.append(
                    _trend(
                        _("Your daily rating, as a weekly average"),
                        ngettext("%(count)s week", "%(count)s weeks", len(means))
                        % {"count": len(means)},
                        [(week.mean, _week_of(week.week_on)) for week in self.weeks],
                        direction=scale.direction,
                    )
                )
            else:
                sentences.append(_("No daily ratings in this period."))
        for series in self.series_with_data:
            count = len(series.points)
            sentences.append(
                _trend(
                    series.label,
                    ngettext("%(count)s score", "%(count)s scores", count) % {"count": count},
                    [(point.value, _on(point.on)) for point in series.points],
                    direction=series.scale.direction,
                )
            )
        return " ".join(sentences)


def _on(day: date) -> str:
    return _("on %(date)s") % {"date": formats.date_format(day, "DATE_FORMAT")}


def _week_of(day: date) -> str:
    return _("in the week of %(date)s") % {"date": formats.date_format(day, "DATE_FORMAT")}


def number(value: float) -> str:
    """A score as people read it: no decimals when whole, else one, in the locale's format."""
    rounded = round(value, 1)
    return formats.number_format(rounded, decimal_pos=0 if rounded == int(rounded) else 1)


def _trend(name: str, count: str, values: list[tuple[float, str]], *, direction: Direction) -> str:
    """One line of a chart in a sentence, e.g. "MFIS, 3 scores: up from 30 on 1 March to 41
    on 2 June (lowest 30, highest 41). Higher means worse." """
    (first, first_when), (last, last_when) = values[0], values[-1]
    parts = {
        "name": name,
        "count": count,
        "first": number(first),
        "first_when": first_when,
        "last": number(last),
        "last_when": last_when,
        "lowest": number(min(value for value, _when in values)),
        "highest": number(max(value for value, _when in values)),
    }
    if len(values) == 1:
        text = _("%(name)s: %(first)s %(first_when)s.") % parts
    elif number(first) == number(last):
        text = (
            _(
                "%(name)s, %(count)s: %(first)s %(first_when)s and %(last)s %(last_when)s "
                "(lowest %(lowest)s, highest %(highest)s)."
            )
            % parts
        )
    elif last > first:
        text = (
            _(
                "%(name)s, %(count)s: up from %(first)s %(first_when)s to %(last)s "
                "%(last_when)s (lowest %(lowest)s, highest %(highest)s)."
            )
            % parts
        )
    else:
        text = (
            _(
                "%(name)s, %(count)s: down from %(first)s %(first_when)s to %(last)s "
                "%(last_when)s (lowest %(lowest)s, highest %(highest)s)."
            )
            % parts
        )
    worse = (
        _("Higher means worse.")
        if direction is Direction.HIGHER_IS_WORSE
        else _("Higher means better.")
    )
    return f"{text} {worse}"


def weekly_means(scores: QuerySet[ReportScore]) -> Iterable[Mapping[str, Any]]:
    """Daily ratings grouped by patient, scale and Monday-based week, in one query: each
    group's ``week_on`` (see ``as_date``), ``mean``, ``days`` answered and ``last_on``."""
    return (
        scores.annotate(week_on=TruncWeek("local_date"))
        .values("patient_id", "scale", "week_on")
        .annotate(
            mean=Avg("value"), days=Count("local_date", distinct=True), last_on=Max("local_date")
        )
        .order_by("patient_id", "scale", "week_on")
    )


def history_get(
    *,
    patient: User,
    since: date | None,
    until: date,
    domains: Collection[str] | None = None,
) -> list[DomainHistory]:
    """Each domain's weekly means of daily ratings and questionnaire scores since ``since``.

    1. One query: the daily ratings grouped by scale and Monday-based week (mean, days).
    2. One query: the charted questionnaire scales' scores, oldest first.
    """
    measures = [m for m in measures_by_domain().values() if domains is None or m.domain in domains]
    dates = Q(local_date__lte=until)
    if since is not None:
        dates &= Q(local_date__gte=since)

    weeks: dict[str, list[WeekMean]] = {}
    daily_scales = [m.daily_scale.key for m in measures if m.daily_scale is not None]
    if daily_scales:
        rows = weekly_means(
            ReportScore.objects.filter(
                dates, patient=patient, instrument=DAILY, scale__in=daily_scales
            )
        )
        for row in rows:
            weeks.setdefault(row["scale"], []).append(
                WeekMean(as_date(row["week_on"]), float(row["mean"]), int(row["days"]))
            )

    points: dict[tuple[str, str], list[ScorePoint]] = {}
    pairs = [(instrument.code, scale.key) for m in measures for instrument, scale in m.scales]
    if pairs:
        wanted = Q()
        for code, key in pairs:
            wanted |= Q(instrument=code, scale=key)
        score_rows = (
            ReportScore.objects.filter(dates, wanted, patient=patient)
            .order_by("local_date", "id")
            .values_list("instrument", "scale", "local_date", "value")
        )
        for code, key, on, value in score_rows:
            points.setdefault((code, key), []).append(ScorePoint(on, value))

    return [
        DomainHistory(
            measures=m,
            since=since,
            until=until,
            weeks=tuple(weeks.get(m.daily_scale.key, ())) if m.daily_scale else (),
            series=tuple(
                ScoreSeries(instrument, scale, tuple(points.get((instrument.code, scale.key), ())))
                for instrument, scale in m.scales
            ),
        )
        for m in measures
    ]


def as_date(value: date | datetime) -> date:
    # Truncating may give a timestamp at midnight (PostgreSQL) rather than a date.
    return value.date() if isinstance(value, datetime) else value
