from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import LazySettings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from accounts import selectors, services
from accounts.models import (
    AuditEvent,
    Consent,
    PatientProfile,
    ShareCode,
    SharingLink,
    User,
)
from symptoms.models import ReminderSchedule, Report, ReportScore
from symptoms.reports.cohort import TABLES, cohort_create, cohort_email
from symptoms.reports.services import report_submit
from tests.accounts.factories import ClinicianFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def _seed(patients: int = 4, weeks: int = 6, seed: int = 7, **extra: Any) -> list[User]:
    cohort_create(patients=patients, weeks=weeks, seed=seed, today=TODAY, **extra)
    return list(User.objects.filter(email__startswith=f"cohort-{seed}-").order_by("email"))


def _score_rows(report: Report) -> set[tuple[Any, ...]]:
    return set(
        ReportScore.objects.filter(report=report).values_list(
            "instrument", "instrument_version", "scale", "value", "local_date"
        )
    )


def _stored(report: Report) -> dict[str, Any]:
    fields = ("instrument", "instrument_version", "scoring_version", "answers", "scores")
    more = ("context_tags", "note", "language", "mode", "local_date", "time_zone", "completed_at")
    return {name: getattr(report, name) for name in fields + more}


def _twin(person: User) -> User:
    """A person signed up through the product with the seeded person's profile."""
    profile = PatientProfile.objects.get(user=person)
    data = {name: getattr(profile, name) for name in sorted(services.PROFILE_FIELDS)}
    with time_machine.travel(person.date_joined, tick=False):
        # Seeded people chose at sign-up what the site suggests: daily at 19:00 and the
        # questionnaires too.
        twin = services.patient_sign_up(
            email=f"twin-{person.pk}@example.org",
            password="a long password 123",
            profile=data,
            reminders={"frequency": "daily", "local_time": time(19, 0), "questionnaires": True},
        )
        services.email_confirm(user=twin)
    return twin


def test_every_table_is_written_with_all_its_fields() -> None:
    # A field added to one of these models later must be given by the cohort, or be left
    # empty on purpose: this fails until someone decides which.
    assert {table.model.__name__: table.missing_fields() for table in TABLES.values()} == {
        table.model.__name__: set() for table in TABLES.values()
    }


def test_it_stores_each_report_as_report_submit_would() -> None:
    with time_machine.travel(NOW, tick=False):
        person = _seed(patients=2, weeks=6)[0]
        twin = _twin(person)
        seeded = list(Report.objects.filter(patient=person).order_by("completed_at"))
        assert {"daily"} < {report.instrument for report in seeded}  # and monthly ones
        for report in seeded:
            submitted = report_submit(
                patient=twin,
                instrument=report.instrument,
                answers=report.answers,
                client_id=report.client_id,
                context_tags=report.context_tags,
                completed_at=report.completed_at,
                is_import=True,
            ).report
            assert _stored(report) == _stored(submitted)
            assert _score_rows(report) == _score_rows(submitted)


def test_it_leaves_each_person_as_sign_up_with_a_profile_and_a_confirmed_email_would() -> None:
    with time_machine.travel(NOW, tick=False):
        person = _seed(patients=1)[0]
        twin = _twin(person)

    def schedules(user: User) -> list[tuple[Any, ...]]:
        return list(
            ReminderSchedule.objects.filter(patient=user)
            .order_by("instrument")
            .values_list(
                "instrument", "frequency", "local_time", "weekday", "every_n_weeks",
                "day_of_month", "quiet_start", "quiet_end", "paused_until", "is_active",
                "starts_on", "created_at", "updated_at", "origin", "channel",
            )  # not planned_until: the seed leaves planning to the planner's next tick
        )  # fmt: skip

    assert schedules(person) == schedules(twin)
    assert selectors.email_is_verified(user=person)
    assert list(EmailAddress.objects.filter(user=person).values_list("verified", "primary")) == [
        (True, True)
    ]
    profile_events = AuditEvent.objects.filter(action="profile_updated")
    assert profile_events.get(subject_patient=person).detail == (
        profile_events.get(subject_patient=twin).detail
    )
    assert not person.has_usable_password()
    assert person.is_active
    assert person.role == "patient"


def test_research_counts_the_seeded_people_who_consented() -> None:
    with time_machine.travel(NOW, tick=False):
        people = _seed(patients=40, weeks=6)
        twin = _twin(people[0])
        services.consent_set(user=twin, granted=True)
    consents = Consent.objects.filter(user__in=people)
    withdrawn = consents.filter(withdrawn_at__isnull=False)
    assert 0 < consents.count() < len(people)  # most consent, not everyone
    counted = set(
        Consent.objects.counted_in_research_at(timezone.now()).values_list("user_id", flat=True)
    )
    assert counted == {consent.user_id for consent in consents if consent.withdrawn_at is None} | {
        twin.pk
    }
    # Each grant and withdrawal has its audit event, as consent_set writes them.
    assert (
        AuditEvent.objects.filter(subject_patient__in=people, action="consent_granted").count()
        == consents.count()
    )
    assert (
        AuditEvent.objects.filter(subject_patient__in=people, action="consent_withdrawn").count()
        == withdrawn.count()
    )
    granted = consents.first()
    assert granted is not None
    assert granted.text_version == Consent.objects.get(user=twin).text_version
    assert (
        AuditEvent.objects.get(subject_patient=granted.user, action="consent_granted").detail
        == AuditEvent.objects.get(subject_patient=twin, action="consent_granted").detail
    )


