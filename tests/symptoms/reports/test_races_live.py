"""Submissions racing each other on real PostgreSQL: a retry that overtakes the original, and
two tabs sending today's check-in at once. Each thread has its own connection."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from accounts.models import User
from symptoms.models import Report, ReportScore
from symptoms.reports import errors
from symptoms.reports.services import report_submit
from tests.accounts.factories import PatientFactory
from tests.symptoms.factories import DAILY

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
RACERS = 6


def race(attempt: Callable[[], Any]) -> list[Any]:
    """Run ``attempt`` in RACERS threads released at the same moment; their results or
    exceptions, in no particular order."""
    barrier = threading.Barrier(RACERS)
    outcomes: list[Any] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            outcome = attempt()
        except Exception as exc:  # the outcome under test
            outcome = exc
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def patient(live_services: None) -> User:
    return PatientFactory()


def test_retries_racing_with_one_client_id_store_one_report(patient: User) -> None:
    client_id = uuid.uuid4()

    outcomes = race(
        lambda: report_submit(
            patient=patient, instrument="daily", answers=DAILY, client_id=client_id
        )
    )

    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert sorted(o.created for o in outcomes) == [False] * (RACERS - 1) + [True]
    assert {o.report.public_id for o in outcomes} == {Report.objects.get().public_id}
    assert ReportScore.objects.count() == 5


def test_two_tabs_sending_todays_check_in_store_one(patient: User) -> None:
    outcomes = race(
        lambda: report_submit(
            patient=patient, instrument="daily", answers=DAILY, client_id=uuid.uuid4()
        )
    )

    stored = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(stored) == 1
    assert all(isinstance(o, errors.DailyAlreadySubmitted) for o in refused)
    assert Report.objects.count() == 1


def test_racing_corrections_of_one_report_keep_one(patient: User) -> None:
    original = report_submit(
        patient=patient, instrument="daily", answers=DAILY, client_id=uuid.uuid4()
    ).report

    outcomes = race(
        lambda: report_submit(
            patient=patient,
            instrument="daily",
            answers=DAILY | {"pain": 9},
            client_id=uuid.uuid4(),
            supersedes=original.public_id,
        )
    )

    stored = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(stored) == 1
    assert all(
        isinstance(o, errors.SupersedesInvalid) for o in outcomes if isinstance(o, Exception)
    )
    assert Report.objects.current().get().public_id == stored[0].report.public_id
    assert list(ReportScore.objects.filter(scale="pain").values_list("value", flat=True)) == [9]
