"""Reminder dispatch at registry scale: N reminders due in the same minute.

Builds a throwaway test database with N people, each with a daily reminder and one planned
occurrence due in the same minute, and measures in the same run, interleaved (median of several
rounds, the queue purged between rounds):

- project: the tick's dispatch (``symptoms.reminders.tasks.reminders_queue_due``): due rows
  claimed ``planned → queued`` 1,000 at a time by one ``UPDATE … RETURNING`` each, and one
  ``reminder_send`` message per row published through one producer;
- baseline: N bare ``reminder_send.delay(id)`` calls to the same broker, ids already in memory,
  no database at all.

Both publish to a queue of the benchmark's own (``bench-dispatch``), which no worker reads
while they are measured. ``ratio`` = baseline seconds / project seconds (project rate / bare
rate); target at least 0.5, one RESULT line per size (``dispatch_20000``, ``dispatch_100000``).

Then, at the smaller size, "every reminder sent within 2 minutes of its time": the rows are
made due a few seconds ahead, a real worker (``--concurrency 2``, as in Procfile.dev, with the
in-memory email backend) reads ``bench-dispatch``, this process runs the tick at the due second
and every 60 s after (as beat does) and the reaper every 30 s, and the latest ``sent_at -
due_at`` is printed with the worker's sending rate. Beat's own phase (up to one tick interval
between the due second and the next tick) comes on top, and is printed too.

Also printed, per reminder: planning (``reminders_plan``) and sending in this process
(``sending.reminder_send``, in-memory email), which benchmarks/reminders.py used to give.

    make bench ONLY=dispatch
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mstracker_bench \\
        REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python benchmarks/dispatch.py
    QUICK=1 .venv/bin/python benchmarks/dispatch.py   # a few hundred, SQLite, memory broker

QUICK=1 (or no REDIS_URL) uses Celery's in-memory broker and sends in this process instead of a
worker: it proves the benchmark runs, it measures nothing.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import harness

from config.celery import app

QUEUE = "bench-dispatch"
REDIS_URL = os.environ.get("REDIS_URL", "")
REAL_BROKER = bool(REDIS_URL) and not harness.QUICK
# Before anything publishes: every message of this process goes to the benchmark's own queue,
# and without Redis to Celery's in-memory broker (never the filesystem broker of make run).
app.conf.task_default_queue = QUEUE
app.conf.task_always_eager = False
if not REAL_BROKER:
    app.conf.broker_url = "memory://localhost/"

from django.db import connection  # noqa: E402
from django.db.models import QuerySet  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import PatientProfile, Role, User  # noqa: E402
from symptoms.models import OccurrenceStatus, ReminderOccurrence, ReminderSchedule  # noqa: E402
from symptoms.reminders import occurrences, sending, tasks  # noqa: E402

Status = OccurrenceStatus
# DISPATCH_SIZES="20000" runs fewer sizes, DISPATCH_ROUNDS fewer rounds, and DISPATCH_WORKER_ROWS
# sends fewer rows through the real worker (its rate and lateness then describe that many), for a
# machine too busy for the whole run; the notes say what ran.
SIZES = tuple(
    int(size) for size in os.environ.get("DISPATCH_SIZES", "").split() if not harness.QUICK
) or (harness.size(20_000, 200), harness.size(100_000, 400))
ROUNDS = int(os.environ.get("DISPATCH_ROUNDS", "0")) or None
WORKER_ROWS = int(os.environ.get("DISPATCH_WORKER_ROWS", "0")) or SIZES[0]
UNUSABLE = "!"  # Django's mark of an unusable password: nobody can log in as these people
CHUNK = 5_000
ZONE = "Europe/Rome"


def people(count: int, *, offset: int, planned_until: datetime | None) -> list[ReminderSchedule]:
    """``count`` people with a daily reminder each, in bulk."""
    schedules: list[ReminderSchedule] = []
    for start in range(0, count, CHUNK):
        users = User.objects.bulk_create(
            User(email=f"d{offset + n}@example.org", role=Role.PATIENT, password=UNUSABLE)
            for n in range(start, min(start + CHUNK, count))
        )
        PatientProfile.objects.bulk_create(PatientProfile(user=u, time_zone=ZONE) for u in users)
        schedules += ReminderSchedule.objects.bulk_create(
            ReminderSchedule(
                patient=user, instrument="daily", frequency="daily", local_time="19:00",
                starts_on=date(2026, 1, 1), planned_until=planned_until,
            )
            for user in users
        )  # fmt: skip
    return schedules


def due_rows(schedules: list[ReminderSchedule], minute: datetime) -> list[int]:
    """One planned occurrence per schedule, spread over the seconds of ``minute``."""
    ids: list[int] = []
    for start in range(0, len(schedules), CHUNK):
        rows = ReminderOccurrence.objects.bulk_create(
            ReminderOccurrence(
                schedule=schedule, patient_id=schedule.patient_id, instrument="daily",
                opens_at=minute - timedelta(hours=1), closes_at=minute + timedelta(days=1),
                due_at=minute + timedelta(seconds=n % 60),
                send_after=minute + timedelta(seconds=n % 60),
            )
            for n, schedule in enumerate(schedules[start : start + CHUNK], start)
        )  # fmt: skip
        ids += [row.pk for row in rows]
    return ids


def reset(ids: list[int], count: int) -> None:
    """The first ``count`` rows planned and due again, the others out of the way."""
    cutoff = ids[count - 1]
    rows = ReminderOccurrence.objects.filter(pk__gte=ids[0], pk__lte=ids[-1])
    rows.filter(pk__lte=cutoff).update(status=Status.PLANNED, queued_at=None, reason="")
    rows.filter(pk__gt=cutoff).update(status=Status.SKIPPED, queued_at=None, reason="bench")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as autovacuum would, between rounds
            cursor.execute(f"VACUUM ANALYZE {ReminderOccurrence._meta.db_table}")


def queue_length() -> int:
    with app.connection_for_write() as broker:
        channel = broker.default_channel
        channel.queue_declare(queue=QUEUE)
        return int(channel.queue_declare(queue=QUEUE, passive=True).message_count)


def purge() -> None:
    with app.connection_for_write() as broker:
        broker.default_channel.queue_declare(queue=QUEUE)
        broker.default_channel.queue_purge(QUEUE)


def rounds_for(count: int) -> int:
    return ROUNDS or harness.rounds(5 if count <= 20_000 else 3)


def compare(ids: list[int], count: int, now: datetime) -> tuple[float, float]:
    """Median seconds of the project's dispatch and of bare ``.delay()`` calls, interleaved."""
    ours: list[float] = []
    theirs: list[float] = []
    chosen = ids[:count]
    for _ in range(rounds_for(count)):
        reset(ids, count)
        purge()
        # Tick after tick back to back, should one tick's budget run out before the last row.
        ours.append(harness.seconds(lambda: _queue_all(now)))
        assert queue_length() == count, (queue_length(), count)
        assert not ReminderOccurrence.objects.filter(pk__in=chosen, status=Status.PLANNED).exists()
        purge()
        theirs.append(harness.seconds(lambda: [tasks.reminder_send.delay(pk) for pk in chosen]))
        assert queue_length() == count, (queue_length(), count)
        purge()
    return statistics.median(ours), statistics.median(theirs)


