"""How the reminder tick scales with the number of people.

Builds a throwaway test database (SQLite in memory, or PostgreSQL with DATABASE_URL) with N
people, each with a daily reminder in one of four zones, all due in the same minute (the worst
minute a site can have), and times, in the same run for a small and a large N:

- planning every schedule's rows (``reminders_plan``),
- one tick's dispatch of every due row (``reminders_dispatch_due``, enqueueing nothing), and
- sending each of them (``reminder_send`` through Django's in-memory email backend).

Prints the time and queries per reminder for each size and the ratio between sizes (absolute
times are noisy on shared machines; the per-reminder cost should stay flat).

    DEBUG=1 .venv/bin/python benchmarks/reminders.py
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/mstracker \\
        .venv/bin/python benchmarks/reminders.py
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

import time_machine  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.models import PatientProfile, Role, User  # noqa: E402
from symptoms.models import ReminderOccurrence, ReminderSchedule  # noqa: E402
from symptoms.reminders import occurrences, sending  # noqa: E402

SIZES = (500, 2_500)
UNUSABLE = "!"  # Django's mark of an unusable password: nobody can log in as these people
ZONES = ("Europe/Rome", "America/New_York", "Australia/Sydney", "Asia/Kolkata")
DUE = datetime(2026, 6, 3, 17, 0, tzinfo=UTC)  # the minute every reminder is due


def people(count: int, offset: int) -> None:
    users = User.objects.bulk_create(
        User(email=f"p{offset + n}@example.org", role=Role.PATIENT, password=UNUSABLE)
        for n in range(count)
    )
    PatientProfile.objects.bulk_create(
        PatientProfile(user=user, time_zone=ZONES[n % len(ZONES)]) for n, user in enumerate(users)
    )
    ReminderSchedule.objects.bulk_create(
        ReminderSchedule(
            patient=user,
            instrument="daily",
            frequency="daily",
            # The same UTC minute in every zone: 17:00 UTC as local wall-clock time.
            local_time=DUE.astimezone(ZoneInfo(ZONES[n % len(ZONES)])).time(),
            starts_on=date(2026, 1, 1),
        )
        for n, user in enumerate(users)
    )


def timed(action: Callable[[], Any]) -> tuple[float, int]:
    queries = 0

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    start = time.perf_counter()
    with connection.execute_wrapper(count):
        action()
    return time.perf_counter() - start, queries


def run(count: int, offset: int) -> dict[str, tuple[float, int]]:
    people(count, offset)
    results = {}
    with time_machine.travel(DUE - timedelta(hours=1), tick=False):
        results["plan"] = timed(lambda: occurrences.reminders_plan(batch=count))
    queued: list[int] = []
    with time_machine.travel(DUE, tick=False):
        results["dispatch"] = timed(
            lambda: occurrences.reminders_dispatch_due(enqueue=queued.append, batch=count)
        )
        assert len(queued) == count, (len(queued), count)
        results["send"] = timed(lambda: [sending.reminder_send(occurrence_id=pk) for pk in queued])
    sent = ReminderOccurrence.objects.filter(pk__in=queued, status="sent").count()
    assert sent == count, (sent, count)
    return results


def main() -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    try:
        by_size = {}
        offset = 0
        for count in SIZES:
            by_size[count] = run(count, offset)
            offset += count
        print(f"database: {connection.vendor}; all reminders due in one minute")
        for count, results in by_size.items():
            parts = "  ".join(
                f"{step} {seconds / count * 1000:6.2f} ms {queries / count:5.1f} q"
                for step, (seconds, queries) in results.items()
            )
            print(f"  {count:6} people, per reminder: {parts}")
        small, large = (by_size[size] for size in SIZES)
        ratios = "  ".join(
            f"{step} {(large[step][0] / SIZES[1]) / (small[step][0] / SIZES[0]):.2f}"
            for step in small
        )
        print(f"  per-reminder time, {SIZES[1]} / {SIZES[0]} people: {ratios}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
