"""Trends for the clinician view (and the person's own): each scale's series since its baseline,
with change detection from :mod:`symptoms.trends.change`.

Reads only, in a fixed number of queries however long the history and however many patients:
the daily ratings as weekly means (one grouped query), the questionnaire scores (one query) and
the baseline resets (one query), each for every patient asked about at once. The whole history
is read because a baseline is the first report ever (or the first four weeks' mean); ``since``
and ``until`` only trim the series returned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent, User
from symptoms.history.selectors import as_date, weekly_means
from symptoms.instruments.definitions import DAILY, instrument_get
from symptoms.instruments.scoring import Instrument, Scale, Source, domain_rank
from symptoms.models import BaselineReset, Report, ReportScore
from symptoms.trends.change import (
    RELIABLE_CHANGE_SOURCE,
    Assessment,
    BaselineRule,
    ChangeKind,
    Method,
    Point,
    assess,
)

CONFIRM_AFTER_DAYS = 28
ADHERENCE_DAYS = 84  # completion is reported over the last 12 weeks
# An answer is overdue a week after it fell due: the daily check-in a week after the last one,
# a questionnaire a week after its suggested interval since the last one.
OVERDUE_AFTER_DAYS = 7


class AttentionKind(StrEnum):
    """Why a patient needs the clinician's attention, most urgent first."""

    CONFIRMED_WORSENING = "confirmed_worsening"  # past a published MCID, confirmed
    RELIABLE_CHANGE = "reliable_change"  # confirmed reliable worsening, no published threshold
    OVERDUE = "overdue"  # answers overdue


ATTENTION_RANK = {kind: rank for rank, kind in enumerate(AttentionKind)}


@dataclass(frozen=True)
class Attention:
    kind: AttentionKind
    on: date  # the latest confirmation, or the date the oldest overdue answer fell due
    items: tuple[str, ...]  # domains (worsening, reliable change) or instrument codes (overdue)


def attention_of(worsening: Attention | None, overdue: Mapping[str, date]) -> Attention | None:
    """The one rule of who comes first: a worsening (see ``PatientTrends.worsening``), else
    overdue answers dated by the oldest."""
    if worsening is not None:
        return worsening
    if overdue:
        return Attention(AttentionKind.OVERDUE, min(overdue.values()), tuple(overdue))
    return None


def overdue_since(last_answered: Mapping[str, tuple[date, int]], *, today: date) -> dict[str, date]:
    """Of instruments answered last on a day with a suggested interval, those whose next answer
    is ``OVERDUE_AFTER_DAYS`` late at ``today``, with the date each fell due, oldest first."""
    late = {}
    for code, (on, interval) in last_answered.items():
        if interval > 0:
            due_on = on + timedelta(days=interval)
            if (today - due_on).days >= OVERDUE_AFTER_DAYS:
                late[code] = due_on
    return dict(sorted(late.items(), key=lambda item: item[1]))


@dataclass(frozen=True)
class TrendPoint:
    on: date  # the report's local date, or the Monday of a week for weekly means
    value: float
    days: int | None = None  # for weekly means: how many days the mean is made of
    last_on: date | None = None  # for weekly means: the last day of the week with a rating


@dataclass(frozen=True)
class ScaleTrend:
    instrument: Instrument
    scale: Scale
    is_weekly_mean: bool
    points: tuple[TrendPoint, ...]  # the whole history, oldest first
    assessment: Assessment
    baseline_reset_on: date | None

    @property
    def source(self) -> Source | None:
        """The citation of the threshold: the MCID's or MDC's, or the reliable-change method's."""
        if self.assessment.method is Method.RELIABLE_CHANGE:
            return RELIABLE_CHANGE_SOURCE
        if self.assessment.source is not None:
            return self.instrument.source(self.assessment.source)
        if self.scale.mcid is not None:
            return self.instrument.source(self.scale.mcid.source)
        return None

    def points_between(self, since: date | None, until: date | None) -> list[TrendPoint]:
        return [
            point
            for point in self.points
            if (since is None or point.on >= since) and (until is None or point.on <= until)
        ]