def _queue_all(now: datetime) -> None:
    while tasks.reminders_queue_due(now=now):
        pass


def plan_and_send_costs(ids: list[int], minute: datetime) -> None:
    """Per-reminder planning and in-process sending, as benchmarks/reminders.py gave them."""
    count = harness.size(1_000, 50)
    schedules = people(count, offset=10_000_000, planned_until=None)
    with harness.counting_queries() as queries:
        seconds = harness.seconds(lambda: occurrences.reminders_plan(now=minute, batch=count))
    harness.note(
        f"plan: {seconds / count * 1000:.1f} ms and {len(queries) / count:.1f} queries per "
        f"schedule ({count} schedules, 5 days of daily rows each)"
    )
    User.objects.filter(pk__in=[s.patient_id for s in schedules]).delete()

    reset(ids, count)
    occurrences.reminders_dispatch_due(enqueue=lambda pk: None, now=minute + timedelta(minutes=1))
    at = minute + timedelta(minutes=1, seconds=30)
    with harness.counting_queries() as queries:
        seconds = harness.seconds(
            lambda: [sending.reminder_send(occurrence_id=pk, now=at) for pk in ids[:count]]
        )
    sent = ReminderOccurrence.objects.filter(pk__in=ids[:count], status=Status.SENT).count()
    assert sent == count, (sent, count)
    harness.note(
        f"send in this process (in-memory email): {seconds / count * 1000:.1f} ms and "
        f"{len(queries) / count:.1f} queries per reminder, {count / seconds:.0f}/s on one core"
    )


