"""Celery tasks of reminders. Each receives ids only and calls a service.

The task names are kept from before the move into this package (``symptoms.tasks.…``): they are
written in docs/reminders.md and in messages already queued when a new release starts.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from config.celery import REMINDER_TICK_SECONDS
from symptoms.reminders import occurrences, sending

logger = logging.getLogger(__name__)

# A tick spends at most this share of the tick interval queueing, whatever the setting, so it
# ends before beat starts the next one.
DISPATCH_SHARE_OF_TICK = 0.75


@shared_task(name="symptoms.tasks.reminders_dispatch_due")
def reminders_dispatch_due() -> int:
    """Beat's tick: plan ahead, close passed windows, queue one send task per due row."""
    now = timezone.now()
    occurrences.reminders_plan(now=now)
    occurrences.reminders_expire(now=now)
    try:
        return reminders_queue_due()
    except occurrences.BrokerUnavailable:
        return 0  # the rows are planned again; the next tick tries once the broker is back


def reminders_queue_due(*, now: datetime | None = None) -> int:
    """Claim the due rows in batches and publish one ``reminder_send`` per row, all through one
    producer (one broker connection for the whole tick), until nothing is due or the tick's
    budget (``REMINDER_DISPATCH_BUDGET_SECONDS``) is spent. Raises ``BrokerUnavailable``."""
    budget = min(
        settings.REMINDER_DISPATCH_BUDGET_SECONDS, DISPATCH_SHARE_OF_TICK * REMINDER_TICK_SECONDS
    )
    with reminder_send.app.producer_or_acquire() as producer:
        return occurrences.reminders_dispatch_due(
            enqueue=lambda pk: reminder_send.apply_async((pk,), producer=producer),
            now=now,
            budget=timedelta(seconds=budget),
        )


def broker_backlog() -> int:
    """How many messages wait in the send task's queue: 0 when it is empty, or when the broker
    cannot say (then the reaper judges queued rows by their age alone, as it always did)."""
    app = reminder_send.app
    try:
        with app.connection_for_write() as connection:
            declared = connection.default_channel.queue_declare(  # type: ignore[attr-defined]  # kombu's Channel, typed as StdChannel
                queue=app.conf.task_default_queue, passive=True
            )
            return int(declared.message_count)
    except Exception as error:  # a queue never declared, or a broker that is down
        logger.debug("reminder reaper: no queue length (%s)", type(error).__name__)
        return 0


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
    returned = occurrences.reminders_reap_stuck(backlog=broker_backlog())
    if returned:
        # If the broker refuses, the rows stay planned and the dispatcher's next tick queues them.
        with contextlib.suppress(occurrences.BrokerUnavailable):
            reminders_queue_due()
    return returned
