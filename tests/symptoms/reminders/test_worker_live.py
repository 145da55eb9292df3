"""Reminders end to end: a real worker and a real beat, a private Redis, the PostgreSQL test
database and the file email backend. Beat ticks every second here (REMINDER_TICK_SECONDS=1)
instead of every minute, so the tests take seconds, not hours; nothing else differs.

Each test prints its figures (``-s`` shows them); the closing note of issue 4 quotes them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time as clock
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from threading import Barrier, Thread
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from symptoms.models import OccurrenceStatus, ReminderOccurrence
from symptoms.reminders import occurrences
from tests.accounts.factories import PatientFactory
from tests.live_support import (
    PrivateRedis,
    celery_environment,
    celery_start,
    stop,
    wait_for,
)
from tests.symptoms.reminders.support import schedule_make

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
Status = OccurrenceStatus


@dataclass
class Stack:
    redis: PrivateRedis
    tmp_path: Path
    environment: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def mail_dir(self) -> Path:
        return self.tmp_path / "mail"

    def log(self, name: str) -> Path:
        return self.tmp_path / f"{name}.log"

    @property
    def logs(self) -> list[Path]:
        return [self.log(name) for name in ("worker", "beat")]

    def start(self, name: str) -> None:
        args = {
            "worker": ["worker", "--pool", "solo", "--hostname", f"w{clock.time_ns()}@%h",
                       "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
            "beat": ["beat", "--loglevel", "INFO",
                     "--schedule", str(self.tmp_path / "var" / "beat-schedule")],
        }[name]  # fmt: skip
        self.processes[name] = celery_start(args, environment=self.environment, log=self.log(name))

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()

    def emails(self) -> list[str]:
        """The Message-ID of every email written, one entry per message (resends included)."""
        if not self.mail_dir.exists():
            return []
        ids = []
        for path in sorted(self.mail_dir.iterdir()):
            # The file backend appends each message after a line of dashes.
            for chunk in path.read_bytes().split(b"-" * 79):
                if chunk.strip():
                    ids.append(str(message_from_bytes(chunk.strip()).get("Message-ID")))
        return ids


@pytest.fixture
def stack(live_services: None, transactional_db: None, tmp_path: Path) -> Iterator[Stack]:
    redis = PrivateRedis(tmp_path)
    redis.start()
    environment = celery_environment(
        redis_url=redis.url, tmp_path=tmp_path, REMINDER_TICK_SECONDS="1"
    )
    running = Stack(redis=redis, tmp_path=tmp_path, environment=environment)
    try:
        yield running
    finally:
        for process in running.processes.values():
            stop(process)
        redis.stop()


def patient_due_in(seconds: float, *, number: int) -> User:
    """A person in Rome whose daily reminder is due ``seconds`` from now (to the second)."""
    patient = PatientFactory(email=f"person{number}@example.org")
    patient.patient_profile.time_zone = "Europe/Rome"
    patient.patient_profile.save()
    due = timezone.now().astimezone(ZoneInfo("Europe/Rome")) + timedelta(seconds=seconds)
    # Planning starts from the moment the schedule is first planned; a reminder a few seconds
    # ahead on the same local day is planned for today.
    schedule_make(patient, local_time=due.time().replace(microsecond=0), starts_on=due.date())
    if seconds > 0:
        # Planned now, as beat's next tick would: on a loaded machine a worker can take longer
        # to start than the reminder takes to fall due, and a passed time is planned tomorrow.
        occurrences.reminders_plan()
    return patient


def statuses() -> list[str]:
    return sorted(
        ReminderOccurrence.objects.filter(
            due_at__lte=timezone.now() + timedelta(minutes=5)
        ).values_list("status", flat=True)
    )


def test_a_reminder_due_within_the_minute_is_delivered_exactly_once(stack: Stack) -> None:
    stack.start("worker")
    stack.start("beat")
    wait_for(lambda: "ready" in stack.log("worker").read_text(), *stack.logs, seconds=120)
    patient_due_in(10, number=1)
    started = clock.monotonic()

    wait_for(lambda: len(stack.emails()) == 1, *stack.logs, seconds=90)
    delivered_after = clock.monotonic() - started
    clock.sleep(8)  # eight more ticks

    (row,) = ReminderOccurrence.objects.filter(status=Status.SENT)
    assert stack.emails() == [f"<reminder-{row.public_id}@127.0.0.1>"]
    assert row.sent_at is not None
    lateness = (row.sent_at - row.due_at).total_seconds()
    assert 0 <= lateness < 5
    print(f"\ndelivered once, {lateness:.1f}s after due ({delivered_after:.1f}s after start)")


def test_reminders_due_while_redis_was_down_are_each_delivered_once(stack: Stack) -> None:
    for number, seconds in enumerate((25, 40, 55, 70)):
        patient_due_in(seconds, number=number)
    stack.start("worker")
    stack.start("beat")
    wait_for(
        lambda: ReminderOccurrence.objects.filter(status=Status.PLANNED).count() >= 4,
        *stack.logs,
        seconds=60,
    )

    stack.redis.stop()
    down_at = clock.monotonic()
    clock.sleep(60)  # every reminder falls due while Redis is down
    assert stack.emails() == []
    stack.redis.start()
    up_at = clock.monotonic()

    wait_for(lambda: len(stack.emails()) >= 4, *stack.logs, seconds=120)
    recovered_in = clock.monotonic() - up_at
    clock.sleep(10)  # ten more ticks: nothing more may come

    sent = list(ReminderOccurrence.objects.filter(status=Status.SENT))
    emails = stack.emails()
    assert len(sent) == 4
    assert sorted(emails) == sorted(f"<reminder-{row.public_id}@127.0.0.1>" for row in sent)
    assert len(set(emails)) == len(emails)  # none twice
    print(
        f"\nRedis down {up_at - down_at:.0f}s; 4 due meanwhile, 4 delivered once each "
        f"{recovered_in:.1f}s after Redis came back; 0 duplicates"
    )


def test_a_worker_killed_while_sending_loses_nothing_and_duplicates_nothing(
    stack: Stack,
) -> None:
    stack.environment["EMAIL_BACKEND"] = "tests.symptoms.reminders.support.SlowFileBackend"
    patient_due_in(10, number=1)
    stack.start("worker")
    stack.start("beat")

    wait_for(
        lambda: ReminderOccurrence.objects.filter(status=Status.SENDING).exists(),
        *stack.logs,
        seconds=60,
    )
    stack.kill("worker")  # mid-send: the slow backend has not written the message yet
    (row,) = ReminderOccurrence.objects.filter(status=Status.SENDING)
    assert stack.emails() == []

    stack.start("worker")
    clock.sleep(3)
    # The row stays "sending" for a live worker's sake until the reaper's threshold passes
    # (90 s in production); here the reaper runs as if it had.
    assert ReminderOccurrence.objects.get(pk=row.pk).status == Status.SENDING
    assert occurrences.reminders_reap_stuck(sending_stuck_after=timedelta(0)) == 1

    wait_for(lambda: len(stack.emails()) == 1, *stack.logs, seconds=60)
    clock.sleep(8)

    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert stack.emails() == [f"<reminder-{row.public_id}@127.0.0.1>"]
    assert list(row.deliveries.order_by("created_at", "id").values_list("event", "reason")) == [
        ("planned", ""),
        ("planned", "worker_lost"),
        ("sent", ""),
    ]
    print("\nworker killed mid-send: 1 email after the reaper, 0 duplicates, 2 attempts")


def test_dispatchers_racing_on_postgresql_queue_each_row_once(
    live_services: None, transactional_db: None
) -> None:
    for number in range(40):
        patient_due_in(-30, number=number)  # due half a minute ago, window still open
    occurrences.reminders_plan(now=timezone.now() - timedelta(minutes=2))
    due = ReminderOccurrence.objects.filter(status=Status.PLANNED, due_at__lte=timezone.now())
    assert due.count() == 40  # and tomorrow's, not yet due
    queued: list[int] = []
    start = Barrier(4)

    def dispatch() -> None:
        start.wait()
        try:
            occurrences.reminders_dispatch_due(enqueue=queued.append)
        finally:
            connection.close()

    threads = [Thread(target=dispatch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(queued) == len(set(queued)) == 40
    assert ReminderOccurrence.objects.filter(status=Status.QUEUED).count() == 40
