"""The delivery log and adherence in the API, and the signed pause/stop links."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import User
from symptoms.models import OccurrenceStatus, ReminderOccurrence, ReminderSchedule
from symptoms.reminders.links import reminder_link_token
from tests.symptoms.factories import report
from tests.symptoms.reminders.support import schedule_make
from tests.symptoms.reminders.test_reminders import in_zone, tick, utc

pytestmark = pytest.mark.django_db
DELIVERIES = "/api/v1/reminder-deliveries/"
ADHERENCE = "/api/v1/reminder-adherence/"


def a_week_of_reminders(patient: User, *, answered_days: set[int]) -> None:
    """Daily reminders from 1 to 7 June 2026 in Rome, answered on ``answered_days``."""
    schedule_make(in_zone(patient, "Europe/Rome"))
    tick(utc(2026, 5, 31, 18))  # after that evening's 19:00: plans from 1 June
    for day in range(1, 8):
        if day in answered_days:
            with time_machine.travel(utc(2026, 6, day, 8), tick=False):
                report(patient)
        tick(utc(2026, 6, day, 17))
    tick(utc(2026, 6, 8, 12))  # closes the 7th's window


def test_it_lists_the_delivery_log_newest_first(api_as: Any, alice: User) -> None:
    a_week_of_reminders(alice, answered_days={2})

    with time_machine.travel(utc(2026, 6, 8, 12), tick=False):
        response = api_as(alice).get(DELIVERIES, {"instrument": "daily"})

    assert response.status_code == 200
    body = response.json()
    first = body["results"][0]
    assert set(first) == {
        "id", "occurrence", "instrument", "opens_at", "due_at", "closes_at", "status", "event",
        "reason", "channel", "attempt", "at",
    }  # fmt: skip
    events = [(row["due_at"], row["event"], row["reason"]) for row in body["results"]]
    assert ("2026-06-02T17:00:00Z", "completed", "") in events
    assert ("2026-06-03T17:00:00Z", "sent", "") in events
    assert ("2026-06-03T17:00:00Z", "expired", "") in events
    sent = [row for row in body["results"] if row["event"] == "sent"]
    assert len(sent) == 6
    assert all(row["channel"] == "email" and row["attempt"] == 1 for row in sent)
    assert [row["at"] for row in body["results"]] == sorted(
        (row["at"] for row in body["results"]), reverse=True
    )


def test_it_filters_the_log_by_event_and_refuses_an_unknown_one(api_as: Any, alice: User) -> None:
    a_week_of_reminders(alice, answered_days=set())
    api = api_as(alice)

    expired = api.get(DELIVERIES, {"event": "expired"}).json()
    wrong = api.get(DELIVERIES, {"event": "exploded"})

    assert {row["event"] for row in expired["results"]} == {"expired"}
    assert expired["count"] == 7
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["attr"] == "event"


@pytest.mark.parametrize("weeks", [1, 6])
def test_the_log_takes_the_same_queries_whatever_its_length(
    api_as: Any, alice: User, weeks: int, django_assert_num_queries: Any
) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    start = datetime(2026, 6, 1, 12, tzinfo=UTC)
    for day in range(weeks * 7):
        tick(start + timedelta(days=day))
        tick(start + timedelta(days=day, hours=5))
    api = api_as(alice)

    with django_assert_num_queries(2):  # count and page
        response = api.get(DELIVERIES)
    assert response.json()["count"] >= weeks * 7


def test_another_patient_sees_none_of_the_log(api_as: Any, alice: User, bob: User) -> None:
    a_week_of_reminders(alice, answered_days=set())

    response = api_as(bob).get(DELIVERIES)

    assert response.json()["count"] == 0


def test_clinicians_and_anonymous_get_no_log(api_as: Any, api: Any, charlie: User) -> None:
    assert api.get(DELIVERIES).status_code == 401
    assert api.get(ADHERENCE).status_code == 401
    clinician = api_as(charlie)
    assert clinician.get(DELIVERIES).status_code == 403
    assert clinician.get(ADHERENCE).status_code == 403


def test_adherence_counts_answered_reminders_over_4_and_12_weeks(api_as: Any, alice: User) -> None:
    a_week_of_reminders(alice, answered_days={1, 2, 5})
    fss = ReminderSchedule.objects.create(
        patient=alice, instrument="fss", frequency="weekly", weekday=0, local_time="19:00",
        starts_on=date(2026, 1, 1),
    )  # fmt: skip
    ReminderOccurrence.objects.create(
        schedule=fss,
        patient=alice,
        instrument="fss",
        opens_at=utc(2026, 3, 1),
        due_at=utc(2026, 3, 2, 18),
        closes_at=utc(2026, 3, 5),
        send_after=utc(2026, 3, 2, 18),
        status=OccurrenceStatus.EXPIRED,
    )  # fmt: skip  (more than 12 weeks before 8 June: not counted)

    with time_machine.travel(utc(2026, 6, 8, 12), tick=False):
        body = api_as(alice).get(ADHERENCE).json()

    assert body == [
        {
            "instrument": "daily",
            "weeks_4": {"completed": 3, "due": 7, "rate": 0.429},
            "weeks_12": {"completed": 3, "due": 7, "rate": 0.429},
        }
    ]


# --- Signed links --------------------------------------------------------------------------


@pytest.fixture
def link(alice: User) -> tuple[ReminderSchedule, str]:
    schedule = schedule_make(in_zone(alice, "Europe/Rome"))
    return schedule, reminder_link_token(schedule)


def test_opening_the_link_changes_nothing(client: Client, link: Any) -> None:
    schedule, token = link

    response = client.get(reverse("symptoms:reminder_manage", args=[token]))

    assert response.status_code == 200
    assert "Pause for 2 weeks" in response.content.decode()
    schedule.refresh_from_db()
    assert (schedule.is_active, schedule.paused_until) == (True, None)


def test_the_link_pauses_that_reminder_without_a_login(client: Client, link: Any) -> None:
    schedule, token = link
    with time_machine.travel(utc(2026, 6, 3, 12), tick=False):
        response = client.post(
            reverse("symptoms:reminder_manage", args=[token]), {"action": "pause-2"}
        )

    assert response.status_code == 200
    assert "paused until June 17, 2026" in response.content.decode()
    schedule.refresh_from_db()
    assert schedule.paused_until == date(2026, 6, 17)


def test_the_link_stops_that_reminder_only(client: Client, link: Any, alice: User) -> None:
    schedule, token = link
    other = schedule_make(alice, instrument="fss")

    client.post(reverse("symptoms:reminder_manage", args=[token]), {"action": "stop"})

    schedule.refresh_from_db()
    other.refresh_from_db()
    assert (schedule.is_active, other.is_active) == (False, True)


def test_an_unknown_choice_changes_nothing(client: Client, link: Any) -> None:
    schedule, token = link

    response = client.post(
        reverse("symptoms:reminder_manage", args=[token]), {"action": "pause-999"}
    )

    assert response.status_code == 400
    schedule.refresh_from_db()
    assert (schedule.is_active, schedule.paused_until) == (True, None)


def test_mail_clients_can_stop_it_in_one_click_without_csrf(link: Any) -> None:
    schedule, token = link
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("symptoms:reminder_stop", args=[token]), {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    schedule.refresh_from_db()
    assert schedule.is_active is False
    assert client.get(reverse("symptoms:reminder_stop", args=[token])).status_code == 405


@pytest.mark.parametrize("tamper", ["forged", "expired", "deleted"])
def test_a_bad_link_is_a_404_that_changes_nothing(client: Client, link: Any, tamper: str) -> None:
    schedule, token = link
    when = datetime.now(UTC)
    if tamper == "forged":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif tamper == "expired":
        when += timedelta(days=61)
    else:
        ReminderSchedule.objects.filter(pk=schedule.pk).delete()

    with time_machine.travel(when, tick=False):
        page = client.get(reverse("symptoms:reminder_manage", args=[token]))
        stop = client.post(reverse("symptoms:reminder_stop", args=[token]))

    assert page.status_code == stop.status_code == 404
    assert "does not work any more" in page.content.decode()
    if tamper != "deleted":
        schedule.refresh_from_db()
        assert schedule.is_active is True
