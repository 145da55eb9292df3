"""First reminders are chosen, not imposed (issue 18, point 7): sign-up asks whether and when,
in the person's zone, makes only what was chosen, and each email's closing line says how its
reminder came to be."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from symptoms.models import ReminderOccurrence, ReminderSchedule, ScheduleOrigin
from symptoms.reminders.occurrences import Status
from symptoms.reminders.schedules import reminder_schedule_create, reminder_schedule_update
from symptoms.reminders.sending import Outcome, reminder_send
from tests.accounts.test_pages import signup_data
from tests.symptoms.factories import ReminderScheduleFactory

NOW = datetime(2025, 6, 17, 17, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def sign_up(client: Client, **choice: Any) -> Any:
    return client.post(reverse("accounts:signup"), signup_data(**choice))


def schedules_of(email: str) -> list[tuple[Any, ...]]:
    rows = ReminderSchedule.objects.filter(patient__email=email).order_by("id")
    return [
        (r.instrument, r.frequency, f"{r.local_time:%H:%M}", r.weekday, r.day_of_month, r.origin)
        for r in rows
    ]


# --- Sign-up asks -------------------------------------------------------------------------------


def test_the_sign_up_page_asks_with_nothing_chosen_in_advance(client: Client, db: Any) -> None:
    html = client.get(reverse("accounts:signup")).content.decode()

    assert "Reminders for your daily check-in" in html
    assert "No reminders: I will come back when I want" in html
    assert 'name="reminder_frequency"' in html
    assert 'name="reminder_frequency" value="daily" required' not in html
    assert "checked" not in html.split('name="reminder_frequency"', 1)[1].split("</fieldset>")[0]
    assert 'name="reminder_questionnaires"' in html


def test_it_needs_an_answer_and_makes_no_account_without_one(client: Client, db: Any) -> None:
    response = sign_up(client, reminder_frequency="")

    assert response.status_code == 200
    assert "Choose when to be reminded, or no reminders." in response.content.decode()
    assert not User.objects.filter(email="erin@example.org").exists()


def test_no_reminders_means_none(client: Client, db: Any) -> None:
    assert sign_up(client, reminder_frequency="none").status_code == 302

    assert schedules_of("erin@example.org") == []


def test_every_day_at_the_chosen_time_in_the_persons_zone(client: Client, db: Any) -> None:
    response = sign_up(client, reminder_frequency="daily", reminder_time="07:30")

    assert response.status_code == 302
    assert schedules_of("erin@example.org") == [("daily", "daily", "07:30", None, None, "sign_up")]
    # 07:30 in Rome (CEST) is 05:30 UTC: the first reminder is tomorrow morning there.
    first = ReminderOccurrence.objects.filter(patient__email="erin@example.org").order_by("due_at")
    assert first[0].due_at == datetime(2025, 6, 18, 5, 30, tzinfo=UTC)


def test_once_a_week_on_the_chosen_day_with_the_questionnaires(client: Client, db: Any) -> None:
    response = sign_up(
        client,
        reminder_frequency="weekly",
        reminder_time="18:00",
        reminder_weekday="3",
        reminder_questionnaires="on",
    )

    assert response.status_code == 302
    assert schedules_of("erin@example.org") == [
        ("daily", "weekly", "18:00", 3, None, "sign_up"),
        ("mfis", "monthly", "18:00", None, 1, "sign_up"),
        ("pdds", "monthly", "18:00", None, 8, "sign_up"),
        ("neuroqol_ue", "monthly", "18:00", None, 15, "sign_up"),
        ("pes", "monthly", "18:00", None, 22, "sign_up"),
        ("pdq", "monthly", "18:00", None, 28, "sign_up"),
    ]


@pytest.mark.parametrize(
    ("choice", "field", "error"),
    [
        (
            {"reminder_frequency": "weekly", "reminder_weekday": ""},
            "reminder_weekday",
            "Choose the day of your weekly reminder.",
        ),
        (
            {"reminder_frequency": "daily", "reminder_time": ""},
            "reminder_time",
            "Choose the time of your reminder.",
        ),
        ({"reminder_frequency": "hourly"}, "reminder_frequency", "Select a valid choice."),
    ],
)
def test_an_incomplete_choice_is_named_and_nothing_is_made(
    client: Client, db: Any, choice: dict[str, str], field: str, error: str
) -> None:
    response = sign_up(client, **choice)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert response.context["form"].errors[field]
    assert not User.objects.filter(email="erin@example.org").exists()


def test_a_change_of_timing_makes_the_reminder_the_persons_own(alice: User) -> None:
    schedule = ReminderScheduleFactory(patient=alice, origin=ScheduleOrigin.SIGN_UP)

    reminder_schedule_update(schedule=schedule, data={"paused_until": NOW.date()})
    assert ReminderSchedule.objects.get().origin == "sign_up"  # a pause chooses nothing
    reminder_schedule_update(schedule=schedule, data={"local_time": time(8, 0)})
    assert ReminderSchedule.objects.get().origin == "person"
    made = reminder_schedule_create(
        patient=alice,
        instrument="mfis",
        data={"frequency": "weekly", "weekday": 0, "local_time": time(9, 0)},
    )
    assert made.origin == "person"


# --- The email says how it was set --------------------------------------------------------------


CLOSINGS = {
    "sign_up": "you chose this reminder when you created your account.",
    "person": "you set up this reminder.",
    "default": "reminders were switched on for your account when it was made; you did not",
}


@pytest.mark.parametrize("origin", list(CLOSINGS))
def test_the_email_says_how_the_reminder_was_set(alice: User, origin: str) -> None:
    schedule = ReminderScheduleFactory(patient=alice, origin=origin)
    row = ReminderOccurrence.objects.create(
        schedule=schedule,
        patient=alice,
        instrument="daily",
        opens_at=NOW - timedelta(hours=17),
        due_at=NOW,
        closes_at=NOW + timedelta(hours=7),
        send_after=NOW,
        status=Status.QUEUED,
    )

    assert reminder_send(occurrence_id=row.pk, now=NOW).outcome == Outcome.SENT
    (message,) = mail.outbox
    html = str(message.alternatives[0][0])  # type: ignore[attr-defined]
    for other, closing in CLOSINGS.items():
        said = f"You receive this because {closing}"
        assert (said in message.body, said in html) == (other == origin,) * 2, other