@dataclass(frozen=True)
class PatientTrends:
    patient: User
    scales: tuple[ScaleTrend, ...]
    checkin_days_12_weeks: int  # days with a daily check-in in the last 84 days, today included
    last_report_on: date | None
    today: date | None = None  # the patient's local today, for what is overdue

    @property
    def completion_rate_12_weeks(self) -> float:
        return round(self.checkin_days_12_weeks / ADHERENCE_DAYS, 3)

    @property
    def flags(self) -> list[ScaleTrend]:
        """Every scale with a meaningful change (worsening or improvement), worsening first."""
        meaningful = [
            t
            for t in self.scales
            if t.assessment.kind is not None and t.assessment.kind is not ChangeKind.STABLE
        ]
        return sorted(meaningful, key=lambda t: not t.assessment.raises_flag)

    @property
    def flagged_domains(self) -> list[str]:
        """Domains with a confirmed worsening: what needs the clinician's attention."""
        domains = [t.scale.domain for t in self.scales if t.assessment.raises_flag]
        return list(dict.fromkeys(domains))

    @property
    def exploratory_domains(self) -> list[str]:
        """Domains with a confirmed reliable worsening on a scale without a published threshold
        (and no confirmed meaningful worsening): worth a look, shown apart from the flags."""
        domains = [
            t.scale.domain
            for t in self.scales
            if t.assessment.raises_exploratory_flag and t.scale.domain not in self.flagged_domains
        ]
        return list(dict.fromkeys(domains))

    @property
    def worsening(self) -> Attention | None:
        """A confirmed meaningful worsening, else a confirmed reliable worsening, with the
        latest confirmation: the part of ``attention`` that does not depend on today."""
        for kind, hits in (
            (
                AttentionKind.CONFIRMED_WORSENING,
                [t for t in self.scales if t.assessment.raises_flag],
            ),
            (
                AttentionKind.RELIABLE_CHANGE,
                [t for t in self.scales if t.assessment.raises_exploratory_flag],
            ),
        ):
            confirmed = [t.assessment.confirmed_on for t in hits if t.assessment.confirmed_on]
            if confirmed:
                domains = tuple(dict.fromkeys(t.scale.domain for t in hits))
                return Attention(kind, max(confirmed), domains)
        return None

    @property
    def attention(self) -> Attention | None:
        """The most urgent reason to look at this patient first: a confirmed meaningful
        worsening, then a confirmed reliable worsening, then overdue answers; with its date
        (the latest confirmation, or when the oldest overdue answer fell due)."""
        return attention_of(self.worsening, self.overdue())

    def last_answered(self) -> dict[str, tuple[date, int]]:
        """Per instrument answered: the last day answered and its suggested interval in days
        (1 for the daily check-in)."""
        last: dict[str, tuple[date, int]] = {}
        for t in self.scales:
            if t.points:
                code, point = t.instrument.code, t.points[-1]
                on = point.last_on or point.on  # a weekly mean's last day with a rating
                interval = 1 if code == DAILY else t.instrument.suggested_interval_days
                if code not in last or on > last[code][0]:
                    last[code] = (on, interval)
        return last

    def overdue(self) -> dict[str, date]:
        """Instruments answered before whose next answer is overdue, with the date each fell
        due, oldest first."""
        if self.today is None:
            return {}
        return overdue_since(self.last_answered(), today=self.today)

    def changes(self) -> list[ScaleTrend]:
        """Every scale past its threshold at its latest point, worst first: confirmed meaningful
        worsening, confirmed reliable worsening, unconfirmed worsening (meaningful, then
        reliable), then improvements; within each, the largest change relative to its
        threshold first."""
        return sorted(self.flags, key=_severity)


def trends_for(
    *,
    patients: Sequence[User],
    confirm_after_days: int = CONFIRM_AFTER_DAYS,
    as_of: date | None = None,
) -> dict[int, PatientTrends]:
    """Trends of every scale with data, per patient id, in five queries. With ``as_of``, each
    scale is assessed on its points up to that date: its status as of then (a past period's
    end), not today's.

    1. Daily ratings grouped by patient, scale and Monday-based week: mean and days answered.
    2. Every questionnaire score of current reports, oldest first.
    3. Baseline resets, newest first; the newest per scale applies.
    4. The days of current reports in the last 12 weeks and a day (each person's own today is
       up to a day either side of UTC's), for completion and the last report's date.
    """
    ids = [patient.pk for patient in patients]
    weeks: dict[tuple[int, str, str], list[TrendPoint]] = defaultdict(list)
    rows = weekly_means(ReportScore.objects.filter(patient_id__in=ids, instrument=DAILY))
    for row in rows:
        weeks[(row["patient_id"], DAILY, row["scale"])].append(
            TrendPoint(
                as_date(row["week_on"]), float(row["mean"]), int(row["days"]), row["last_on"]
            )
        )
    scores = (
        ReportScore.objects.filter(patient_id__in=ids)
        .exclude(instrument=DAILY)
        .order_by("local_date", "id")
        .values_list("patient_id", "instrument", "scale", "local_date", "value")
    )
    for patient_id, code, key, on, value in scores:
        weeks[(patient_id, code, key)].append(TrendPoint(on, value))
    resets: dict[tuple[int, str, str], date] = {}
    for reset in BaselineReset.objects.filter(patient_id__in=ids).order_by("-created_at", "-id"):
        resets.setdefault((reset.patient_id, reset.instrument, reset.scale), reset.since)

    utc_today = timezone.now().date()
    last_on: dict[int, date] = dict(
        Report.objects.filter(patient_id__in=ids)
        .values("patient_id")
        .annotate(last=Max("local_date"))
        .values_list("patient_id", "last")
    )
    recent: dict[int, set[date]] = defaultdict(set)
    for patient_id, on in (
        Report.objects.current()
        .filter(
            patient_id__in=ids,
            instrument=DAILY,
            local_date__gte=utc_today - timedelta(days=ADHERENCE_DAYS + 1),
        )
        .values_list("patient_id", "local_date")
    ):
        recent[patient_id].add(on)

    by_patient: dict[int, list[ScaleTrend]] = defaultdict(list)
    for (patient_id, code, key), points in weeks.items():
        if as_of is not None:
            points = [point for point in points if point.on <= as_of]
        trend = _trend(code, key, points, resets.get((patient_id, code, key)), confirm_after_days)
        if trend is not None:
            by_patient[patient_id].append(trend)
    result = {}
    for patient in patients:
        today = timezone.now().astimezone(ZoneInfo(patient.patient_profile.time_zone)).date()
        window_start = today - timedelta(days=ADHERENCE_DAYS - 1)
        days = {on for on in recent[patient.pk] if window_start <= on <= today}
        result[patient.pk] = PatientTrends(
            patient,
            tuple(sorted(by_patient[patient.pk], key=_order)),
            len(days),
            last_on.get(patient.pk),
            today,
        )
    return result