def test_it_shares_everyone_with_the_clinician_as_the_share_code_flow_would() -> None:
    clinician = ClinicianFactory()
    with time_machine.travel(NOW, tick=False):
        people = _seed(patients=3, clinician=clinician)
        twin = _twin(people[0])
        code, _ = services.share_code_create(patient=twin)
        services.share_code_redeem(clinician=clinician, code=code)

    assert set(selectors.clinician_patients(clinician=clinician)) == {*people, twin}

    def sharing(user: User) -> tuple[Any, ...]:
        link = SharingLink.objects.get(patient=user)
        share_code = ShareCode.objects.get(patient=user)
        actions = list(
            AuditEvent.objects.filter(subject_patient=user)
            .exclude(action__in=("profile_updated", "consent_granted", "consent_withdrawn"))
            .order_by("created_at", "id")
            .values_list("action", "actor_id")
        )
        return (
            link.source, link.clinician_id, link.revoked_at, share_code.redeemed_by_id,
            share_code.expires_at - share_code.created_at, actions,
        )  # fmt: skip

    assert sharing(people[0])[:5] == sharing(twin)[:5]
    assert sharing(people[0])[5] == [
        ("share_code_created", people[0].pk),
        ("sharing_link_created", clinician.pk),
    ]
    assert sharing(twin)[5] == [
        ("share_code_created", twin.pk),
        ("sharing_link_created", clinician.pk),
    ]


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """The cohort's rows without database ids, people named by email."""
    email = dict(User.objects.values_list("pk", "email"))
    reports = dict(Report.objects.values_list("pk", "public_id"))
    return {
        "users": sorted(User.objects.values_list("email", "public_id", "password", "date_joined")),
        "profiles": sorted(
            (email[row[0]], *row[1:])
            for row in PatientProfile.objects.values_list(
                "user_id", "birth_year", "sex", "ms_type", "diagnosis_year", "country", "time_zone"
            )
        ),
        "consents": sorted(
            (email[row[0]], *row[1:])
            for row in Consent.objects.values_list(
                "user_id", "public_id", "granted_at", "withdrawn_at"
            )
        ),
        "reports": sorted(
            (email[row[0]], *row[1:])
            for row in Report.objects.values_list(
                "patient_id",
                "public_id",
                "client_id",
                "instrument",
                "answers",
                "scores",
                "context_tags",
                "local_date",
                "completed_at",
            )
        ),
        "scores": sorted(
            (reports[row[0]], *row[1:])
            for row in ReportScore.objects.values_list("report_id", "scale", "value", "local_date")
        ),
    }


def _seed_and_forget(seed: int) -> dict[str, list[tuple[Any, ...]]]:
    with transaction.atomic():
        _seed(patients=5, weeks=5, seed=seed)
        rows = _snapshot()
        transaction.set_rollback(True)
    return rows


def test_the_same_seed_gives_the_same_rows() -> None:
    with time_machine.travel(NOW, tick=False):
        first, again, other = _seed_and_forget(3), _seed_and_forget(3), _seed_and_forget(4)
    assert first["reports"]
    assert first == again
    assert first["reports"] != other["reports"]
    assert first["users"] != other["users"]


def test_the_history_is_realistic() -> None:
    with time_machine.travel(NOW, tick=False):
        people = _seed(patients=12, weeks=52)
    daily = Report.objects.filter(instrument="daily")
    per_person = [daily.filter(patient=person).count() for person in people]
    assert max(per_person) < 52 * 7  # days are missed
    assert min(per_person) > 52 * 7 / 5
    assert daily.order_by("-local_date").first().local_date < TODAY  # ends yesterday at latest
    assert daily.order_by("local_date").first().local_date >= TODAY - timedelta(weeks=52)
    # The default monthly questionnaires, each on its own day of the month.
    days = {
        code: {day.day for day in Report.objects.filter(instrument=code).values_list(
            "local_date", flat=True)}
        for code in ("mfis", "pdds", "neuroqol_ue", "pes", "pdq")
    }  # fmt: skip
    assert days == {"mfis": {1}, "pdds": {8}, "neuroqol_ue": {15}, "pes": {22}, "pdq": {28}}
    profiles = PatientProfile.objects.filter(user__in=people)
    assert profiles.filter(ms_type__in=("spms", "ppms")).count() > len(people) / 2
    assert profiles.filter(country="GB").count() > len(people) / 3
    # Walking slowly worsens: the cohort's mean rating is higher in the last month of the year
    # than in its first two (both out of the summer heat).
    mobility = ReportScore.objects.filter(instrument="daily", scale="mobility")
    first = mobility.filter(local_date__lt=TODAY - timedelta(weeks=44))
    last = mobility.filter(local_date__gte=TODAY - timedelta(weeks=4))
    mean = lambda rows: sum(rows.values_list("value", flat=True)) / rows.count()  # noqa: E731
    assert mean(last) > mean(first) + 0.3


def test_the_command_loads_a_cohort_once_per_seed(
    settings: LazySettings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.DEBUG = True
    clinician = ClinicianFactory(email="dr@example.org")
    call_command("seed_cohort", "--patients", "3", "--weeks", "2", "--share-with", "DR@example.org")
    assert User.objects.filter(email=cohort_email(1, 2)).exists()
    assert SharingLink.objects.filter(clinician=clinician).count() == 3
    assert "3/3 patients" in capsys.readouterr().err  # the progress bar

    with pytest.raises(CommandError, match="seed 1 is already loaded"):
        call_command("seed_cohort", "--patients", "3", "--weeks", "2")
    with pytest.raises(CommandError, match="No clinician"):
        call_command("seed_cohort", "--patients", "3", "--weeks", "2", "--seed", "2",
                     "--share-with", "nobody@example.org")  # fmt: skip


def test_the_command_refuses_to_run_without_debug(settings: LazySettings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_cohort", "--patients", "1", "--weeks", "1")
    assert not User.objects.exists()
