"""The Celery app. Beat only ticks; the work it starts is in the tasks of each app.

Every beat entry expires after about 1.5 times its interval, so a backlog after an outage does
not run the same sweep many times over.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

from config.env import env_int

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("mstracker", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each app's tasks.py, and those of the symptoms features, which live in their own packages.
app.autodiscover_tasks()
app.autodiscover_tasks(["symptoms.reminders", "symptoms.research"])

# How often beat asks the dispatcher for due reminders: a reminder goes out at most this late.
REMINDER_TICK_SECONDS = env_int("REMINDER_TICK_SECONDS", default=60, minimum=1)

app.conf.beat_schedule = {
    # The reminder tick runs in UTC and only asks the database what is due: wall-clock times
    # and DST are handled per occurrence (symptoms/planning.py), never by beat.
    "reminders-dispatch-due": {
        "task": "symptoms.tasks.reminders_dispatch_due",
        "schedule": REMINDER_TICK_SECONDS,
        "options": {"expires": REMINDER_TICK_SECONDS * 1.5},
    },
    "reminders-reap-stuck": {
        "task": "symptoms.tasks.reminders_reap_stuck",
        "schedule": 5 * 60,
        "options": {"expires": 5 * 60 * 1.5},
    },
    "share-codes-purge-expired": {
        "task": "accounts.tasks.share_codes_purge_expired",
        "schedule": 30 * 60,
        "options": {"expires": 45 * 60},
    },
    # Quarterly, early on the first day of each quarter; a day late is still useful, a
    # backlog of old runs is not (expires after a day, not 1.5 quarters).
    "research-releases-reap-stuck": {
        "task": "symptoms.research.tasks.releases_reap_stuck",
        "schedule": 15 * 60,
        "options": {"expires": 15 * 60 * 1.5},
    },
    "research-release-quarterly": {
        "task": "symptoms.research.tasks.release_build_scheduled",
        "schedule": crontab(minute=30, hour=3, day_of_month=1, month_of_year="1,4,7,10"),
        "options": {"expires": 24 * 60 * 60},
    },
}


@app.task(name="config.ping", ignore_result=False)
def ping() -> str:
    """Used by the service tests and operators to see that a worker answers."""
    return "pong"
