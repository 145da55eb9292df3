"""Rules of reminders that several layers apply, each defined once: the cap of "every N weeks"
holds alike in the planner, the service, the database, the API and the form, and "today" is the
patient's own."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from symptoms.models import Frequency, ReminderSchedule
from symptoms.reminders import planning
from symptoms.reminders.forms import ReminderScheduleForm
from symptoms.reminders.planning import MAX_EVERY_N_WEEKS, Rule
from symptoms.reminders.schedules import (
    ScheduleInvalid,
    reminder_defaults_create,
    reminder_schedule_create,
)

pytestmark = pytest.mark.django_db
WEEKLY = {"frequency": Frequency.WEEKLY, "local_time": time(18, 30), "weekday": 2}
TOO_MANY = MAX_EVERY_N_WEEKS + 1


def test_every_n_weeks_goes_up_to_a_quarter() -> None:
    assert MAX_EVERY_N_WEEKS == 12


def test_the_planner_takes_the_cap_and_refuses_more() -> None:
    rule = {"local_time": time(19), "time_zone": "Europe/Rome", "starts_on": date(2026, 1, 1)}
    weekly = planning.Frequency.WEEKLY
    Rule(**rule, frequency=weekly, weekday=0, every_n_weeks=MAX_EVERY_N_WEEKS)
    with pytest.raises(ValueError, match=f"from 1 to {MAX_EVERY_N_WEEKS}"):
        Rule(**rule, frequency=weekly, weekday=0, every_n_weeks=TOO_MANY)


def test_the_service_takes_the_cap_and_refuses_more(alice: User) -> None:
    schedule = reminder_schedule_create(
        patient=alice, instrument="fss", data={**WEEKLY, "every_n_weeks": MAX_EVERY_N_WEEKS}
    )
    assert schedule.every_n_weeks == MAX_EVERY_N_WEEKS

    with pytest.raises(ScheduleInvalid) as refused:
        reminder_schedule_create(
            patient=alice, instrument="pdds", data={**WEEKLY, "every_n_weeks": TOO_MANY}
        )
    assert (refused.value.field, refused.value.code) == ("every_n_weeks", "out_of_range")
    assert str(refused.value.message) == f"Every 1 to {MAX_EVERY_N_WEEKS} weeks."


def test_the_database_refuses_more_than_the_cap(alice: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSchedule.objects.create(
            patient=alice,
            instrument="fss",
            starts_on=date(2026, 1, 1),
            every_n_weeks=TOO_MANY,
            **WEEKLY,
        )


@pytest.mark.parametrize(("weeks", "status"), [(MAX_EVERY_N_WEEKS, 201), (TOO_MANY, 400)])
def test_the_api_takes_the_cap_and_refuses_more(
    api_as: Any, alice: User, weeks: int, status: int
) -> None:
    api: APIClient = api_as(alice)
    body = {"instrument": "fss", "frequency": "weekly", "local_time": "18:30", "weekday": 2}
    response = api.post(
        "/api/v1/reminder-schedules/", body | {"every_n_weeks": weeks}, format="json"
    )

    assert response.status_code == status
    if status == 400:
        [error] = response.json()["errors"]
        assert (error["attr"], error["code"]) == ("every_n_weeks", "max_value")


def test_the_form_says_the_cap() -> None:
    help_text = str(ReminderScheduleForm.base_fields["every_n_weeks"].help_text)
    assert f"up to {MAX_EVERY_N_WEEKS}." in help_text


def test_a_new_schedule_starts_on_the_patient_s_today_whatever_zone_is_active(
    alice: User,
) -> None:
    # 23:30 on 1 March in UTC is already 2 March in Rome, and 1 March in Honolulu: a service
    # takes "today" from the patient's own zone, never from the zone a request activated.
    alice.patient_profile.time_zone = "Europe/Rome"
    alice.patient_profile.save()
    with (
        time_machine.travel(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), tick=False),
        timezone.override("Pacific/Honolulu"),
    ):
        schedule = reminder_schedule_create(patient=alice, instrument="fss", data=WEEKLY)
        defaults = reminder_defaults_create(patient=alice)

    assert schedule.starts_on == date(2026, 3, 2)
    assert defaults > 0
    starts = set(ReminderSchedule.objects.filter(patient=alice).values_list("starts_on", flat=True))
    assert starts == {date(2026, 3, 2)}
