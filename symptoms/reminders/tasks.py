"""Celery tasks of reminders. Each receives ids only and calls a service.

The task names are kept from before the move into this package (``symptoms.tasks.…``): they are
written in docs/reminders.md and in messages already queued when a new release starts.
"""

from __future__ import annotations

import contextlib
import logging

from celery import Task, shared_task
from django.utils import timezone

from symptoms.reminders import occurrences, sending

logger = logging.getLogger(__name__)


@shared_task(name="symptoms.tasks.reminders_dispatch_due")
def reminders_dispatch_due() -> int:
    """Beat's tick: plan ahead, close passed windows, queue one send task per due row."""
    now = timezone.now()
    occurrences.reminders_plan(now=now)
    occurrences.reminders_expire(now=now)
    try:
        return occurrences.reminders_dispatch_due(enqueue=reminder_send.delay, now=now)
    except occurrences.BrokerUnavailable:
        return 0  # the rows are planned again; the next tick tries once the broker is back


# One send is a database claim and one SMTP exchange (EMAIL_TIMEOUT 10 s): a minute is ample, and
# the reaper counts on it (occurrences.SENDING_STUCK_AFTER).
@shared_task(
    name="symptoms.tasks.reminder_send",
    bind=True,
    max_retries=None,
    soft_time_limit=45,
    time_limit=60,
)
def reminder_send(self: Task[[int], str], occurrence_id: int) -> str:
    result = sending.reminder_send(occurrence_id=occurrence_id)
    if result.outcome is sending.Outcome.RETRY:
        # The row itself counts attempts and stops at MAX_ATTEMPTS; Celery only waits.
        raise self.retry(countdown=result.retry_in)
    return str(result.outcome)


@shared_task(name="symptoms.tasks.reminders_reap_stuck")
def reminders_reap_stuck() -> int:
    """Return rows a lost message or a dead worker left behind, and queue them again at once
    rather than at the next dispatch tick."""
    returned = occurrences.reminders_reap_stuck()
    if returned:
        # If the broker refuses, the rows stay planned and the dispatcher's next tick queues them.
        with contextlib.suppress(occurrences.BrokerUnavailable):
            occurrences.reminders_dispatch_due(enqueue=reminder_send.delay)
    return returned
