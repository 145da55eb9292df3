"""Reads of reminders, scoped to the person: their delivery log and how often they answered."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from symptoms.models import ReminderDelivery, ReminderOccurrence, ReminderSchedule
from symptoms.reminders.occurrences import Status


def reminder_schedule_list(*, patient: User) -> QuerySet[ReminderSchedule]:
    return ReminderSchedule.objects.filter(patient=patient)


def reminder_schedule_get(*, patient: User, public_id: uuid.UUID) -> ReminderSchedule:
    """One of the person's own schedules; anyone else's is a 404."""
    return get_object_or_404(ReminderSchedule, patient=patient, public_id=public_id)


def reminder_delivery_list(*, patient: User) -> QuerySet[ReminderDelivery]:
    return ReminderDelivery.objects.filter(occurrence__patient=patient).select_related("occurrence")


@dataclass(frozen=True)
class Adherence:
    instrument: str
    completed_4_weeks: int
    due_4_weeks: int
    completed_12_weeks: int
    due_12_weeks: int

    @staticmethod
    def _rate(done: int, due: int) -> float | None:
        return round(done / due, 3) if due else None

    @property
    def rate_4_weeks(self) -> float | None:
        return self._rate(self.completed_4_weeks, self.due_4_weeks)

    @property
    def rate_12_weeks(self) -> float | None:
        return self._rate(self.completed_12_weeks, self.due_12_weeks)


def reminder_adherence(*, patient: User, now: datetime | None = None) -> list[Adherence]:
    """Per instrument, over the last 4 and 12 weeks: reminders answered in their window, out of
    those due whose outcome is known (answered, or the window closed). Skipped ones (paused,
    rescheduled) and ones still open without an answer do not count. One query."""
    now = now or timezone.now()
    since_4, since_12 = now - timedelta(weeks=4), now - timedelta(weeks=12)
    done = Q(status=Status.COMPLETED)
    known = Q(status__in=(Status.COMPLETED, Status.EXPIRED, Status.FAILED))
    rows = (
        ReminderOccurrence.objects.filter(patient=patient, due_at__gt=since_12, due_at__lte=now)
        .values("instrument")
        .annotate(
            completed_4=Count("pk", filter=done & Q(due_at__gt=since_4)),
            due_4=Count("pk", filter=known & Q(due_at__gt=since_4)),
            completed_12=Count("pk", filter=done),
            due_12=Count("pk", filter=known),
        )
        .order_by("instrument")
    )
    return [
        Adherence(
            instrument=row["instrument"],
            completed_4_weeks=row["completed_4"],
            due_4_weeks=row["due_4"],
            completed_12_weeks=row["completed_12"],
            due_12_weeks=row["due_12"],
        )
        for row in rows
    ]
