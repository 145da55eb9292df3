"""The streamed exports say, byte for byte, what the whole-in-memory export said.

``whole_export`` is the export as it was before it was streamed; the API's JSON, CSV and FHIR
downloads are compared with it, rendered by the renderers that used to serve it, for a history
with corrections, special answers, context tags, notes, consents, sharing and reminder logs.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from rest_framework import renderers

from accounts import services as account_services
from accounts.models import ConsentPurpose, User
from config.api import CSVRenderer
from symptoms.my_data import export, fhir
from symptoms.my_data.api import FHIRRenderer
from tests.accounts.factories import PatientFactory
from tests.symptoms.factories import (
    DAILY,
    ReminderDeliveryFactory,
    ReminderOccurrenceFactory,
    ReminderScheduleFactory,
    report,
)
from tests.symptoms.my_data import whole_export
from tests.symptoms.my_data.support import body, queries_of

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
MFIS = {str(n): n % 5 for n in range(1, 22)}


def a_history(patient: User, days: int = 6) -> None:
    """Daily reports with a correction, a special answer, tags and notes, two MFIS, consents
    and reminders with their delivery logs."""
    with time_machine.travel(NOW, tick=False):
        first = report(patient, on=date(2026, 10, 1), context_tags=["heat"], note="Caldo, è\u2028")
        report(
            patient,
            answers=DAILY | {"pain": "too_tired"},
            on=date(2026, 10, 1),
            supersedes=first.public_id,
            note='"quoted", comma\nnew line',
        )
        for n in range(2, days + 1):
            answers = {"fatigue": n % 11, "mobility": "unable", "upper_limb": 2, "pain": 1}
            report(patient, answers=answers, on=date(2026, 9, 30) + timedelta(days=n))
        report(patient, "mfis", MFIS, on=date(2026, 10, 2))
        report(patient, "mfis", MFIS | {"3": 0}, on=date(2026, 10, 30))
        account_services.consent_set(user=patient, purpose=ConsentPurpose.RESEARCH, granted=True)
        account_services.consent_set(user=patient, purpose=ConsentPurpose.RESEARCH, granted=False)
    schedule = ReminderScheduleFactory(patient=patient, quiet_start=time(22), quiet_end=time(7))
    for hour in (17, 18):
        occurrence = ReminderOccurrenceFactory(
            schedule=schedule, due_at=datetime(2026, 10, 3, hour, tzinfo=UTC)
        )
        ReminderDeliveryFactory(occurrence=occurrence, event="planned")
        ReminderDeliveryFactory(occurrence=occurrence)


@pytest.fixture
def alice_history(alice: User, bob: User, alice_shares_with_charlie: Any) -> User:
    a_history(alice)
    a_history(bob, days=2)
    return alice


def whole(patient: User, kind: str) -> bytes:
    """What the API answered before the export was streamed."""
    if kind == "csv":
        return CSVRenderer().render(list(whole_export.export_csv_rows(patient=patient)))
    if kind == "fhir":
        return FHIRRenderer().render(whole_export.export_fhir(patient=patient))
    return renderers.JSONRenderer().render(whole_export.export_json(patient=patient))


@pytest.mark.parametrize("kind", ["json", "csv", "fhir"])
def test_it_streams_what_the_whole_export_said(kind: str, alice_history: User, api_as: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        response = api_as(alice_history).get(f"/api/v1/me/export/?format={kind}")
        expected = whole(alice_history, kind)

    assert response.status_code == 200
    assert body(response) == expected


@pytest.mark.parametrize("kind", ["json", "csv", "fhir"])
def test_it_streams_the_same_across_many_small_chunks(
    kind: str, alice_history: User, api_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "CHUNK_SIZE", 2, raising=False)
    with time_machine.travel(NOW, tick=False):
        response = api_as(alice_history).get(f"/api/v1/me/export/?format={kind}")
        expected = whole(alice_history, kind)

    assert body(response) == expected


@pytest.mark.parametrize("kind", ["json", "fhir"])
def test_a_person_with_no_name_and_no_reports_gets_the_same(kind: str, api_as: Any) -> None:
    nameless = PatientFactory(email="nameless@example.org", full_name="")
    with time_machine.travel(NOW, tick=False):
        response = api_as(nameless).get(f"/api/v1/me/export/?format={kind}")
        expected = whole(nameless, kind)

    content = body(response)
    assert content == expected
    assert json.loads(content)["resourceType" if kind == "fhir" else "format"]


def test_the_reminder_times_are_local_wall_clock(alice_history: User, api_as: Any) -> None:
    # A sanity check of the fixture: the comparison above covers schedules too.
    with time_machine.travel(NOW, tick=False):
        data = json.loads(body(api_as(alice_history).get("/api/v1/me/export/?format=json")))
    assert [s["quiet_start"] for s in data["reminder_schedules"]] == ["22:00"]
    assert [len(r["log"]) for r in data["reminders"]] == [2, 2]


@pytest.mark.parametrize(("kind", "selects"), [("json", 6), ("csv", 1), ("fhir", 1)])
def test_its_queries_do_not_grow_with_the_history(
    kind: str, selects: int, alice: User, bob: User, api_as: Any
) -> None:
    a_history(alice, days=3)
    a_history(bob, days=40)

    counts = [
        len(queries_of(api_as(person), f"/api/v1/me/export/?format={kind}"))
        for person in (alice, bob)
    ]

    # The reads, and the audit event's insert.
    assert counts == [selects + 1, selects + 1]


def test_its_observation_ids_are_standard_version_5_uuids() -> None:
    for n in range(50):
        namespace = uuid.uuid4()
        name = f"scale_{n}"
        assert fhir.uuid5(namespace.bytes, name) == str(uuid.uuid5(namespace, name))
