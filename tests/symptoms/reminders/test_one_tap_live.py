"""The one-tap link pressed twice at the same moment (two tabs, a double tap, a forwarded copy)
on real PostgreSQL: each press has its own connection and session, and exactly one wins."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from symptoms.models import ReminderOneTap
from symptoms.reminders.one_tap import GRANT_SESSION_KEY, one_tap_issue, one_tap_use
from tests.accounts.factories import PatientFactory
from tests.symptoms.factories import ReminderOccurrenceFactory, ReminderScheduleFactory

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
RACERS = 6


def test_of_six_presses_at_once_exactly_one_opens_the_form(live_services: None) -> None:
    patient = PatientFactory()
    now = timezone.now()
    occurrence = ReminderOccurrenceFactory(
        schedule=ReminderScheduleFactory(patient=patient),
        opens_at=now,
        due_at=now,
        closes_at=now + timedelta(days=1),
    )
    token = one_tap_issue(occurrence=occurrence)
    barrier = threading.Barrier(RACERS)
    sessions: list[Any] = []
    lock = threading.Lock()

    def press() -> None:
        request = RequestFactory().post("/one-tap/")
        request.session = SessionStore()
        request.user = AnonymousUser()
        try:
            barrier.wait()
            won = one_tap_use(request, token) is not None
        finally:
            connection.close()
        with lock:
            sessions.append((won, dict(request.session)))

    threads = [threading.Thread(target=press) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(won for won, _session in sessions) == [False] * (RACERS - 1) + [True]
    assert [GRANT_SESSION_KEY in session for won, session in sessions if not won] == [False] * 5
    assert ReminderOneTap.objects.get().used_at is not None
