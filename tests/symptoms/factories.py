"""Reports are made through the service, as the product makes them, so scores and the narrow
score table stay consistent."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import factory

from accounts.models import User
from symptoms.models import (
    DeliveryEvent,
    Frequency,
    ReminderDelivery,
    ReminderOccurrence,
    ReminderSchedule,
    Report,
)
from symptoms.services import report_submit
from tests.accounts.factories import PatientFactory

DAILY = {"fatigue": 6, "mobility": 5, "upper_limb": 3, "pain": 2, "cognition": 4}


def report(
    patient: User,
    instrument: str = "daily",
    answers: dict[str, Any] | None = None,
    on: date | None = None,
    **kwargs: Any,
) -> Report:
    """One report by ``patient``; ``on`` is the local date it is about (evening, local time)."""
    if on is not None:
        zone = ZoneInfo(patient.patient_profile.time_zone)
        kwargs["completed_at"] = datetime.combine(on, time(19, 0), tzinfo=zone)
        kwargs["is_import"] = True
    return report_submit(
        patient=patient,
        instrument=instrument,
        answers=DAILY if answers is None else answers,
        client_id=kwargs.pop("client_id", uuid.uuid4()),
        **kwargs,
    ).report


# --- Reminders ----------------------------------------------------------------------------------
# Rows made directly, not through the planner: for the pages and selectors that read them. The
# services' own tests plan occurrences through ``reminder_schedule_create``.


class ReminderScheduleFactory(factory.django.DjangoModelFactory[ReminderSchedule]):
    class Meta:
        model = ReminderSchedule

    patient = factory.SubFactory(PatientFactory)
    instrument = "daily"
    frequency = Frequency.DAILY
    local_time = time(19, 0)
    starts_on = date(2025, 1, 1)


class ReminderOccurrenceFactory(factory.django.DjangoModelFactory[ReminderOccurrence]):
    """A daily reminder's row: its window is the due time's UTC day, wide enough for tests."""

    class Meta:
        model = ReminderOccurrence

    schedule = factory.SubFactory(ReminderScheduleFactory)
    patient = factory.SelfAttribute("schedule.patient")
    instrument = factory.SelfAttribute("schedule.instrument")
    due_at = datetime(2025, 6, 17, 17, 0, tzinfo=UTC)
    opens_at = factory.LazyAttribute(lambda row: row.due_at - timedelta(hours=12))
    closes_at = factory.LazyAttribute(lambda row: row.due_at + timedelta(hours=12))
    send_after = factory.SelfAttribute("due_at")


class ReminderDeliveryFactory(factory.django.DjangoModelFactory[ReminderDelivery]):
    class Meta:
        model = ReminderDelivery

    occurrence = factory.SubFactory(ReminderOccurrenceFactory)
    event = DeliveryEvent.SENT
    channel = "email"
