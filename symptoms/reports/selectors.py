"""Every read of self-reports, scoped by the person asking: another person's report is a 404."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Max, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from symptoms.instruments.definitions import DAILY
from symptoms.instruments.scoring import Instrument
from symptoms.instruments.selectors import instrument_list
from symptoms.models import (
    OccurrenceStatus,
    ReminderOccurrence,
    ReminderSchedule,
    Report,
    ReportDraft,
)
from symptoms.reminders.occurrences import OPEN

# A reminder on its way, sent, or whose email failed: while its window is open, it is due.
DUE_STATUSES = (*OPEN, OccurrenceStatus.FAILED)


def report_list(
    *,
    patient: User,
    instrument: str | None = None,
    since: date | None = None,
    until: date | None = None,
    include_superseded: bool = False,
) -> QuerySet[Report]:
    reports = Report.objects.filter(patient=patient).select_related("supersedes", "superseded_by")
    if not include_superseded:
        reports = reports.current()
    if instrument:
        reports = reports.filter(instrument=instrument)
    if since:
        reports = reports.filter(local_date__gte=since)
    if until:
        reports = reports.filter(local_date__lte=until)
    return reports


def report_get(*, patient: User, public_id: uuid.UUID) -> Report:
    """One of the person's own reports, current or superseded; anyone else's is a 404."""
    reports = Report.objects.select_related("supersedes", "superseded_by")
    return get_object_or_404(reports, patient=patient, public_id=public_id)


def daily_get(*, patient: User, on: date) -> Report | None:
    return Report.objects.current().filter(patient=patient, instrument=DAILY, local_date=on).first()


@dataclass(frozen=True)
class Due:
    instrument: Instrument
    last_on: date | None  # local date of the last current report, if any
    is_due: bool
    draft: ReportDraft | None


def questionnaires_due(*, patient: User, today: date, now: datetime | None = None) -> list[Due]:
    """Each questionnaire (not the daily check-in) with whether it is due.

    A questionnaire with an active reminder schedule is due while one of its reminders' answer
    windows is open and unanswered, so the home page says what the last email said. Without a
    schedule, one in the default set (one per domain), or one the person has answered before,
    is due when never answered or when its suggested interval (from the recall period) has
    passed since the last report. Four queries.
    """
    now = now or timezone.now()
    last_on = dict(
        Report.objects.current()
        .filter(patient=patient)
        .exclude(instrument=DAILY)
        .values("instrument")
        .annotate(last=Max("local_date"))
        .values_list("instrument", "last")
    )
    drafts = {draft.instrument: draft for draft in ReportDraft.objects.filter(patient=patient)}
    scheduled = set(
        ReminderSchedule.objects.filter(patient=patient, is_active=True).values_list(
            "instrument", flat=True
        )
    )
    open_now = set(
        ReminderOccurrence.objects.filter(
            patient=patient,
            status__in=DUE_STATUSES,
            opens_at__lte=now,
            closes_at__gt=now,
        ).values_list("instrument", flat=True)
    )
    due = []
    for instrument in instrument_list():
        if instrument.code == DAILY:
            continue
        last = last_on.get(instrument.code)
        if instrument.code in scheduled:
            is_due = instrument.code in open_now
        else:
            interval = timedelta(days=instrument.suggested_interval_days or 28)
            is_tracked = instrument.is_in_default_set or last is not None
            is_due = is_tracked and (last is None or today - last >= interval)
        due.append(Due(instrument, last, is_due, drafts.get(instrument.code)))
    return due


def draft_get(*, patient: User, instrument: str) -> ReportDraft | None:
    return ReportDraft.objects.filter(patient=patient, instrument=instrument).first()
