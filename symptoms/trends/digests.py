"""The clinician's patient list, read in a fixed number of queries whatever the histories' length
and however many patients.

What needs a whole history (each scale's assessment: flags, reliable changes, the last day each
instrument was answered) is kept per patient as a small ``TrendDigest`` in the cache, keyed by
the patient's last change (``symptoms.history.cache``): a new report or baseline reset changes
the key, so the next view reads it afresh and nothing is ever stale. What depends on today (the
12-week completion, overdue answers) is worked out on every view from bounded reads.

1. The patients who share now, with their profiles, last change and 12-week check-in days
   (one query, a few index probes per patient).
2. Their digests from the cache (one round trip); the missing ones from ``trends_for`` (five
   queries for all of them together) and stored (one round trip on Redis).
   Each patient's days with a daily check-in in their last 84 days come with step 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from accounts.selectors import clinician_patients
from symptoms.history.cache import CACHE_SECONDS, LastChange, last_change_of, with_last_change
from symptoms.instruments.definitions import DAILY, instrument_get
from symptoms.instruments.scoring import Instrument, Scale
from symptoms.models import Report
from symptoms.trends.change import Assessment
from symptoms.trends.selectors import (
    ADHERENCE_DAYS,
    ATTENTION_RANK,
    Attention,
    AttentionKind,
    PatientTrends,
    attention_of,
    overdue_since,
    trends_for,
    trends_get,
)


@dataclass(frozen=True)
class TrendDigest:
    """What the list needs of one patient's whole history; a few hundred bytes pickled."""

    flagged_domains: tuple[str, ...]
    exploratory_domains: tuple[str, ...]
    worsening: Attention | None
    last_answered: tuple[tuple[str, date, int], ...]  # instrument, last day, interval days
    last_report_on: date | None

    @classmethod
    def of(cls, trends: PatientTrends) -> TrendDigest:
        return cls(
            tuple(trends.flagged_domains),
            tuple(trends.exploratory_domains),
            trends.worsening,
            tuple((code, on, days) for code, (on, days) in trends.last_answered().items()),
            trends.last_report_on,
        )


@dataclass(frozen=True)
class PatientRow:
    """One line of the list: the same names as ``PatientTrends`` has for them."""

    patient: User
    digest: TrendDigest
    checkin_days_12_weeks: int
    today: date

    @property
    def last_report_on(self) -> date | None:
        return self.digest.last_report_on

    @property
    def completion_rate_12_weeks(self) -> float:
        return round(self.checkin_days_12_weeks / ADHERENCE_DAYS, 3)

    @property
    def flagged_domains(self) -> list[str]:
        return list(self.digest.flagged_domains)

    @property
    def exploratory_domains(self) -> list[str]:
        return list(self.digest.exploratory_domains)

    def overdue(self) -> dict[str, date]:
        last = {code: (on, days) for code, on, days in self.digest.last_answered}
        return overdue_since(last, today=self.today)

    @property
    def attention(self) -> Attention | None:
        return attention_of(self.digest.worsening, self.overdue())


def digest_key(patient_id: int, change: LastChange) -> str:
    return change.key("trend-digest", patient_id)


def trend_digests(patients: Sequence[User]) -> dict[int, TrendDigest]:
    """Each patient's digest by id: from the cache, else worked out for all the missing ones
    at once and cached. ``patients`` should carry ``with_last_change``'s annotations."""
    keys = {patient.pk: digest_key(patient.pk, last_change_of(patient)) for patient in patients}
    found = cache.get_many(list(keys.values()))
    digests = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [patient for patient in patients if patient.pk not in digests]
    if missing:
        fresh = {pk: TrendDigest.of(trends) for pk, trends in trends_for(patients=missing).items()}
        cache.set_many({keys[pk]: digest for pk, digest in fresh.items()}, CACHE_SECONDS)
        digests.update(fresh)
    return digests


def patient_digest_forget(*, patient: User) -> None:
    """Drop the patient's current digests now rather than when they expire (account
    deletion); charts are keyed by day as well and expire."""
    change = last_change_of(patient)
    cache.delete_many([digest_key(patient.pk, change), change.key("trend-changes", patient.pk)])


