"""The Celery app. Beat only ticks; the work it starts is in the tasks of each app.

Every beat entry expires after about 1.5 times its interval, so a backlog after an outage does
not run the same sweep many times over.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("mstracker", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "share-codes-purge-expired": {
        "task": "accounts.tasks.share_codes_purge_expired",
        "schedule": 30 * 60,
        "options": {"expires": 45 * 60},
    },
}


@app.task(name="config.ping", ignore_result=False)
def ping() -> str:
    """Used by the service tests and operators to see that a worker answers."""
    return "pong"
