"""Reports are made through the service, as the product makes them, so scores and the narrow
score table stay consistent."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import factory
import time_machine

from accounts.models import User
from symptoms.models import (
    DeliveryEvent,
    Frequency,
    ReminderDelivery,
    ReminderOccurrence,
    ReminderSchedule,
    Report,
)
from symptoms.reports.services import report_submit
from tests.accounts.factories import PatientFactory

DAILY = {"fatigue": 6, "mobility": 5, "upper_limb": 3, "pain": 2, "cognition": 4}
MFIS_ALL_TWOS = {str(number): 2 for number in range(1, 22)}  # total 42
# The patient-page tests' moment: a Wednesday, so Monday-based weeks are easy to follow.
PAGES_NOW = datetime(2025, 6, 18, 10, 30, tzinfo=UTC)


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


def research_cohort(
    size: int, *, on: date, seed: int = 0, also_on: tuple[date, ...] = ()
) -> list[User]:
    """``size`` consenting patients with varied profiles, each with one daily check-in on
    ``on`` (and on each day of ``also_on``) and, for about a third, an MFIS total: written with
    bulk_create, so that cohorts of thousands take seconds. Scores go straight into the narrow
    table, as report_submit would store them."""
    import random

    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from accounts.models import Consent, ConsentPurpose, MSType, PatientProfile, Role, Sex
    from symptoms.research.demo import score_rows_create

    rng = random.Random(seed)
    tag = uuid.uuid4().hex[:8]
    users = User.objects.bulk_create(
        User(email=f"cohort-{tag}-{i}@example.org", role=Role.PATIENT, password="!")
        for i in range(size)
    )
    # Confirmed addresses, as research counts only people whose email is confirmed.
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    countries = ["GB", "GB", "GB", "US", "US", "CA", "DE", "IT", "AU", "MT", ""]
    PatientProfile.objects.bulk_create(
        PatientProfile(
            user=user,
            birth_year=(born := rng.randint(1940, 2004)),
            diagnosis_year=rng.randint(born + 18, on.year),
            sex=rng.choice([Sex.FEMALE, Sex.FEMALE, Sex.MALE, Sex.UNDISCLOSED]),
            ms_type=rng.choice([MSType.PPMS, MSType.SPMS, MSType.SPMS, MSType.RRMS, ""]),
            country=rng.choice(countries),
        )
        for user in users
    )
    # Consented before the reports (a release counts only reports dated on or after consent).
    granted = min(timezone.now(), datetime.combine(on, time(0), tzinfo=UTC) - timedelta(days=1))
    Consent.objects.bulk_create(
        Consent(user=user, purpose=ConsentPurpose.RESEARCH, text_version="1", granted_at=granted)
        for user in users
    )
    reports: list[Report] = []
    for day in (on, *also_on):
        completed = datetime.combine(day, time(19, 0), tzinfo=ZoneInfo("UTC"))
        for user in users:
            daily = {item: rng.randint(0, 10) for item in DAILY}
            reports.append(report_row(user, "daily", daily, daily, day, completed))
            if rng.random() < 0.35:
                total = rng.randint(0, 84)
                reports.append(report_row(user, "mfis", {}, {"total": total}, day, completed))
    Report.objects.bulk_create(reports, batch_size=2000)
    score_rows_create(reports)
    return users


def report_row(
    user: User,
    instrument: str,
    answers: dict[str, Any],
    scores: dict[str, Any],
    on: date,
    completed: datetime,
) -> Report:
    """An unsaved report, for bulk_create where the service would take minutes (long histories,
    large cohorts); the caller writes its scores into ReportScore as the service would."""
    return Report(
        patient=user,
        instrument=instrument,
        instrument_version="1",
        scoring_version="1",
        client_id=uuid.uuid4(),
        answers=answers,
        scores=scores,
        language="en",
        local_date=on,
        time_zone="UTC",
        completed_at=completed,
    )


def published_release(people: int = 11, on: date = date(2026, 2, 10)) -> Any:
    """A published research release over ``people`` consenting patients, each with one daily
    check-in on ``on``, built in this process."""
    from accounts.services import consent_set
    from symptoms.research import services
    from tests.accounts.factories import PatientFactory

    for _ in range(people):
        person = PatientFactory()
        with time_machine.travel(datetime.combine(on, time(0), tzinfo=UTC), tick=False):
            consent_set(user=person, granted=True)  # before the report, so that it counts
        report(person, on=on)
    queued = services.release_request(
        requested_by=None, first_quarter=f"{on.year}-Q{(on.month - 1) // 3 + 1}", queue=False
    )
    return services.release_build(release_id=queued.pk)
