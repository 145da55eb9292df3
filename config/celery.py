"""The Celery app. Beat only ticks; the work it starts is in the tasks of each app.

Every beat entry expires after about 1.5 times its interval, so a backlog after an outage does
not run the same sweep many times over.
"""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery
from celery.beat import PersistentScheduler
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

EXPIRES_PER_INTERVAL = 1.5


def every(seconds: float, task: str) -> dict[str, object]:
    """A beat entry run every ``seconds``, whose run expires after 1.5 intervals: the one place
    where ``expires`` is set for periodic work, so no task repeats it in its decorator."""
    return {
        "task": task,
        "schedule": seconds,
        "options": {"expires": seconds * EXPIRES_PER_INTERVAL},
    }


app.conf.beat_schedule = {
    # The reminder tick runs in UTC and only asks the database what is due: wall-clock times
    # and DST are handled per occurrence (symptoms/reminders/planning.py), never by beat.
    "reminders-dispatch-due": every(REMINDER_TICK_SECONDS, "symptoms.tasks.reminders_dispatch_due"),
    "reminders-reap-stuck": every(30, "symptoms.tasks.reminders_reap_stuck"),
    "share-codes-purge-expired": every(30 * 60, "accounts.tasks.share_codes_purge_expired"),
    "invites-requeue-unsent": every(2 * 60, "accounts.tasks.invites_requeue_unsent"),
    "research-releases-reap-stuck": every(30, "symptoms.research.tasks.releases_reap_stuck"),
    # Quarterly, on the 16th day of each quarter: after the default 14 settling days, so the
    # quarter just ended is in it (with a longer RESEARCH_RELEASE_SETTLING_DAYS the release
    # covers the quarters settled by then). A day late is still useful, a backlog of old runs
    # is not (expires after a day, not 1.5 quarters).
    "research-release-quarterly": {
        "task": "symptoms.research.tasks.release_build_scheduled",
        "schedule": crontab(minute=30, hour=3, day_of_month=16, month_of_year="1,4,7,10"),
        "options": {"expires": 24 * 60 * 60},
    },
}


class BeatScheduler(PersistentScheduler):
    """Celery's file-backed scheduler that creates the folder of its file first.

    The file lives in ``VAR_DIR/celery/``; on a fresh install that folder does not exist yet, and
    the stock scheduler then exits at start-up, so no reminder would ever be sent.
    """

    def setup_schedule(self) -> None:
        filename = self.schedule_filename  # type: ignore[attr-defined]  # untyped in celery-types
        Path(filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()


@app.task(name="config.ping", ignore_result=False)
def ping() -> str:
    """Used by the service tests and operators to see that a worker answers."""
    return "pong"