def with_checkin_days(patients: QuerySet[User]) -> QuerySet[User]:
    """``patients`` annotated with ``checkin_days_0`` to ``_2``: the days with a daily check-in
    in the 84 days up to UTC's yesterday, today and tomorrow (a person's own today is one of
    them), each a correlated count over the ``(patient, instrument, local_date)`` index, 12
    weeks per patient. PostgreSQL's planner, asked for one grouped query over all patients
    instead, walked each whole history through the patient index.

    Every daily report counts, superseded or not: a correction keeps its report's day
    (reports.services), so the days are the same and no anti-join is needed."""
    utc_today = timezone.now().date()
    annotations = {}
    for index, shift in enumerate((-1, 0, 1)):
        end = utc_today + timedelta(days=shift)
        days = (
            Report.objects.filter(
                patient=OuterRef("pk"),
                instrument=DAILY,
                local_date__gt=end - timedelta(days=ADHERENCE_DAYS),
                local_date__lte=end,
            )
            .order_by()
            .values("patient")
            .annotate(days=Count("local_date", distinct=True))
            .values("days")
        )
        annotations[f"checkin_days_{index}"] = Coalesce(Subquery(days), 0)
    return patients.annotate(**annotations)


def checkin_days_of(patient: User) -> tuple[date, int]:
    """The patient's local today and their check-in days, from ``with_checkin_days``."""
    today = timezone.now().astimezone(ZoneInfo(patient.patient_profile.time_zone)).date()
    index = (today - timezone.now().date()).days + 1
    return today, int(getattr(patient, f"checkin_days_{index}"))


def clinician_patient_rows(
    *, clinician: User, search: str = "", flagged: bool | None = None
) -> list[PatientRow]:
    """The clinician's patients, who needs attention first (``_attention_key``: confirmed
    worsening, then reliable change, then overdue answers, the most recent first), then by
    name; ``search`` matches a name or the exact email; ``flagged`` keeps one kind."""
    patients = clinician_patients(clinician=clinician).select_related("patient_profile")
    if search:
        patients = patients.filter(Q(full_name__icontains=search) | Q(email__iexact=search))
    people = list(with_checkin_days(with_last_change(patients)))
    digests = trend_digests(people)
    rows = []
    for person in people:
        today, days = checkin_days_of(person)
        rows.append(PatientRow(person, digests[person.pk], days, today))
    if flagged is not None:
        rows = [row for row in rows if bool(row.flagged_domains) == flagged]
    rows.sort(key=_attention_key)
    return rows


def _attention_key(row: PatientRow) -> tuple[int, int, str]:
    attention = row.attention
    if attention is None:
        return (len(ATTENTION_RANK), 0, row.patient.full_name.lower())
    # Worsening: the latest confirmation first. Overdue: the longest overdue first.
    recency = (
        attention.on.toordinal()
        if attention.kind is AttentionKind.OVERDUE
        else -attention.on.toordinal()
    )
    return (ATTENTION_RANK[attention.kind], recency, row.patient.full_name.lower())


# --- The person's own "changes since your first answers" -------------------------------------


@dataclass(frozen=True)
class Change:
    """A scale past its threshold at its latest point (what the history page lists)."""

    instrument: Instrument
    scale: Scale
    assessment: Assessment


def trend_changes(*, patient: User, change: LastChange | None = None) -> list[Change]:
    """``trends_get(patient=...).changes()``, worst first, kept in the cache under the
    patient's last change (read here unless given): the whole history is read once per new
    report, not per view. Only codes and assessments are cached; the definitions come from
    memory."""
    key = (change or last_change_of(patient)).key("trend-changes", patient.pk)
    cached: list[tuple[str, str, Assessment]] | None = cache.get(key)
    if cached is None:
        cached = [
            (t.instrument.code, t.scale.key, t.assessment)
            for t in trends_get(patient=patient).changes()
        ]
        cache.set(key, cached, CACHE_SECONDS)
    changes = []
    for code, scale_key, assessment in cached:
        instrument = instrument_get(code)
        scale = instrument.scale(scale_key) if instrument else None
        if instrument is not None and scale is not None:
            changes.append(Change(instrument, scale, assessment))
    return changes