def worker_start(log: Path) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    url = f"postgres://{quote(db['USER'] or '')}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("DEBUG", "QUICK")},
        "DATABASE_URL": f"{url}/{db['NAME']}",
        "REDIS_URL": REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # Production settings, as a deployed worker runs (DEBUG would keep every query).
        "SECRET_KEY": "bench-dispatch-only",
        "ALLOWED_HOSTS": "127.0.0.1",
        "VAR_DIR": str(log.parent),
        "LOG_LEVEL": "WARNING",
    }
    with log.open("a") as output:
        return subprocess.Popen(  # noqa: S603 - a fixed command line
            [sys.executable, "-m", "celery", "--app", "config", "worker", "--queues", QUEUE,
             "--concurrency", "2", "--hostname", f"bench-dispatch-{os.getpid()}@%h",
             "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
            cwd=harness.ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip


def within_two_minutes(ids: list[int], count: int) -> None:
    """The rows due a few seconds from now; a real worker; the tick at the due second."""
    purge()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "worker.log"
        worker = worker_start(log) if REAL_BROKER else None
        try:
            if worker is not None:
                deadline = time.monotonic() + 120
                while "ready." not in log.read_text() and time.monotonic() < deadline:
                    assert worker.poll() is None, log.read_text()[-3000:]
                    time.sleep(0.5)
            due = timezone.now().replace(microsecond=0) + timedelta(seconds=5)
            reset(ids, count)
            rows = ReminderOccurrence.objects.filter(pk__in=ids[:count])
            rows.update(
                due_at=due, send_after=due, opens_at=due - timedelta(hours=1),
                closes_at=due + timedelta(days=1), attempts=0, sending_at=None, sent_at=None,
            )  # fmt: skip
            time.sleep(max(0.0, (due - timezone.now()).total_seconds()))
            _watch(rows, count, due, worker, log)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=60)
            purge()


def _watch(
    rows: QuerySet[ReminderOccurrence],
    count: int,
    due: datetime,
    worker: subprocess.Popen[bytes] | None,
    log: Path,
) -> None:
    start = time.monotonic()
    tick_seconds = harness.seconds(tasks.reminders_dispatch_due)
    dispatched = timezone.now()
    next_tick, next_reap, reaped = start + 60, start + 30, 0
    limit = start + (25 * 60 if REAL_BROKER else 120)
    sent = 0
    while time.monotonic() < limit:
        if worker is None:  # no Redis: send in this process, as a worker would
            with app.connection_for_write() as broker:
                while (message := broker.default_channel.basic_get(QUEUE, no_ack=True)) is not None:
                    sending.reminder_send(occurrence_id=message.decode()[0][0])
        elif worker.poll() is not None:
            raise RuntimeError(log.read_text()[-3000:])
        sent = rows.filter(status=Status.SENT).count()
        if sent == count:
            break
        now = time.monotonic()
        if now >= next_reap:
            reaped += tasks.reminders_reap_stuck()
            next_reap += 30
        if now >= next_tick:
            tasks.reminders_dispatch_due()
            next_tick += 60
        time.sleep(1)
    assert sent == count, f"{sent} of {count} sent in {time.monotonic() - start:.0f} s"
    times = sorted(rows.values_list("sent_at", flat=True))
    latest = (times[-1] - due).total_seconds()
    rate = count / max((times[-1] - times[0]).total_seconds(), 0.001)
    who = "a worker, --concurrency 2" if worker else "this process (no Redis)"
    harness.note(
        f"sent within 2 minutes at {count}: tick at the due second queued all in "
        f"{tick_seconds:.1f} s (done {(dispatched - due).total_seconds():.1f} s after due); "
        f"{who} sent them at {rate:.0f}/s; latest sent {latest:.0f} s after its time "
        f"({'ok' if latest <= 120 else 'NOT within 2 minutes'}; beat's phase adds up to one "
        f"tick, 60 s, so at worst {latest + 60:.0f} s); the reaper returned {reaped} rows"
    )


def main() -> None:
    with harness.test_database():
        minute = timezone.now().replace(second=0, microsecond=0)
        largest = max(SIZES)
        started = time.monotonic()
        schedules = people(largest, offset=0, planned_until=minute + timedelta(days=3650))
        ids = due_rows(schedules, minute)
        broker = REDIS_URL.split("@")[-1] if REAL_BROKER else "memory://"
        harness.note(
            f"{connection.vendor}, broker {broker}, queue {QUEUE}; {largest} people and due "
            f"rows made in {time.monotonic() - started:.0f} s"
        )
        now = minute + timedelta(minutes=1)
        for count in SIZES:
            ours, theirs = compare(ids, count, now)
            harness.note(f"{count} due: median of {rounds_for(count)} rounds")
            harness.result(
                f"dispatch_{count}",
                theirs / ours,
                at_least=0.5,
                detail=f"{count} due: claim and publish {ours:.1f} s "
                f"({count / ours:.0f}/s), bare .delay() {theirs:.1f} s ({count / theirs:.0f}/s)",
            )
        plan_and_send_costs(ids, minute)
        within_two_minutes(ids, min(WORKER_ROWS, len(ids)))


if __name__ == "__main__":
    main()