def trends_get(
    *, patient: User, confirm_after_days: int = CONFIRM_AFTER_DAYS, as_of: date | None = None
) -> PatientTrends:
    return trends_for(patients=[patient], confirm_after_days=confirm_after_days, as_of=as_of)[
        patient.pk
    ]


def last_viewed_on(*, clinician: User, patient: User, before: date) -> date | None:
    """The patient's local date of ``clinician``'s latest view of their data on a day before
    ``before`` (the audit trail is the record of views): where a pre-visit summary starts.
    One query."""
    zone = ZoneInfo(patient.patient_profile.time_zone)
    viewed_at = (
        AuditEvent.objects.filter(
            actor=clinician,
            subject_patient=patient,
            action=AuditAction.PATIENT_DATA_VIEWED,
            created_at__lt=datetime.combine(before, time.min, tzinfo=zone),
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return viewed_at.astimezone(zone).date() if viewed_at else None


def _trend(
    code: str,
    key: str,
    points: Iterable[TrendPoint],
    reset_on: date | None,
    confirm_after_days: int,
) -> ScaleTrend | None:
    instrument = instrument_get(code)
    scale = instrument.scale(key) if instrument else None
    if instrument is None or scale is None:
        return None  # a scale no longer defined: nothing to compare against
    series = tuple(points)
    is_weekly = code == DAILY
    rule: BaselineRule = "first_4_weeks_mean" if is_weekly else "first"
    assessment = assess(
        [Point(point.on, point.value) for point in series],
        direction=scale.direction,
        mcid=scale.mcid,
        mdc=scale.mdc,
        baseline_rule=rule,
        # A reset date inside a week counts from that week's Monday.
        baseline_since=reset_on - timedelta(days=reset_on.weekday())
        if reset_on and is_weekly
        else reset_on,
        confirm_after_days=confirm_after_days,
    )
    return ScaleTrend(instrument, scale, is_weekly, series, assessment, reset_on)


_KIND_RANK = {
    ChangeKind.CONFIRMED_WORSENING: 0,
    ChangeKind.UNCONFIRMED_WORSENING: 2,
    ChangeKind.CONFIRMED_IMPROVEMENT: 4,
    ChangeKind.MEANINGFUL_IMPROVEMENT: 6,
}


def _severity(trend: ScaleTrend) -> tuple[int, float]:
    a = trend.assessment
    rank = _KIND_RANK.get(a.kind, 8) if a.kind else 8
    ratio = abs(a.change) / a.threshold if a.change is not None and a.threshold else 0.0
    return (rank + (1 if a.is_reliable_only else 0), -ratio)


def _order(trend: ScaleTrend) -> tuple[int, bool, str, str]:
    return (
        domain_rank(trend.scale.domain),
        not trend.is_weekly_mean,
        trend.instrument.code,
        trend.scale.key,
    )


def daily_context_list(
    *, patient: User, since: date, until: date
) -> list[tuple[date, list[str], str]]:
    """(local date, context tags, note) of the patient's current daily check-ins in the period
    that have either, newest first: one query."""
    return list(
        Report.objects.current()
        .filter(patient=patient, instrument=DAILY, local_date__gte=since, local_date__lte=until)
        .exclude(Q(note="") & Q(context_tags=[]))
        .order_by("-local_date", "-created_at")
        .values_list("local_date", "context_tags", "note")
    )


def checkin_days_count(*, patient: User, since: date, until: date) -> int:
    """On how many days of the period the patient gave a daily check-in."""
    return (
        Report.objects.current()
        .filter(patient=patient, instrument=DAILY, local_date__gte=since, local_date__lte=until)
        .values("local_date")
        .distinct()
        .count()
    )
