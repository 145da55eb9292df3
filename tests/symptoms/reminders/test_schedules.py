from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import User
from symptoms.models import ReminderSchedule
from symptoms.reminders.schedules import reminder_defaults_create

pytestmark = pytest.mark.django_db
URL = "/api/v1/reminder-schedules/"


@pytest.fixture
def alice_api(api_as: Any, alice: User) -> APIClient:
    api: APIClient = api_as(alice)
    return api


def create(api: APIClient, **body: Any) -> Any:
    return api.post(URL, {"instrument": "fss", "local_time": "18:30"} | body, format="json")


def test_a_new_patient_has_no_reminder_they_did_not_choose() -> None:
    patient = account_services.patient_sign_up(
        email="new@example.org", password="a long passphrase", profile={"time_zone": "Europe/Rome"}
    )

    assert not ReminderSchedule.objects.filter(patient=patient).exists()


def test_the_site_defaults_say_they_were_given(alice: User) -> None:
    assert reminder_defaults_create(patient=alice) == 6

    rows = ReminderSchedule.objects.filter(patient=alice).order_by("id")
    assert [(r.instrument, r.frequency, f"{r.local_time:%H:%M}", r.day_of_month) for r in rows] == [
        ("daily", "daily", "19:00", None),
        ("mfis", "monthly", "19:00", 1),
        ("pdds", "monthly", "19:00", 8),
        ("neuroqol_ue", "monthly", "19:00", 15),
        ("pes", "monthly", "19:00", 22),
        ("pdq", "monthly", "19:00", 28),
    ]
    assert {r.origin for r in rows} == {"default"}
    assert reminder_defaults_create(patient=alice) == 0  # only missing ones are made


def test_it_creates_a_weekly_reminder(alice: User, alice_api: APIClient) -> None:
    alice.patient_profile.time_zone = "Australia/Sydney"
    alice.patient_profile.save()

    response = create(alice_api, frequency="weekly", weekday=2, every_n_weeks=2)

    assert response.status_code == 201
    stored = ReminderSchedule.objects.get(patient=alice, instrument="fss")
    assert response.json() == {
        "id": str(stored.public_id),
        "instrument": "fss",
        "frequency": "weekly",
        "local_time": "18:30",
        "weekday": 2,
        "every_n_weeks": 2,
        "day_of_month": None,
        "quiet_start": None,
        "quiet_end": None,
        "paused_until": None,
        "is_active": True,
        "channel": "email",
        "time_zone": "Australia/Sydney",
    }


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({"frequency": "weekly"}, "weekday", "required"),
        ({"frequency": "monthly"}, "day_of_month", "required"),
        ({"frequency": "monthly", "day_of_month": 32}, "day_of_month", "max_value"),
        ({"frequency": "weekly", "weekday": 7}, "weekday", "max_value"),
        ({"frequency": "weekly", "weekday": "2"}, "weekday", "invalid"),
        ({"frequency": "daily", "local_time": "7pm"}, "local_time", "invalid"),
        ({"frequency": "daily", "local_time": "25:00"}, "local_time", "invalid"),
        ({"frequency": "hourly"}, "frequency", "invalid_choice"),
        ({"frequency": "daily", "instrument": "nope"}, "instrument", "unknown_instrument"),
        ({"frequency": "daily", "quiet_start": "22:00"}, "quiet_end", "required"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(
    alice_api: APIClient, body: dict[str, Any], attr: str, code: str
) -> None:
    response = create(alice_api, **body)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [(attr, code)]
    assert not ReminderSchedule.objects.filter(instrument=body.get("instrument", "fss")).exists()


def test_one_reminder_per_questionnaire(alice_api: APIClient) -> None:
    create(alice_api, frequency="daily")

    response = create(alice_api, frequency="daily")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "schedule_exists"


def test_it_changes_pauses_and_deletes_a_reminder(alice: User, alice_api: APIClient) -> None:
    schedule_id = create(alice_api, frequency="daily").json()["id"]

    changed = alice_api.patch(
        f"{URL}{schedule_id}/",
        {
            "frequency": "monthly",
            "day_of_month": 31,
            "local_time": "08:15",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
            "paused_until": "2026-12-24",
            "instrument": "mfis",  # ignored: a schedule stays with its instrument
        },
        format="json",
    )

    assert changed.status_code == 200
    body = changed.json()
    assert (body["instrument"], body["frequency"], body["day_of_month"]) == ("fss", "monthly", 31)
    assert (body["local_time"], body["quiet_start"], body["paused_until"]) == (
        "08:15",
        "22:00",
        "2026-12-24",
    )
    off = alice_api.patch(f"{URL}{schedule_id}/", {"is_active": False}, format="json")
    assert off.json()["is_active"] is False
    bad = alice_api.patch(f"{URL}{schedule_id}/", {"frequency": "weekly"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "weekday"
    assert alice_api.delete(f"{URL}{schedule_id}/").status_code == 204
    assert not ReminderSchedule.objects.filter(public_id=schedule_id).exists()


def test_another_patient_gets_404(alice_api: APIClient, bob: User, api_as: Any) -> None:
    schedule_id = create(alice_api, frequency="daily").json()["id"]
    as_bob = api_as(bob)

    assert as_bob.get(f"{URL}{schedule_id}/").status_code == 404
    assert (
        as_bob.patch(f"{URL}{schedule_id}/", {"is_active": False}, format="json").status_code == 404
    )
    assert as_bob.delete(f"{URL}{schedule_id}/").status_code == 404
    assert as_bob.get(URL).json()["count"] == 0
    assert ReminderSchedule.objects.get(public_id=schedule_id).is_active is True


def test_clinicians_have_no_reminders(charlie: User, api_as: Any) -> None:
    assert api_as(charlie).get(URL).status_code == 403


@pytest.mark.parametrize("extra", [0, 5])
def test_the_list_takes_the_same_queries_however_many(
    alice: User, alice_api: APIClient, extra: int
) -> None:
    reminder_defaults_create(patient=alice)
    for code in ("fss", "mfis5", "pdq5", "daily", "pes")[:extra]:
        ReminderSchedule.objects.filter(patient=alice, instrument=code).delete()
        create(alice_api, instrument=code, frequency="daily")

    with CaptureQueriesContext(connection) as queries:
        response = alice_api.get(URL)

    assert response.status_code == 200
    assert len(queries) == 2  # a count and one page with the profile joined
