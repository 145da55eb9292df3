"""Reminder occurrences: planned as rows, claimed atomically, sent once, completed or expired.

The database is the queue (docs/reminders.md). Each planned reminder is a
:class:`~symptoms.models.ReminderOccurrence` with a unique (schedule, due_at), and moves
through these states; every move that matters writes a :class:`ReminderDelivery` log row::

    planned ──dispatch──▶ queued ──send task claims──▶ sending ──▶ sent ──▶ completed | expired
       │                    │                             │  ╰─transient─▶ queued (retry)
       │                    ╰──message lost: reaper──▶ planned ╰─crash: reaper─▶ planned
       ╰──▶ completed (answered before it was due) | skipped (paused, rescheduled…) | expired

Every transition is a conditional UPDATE (``filter(pk=…, status=old).update(…) == 1``), so two
dispatchers, two copies of one task message, or a report arriving mid-send can never both win:
the loser sees 0 rows and does nothing. Tasks receive occurrence ids only.

Sending one claimed row is in ``sending``, the signed links in emails in ``links``, and the
reads (log, adherence) in ``selectors``.
"""

from __future__ import annotations

import logging
import time as clock
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from symptoms.models import (
    DeliveryEvent,
    OccurrenceStatus,
    ReminderDelivery,
    ReminderOccurrence,
    ReminderSchedule,
    Report,
)
from symptoms.reminders import planning

logger = logging.getLogger(__name__)

Status = OccurrenceStatus
# Rows exist this far ahead; the planner extends a schedule once less than PLAN_REFRESH is
# left. Each tick refreshes, so rows exist at least PLAN_REFRESH ahead; that is at least as
# long as any window opens before its due time (monthly: the midnight 3 days before the due
# day, so under 4 days), so a row exists before its window opens: the home page shows it due
# and an early answer completes it.
PLAN_AHEAD = timedelta(days=5)
PLAN_REFRESH = timedelta(days=4)
# The window in which answering counts for a reminder, in local days around the due date:
# (days before the due date it opens, days after the due date it closes), both at midnight.
# A daily check-in counts on its own day; a monthly questionnaire answered a few days early
# needs no reminder, and one answered up to a week late still counts.
WINDOW_DAYS = {"daily": (0, 1), "weekly": (1, 3), "monthly": (3, 7)}
MAX_ATTEMPTS = 5
# A row "sending" longer than this lost its worker: the send task's hard time limit is 60 s
# (symptoms/reminders/tasks.py), so no live worker still holds it.
SENDING_STUCK_AFTER = timedelta(seconds=90)
# A row queued for its first attempt is taken by a worker within seconds; one still waiting after
# this lost its message (Redis restarted without persistence). Sent again at once, so a lost
# reminder goes out at most about 90 s late (this plus the reaper's 30-second tick).
QUEUED_STUCK_AFTER = timedelta(seconds=60)
# A row queued for a retry waits its countdown (at most 600 s) first. So long is also the most a
# first attempt waits for a queue that still holds messages (reminders_reap_stuck).
RETRY_QUEUED_STUCK_AFTER = timedelta(minutes=15)
BATCH = 500
# Rows claimed by one UPDATE … RETURNING in a dispatch tick; a tick claims batch after batch.
DISPATCH_BATCH = 1000
OPEN = (Status.PLANNED, Status.QUEUED, Status.SENDING, Status.SENT)


# --- Planning -------------------------------------------------------------------------------


def schedule_rule(schedule: ReminderSchedule, time_zone: str) -> planning.Rule:
    return planning.Rule(
        frequency=planning.Frequency(schedule.frequency),
        local_time=schedule.local_time,
        time_zone=time_zone,
        starts_on=schedule.starts_on,
        weekday=schedule.weekday,
        every_n_weeks=schedule.every_n_weeks,
        day_of_month=schedule.day_of_month,
        quiet_start=schedule.quiet_start,
        quiet_end=schedule.quiet_end,
        paused_until=schedule.paused_until,
    )


def occurrence_window(
    frequency: str, due_at: datetime, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """``(opens_at, closes_at)`` around ``due_at``: local midnights, converted like due times
    (a midnight skipped by DST opens the day at the jump)."""
    before, after = WINDOW_DAYS[frequency]
    due_on = due_at.astimezone(zone).date()
    opens_at = planning.local_to_utc(due_on - timedelta(days=before), time(0), zone)
    closes_at = planning.local_to_utc(due_on + timedelta(days=after), time(0), zone)
    return min(opens_at, due_at), max(closes_at, due_at + timedelta(minutes=1))


def deliveries_log(
    rows: Iterable[tuple[int, str, str]], *, channel: str = "", attempt: int = 0
) -> None:
    ReminderDelivery.objects.bulk_create(
        ReminderDelivery(
            occurrence_id=pk, event=event, reason=reason, channel=channel, attempt=attempt
        )
        for pk, event, reason in rows
    )


def _plan_schedule(schedule: ReminderSchedule, *, now: datetime, replan: bool) -> int:
    """Make the schedule's rows match its rule up to ``now + PLAN_AHEAD``; the caller holds the
    schedule's row lock. ``replan`` (the rule or the zone changed) also reconciles the future
    rows already planned: kept where the new rule has the same instant, else skipped as
    ``rescheduled``, and revived if a later change brings their instant back."""
    until = now + PLAN_AHEAD
    time_zone = schedule.patient.patient_profile.time_zone
    zone = ZoneInfo(time_zone)
    start = now if replan or schedule.planned_until is None else max(schedule.planned_until, now)
    wanted: list[datetime] = []
    if schedule.is_active:
        wanted = planning.occurrences(schedule_rule(schedule, time_zone), after=start, until=until)
    existing = {
        row.due_at: row
        for row in ReminderOccurrence.objects.filter(
            schedule=schedule, due_at__gt=start, due_at__lte=until
        )
    }
    events: list[tuple[int, str, str]] = []
    if replan:
        for due_at, row in existing.items():
            if due_at in wanted and row.status == Status.SKIPPED and row.reason == "rescheduled":
                _revive(row, zone, schedule.frequency)
                events.append((row.pk, DeliveryEvent.PLANNED, "rescheduled"))
            elif (
                due_at not in wanted
                and row.status == Status.PLANNED
                and occurrence_move(row.pk, Status.PLANNED, Status.SKIPPED, reason="rescheduled")
            ):
                events.append((row.pk, DeliveryEvent.SKIPPED, "rescheduled"))
    new = []
    for due_at in wanted:
        if due_at in existing:
            continue
        opens_at, closes_at = occurrence_window(schedule.frequency, due_at, zone)
        new.append(
            ReminderOccurrence(
                schedule=schedule,
                patient_id=schedule.patient_id,
                instrument=schedule.instrument,
                opens_at=opens_at,
                due_at=due_at,
                closes_at=closes_at,
                send_after=due_at,
            )
        )
    ReminderOccurrence.objects.bulk_create(new)
    events += [(row.pk, DeliveryEvent.PLANNED, "") for row in new]
    deliveries_log(events)
    schedule.planned_until = until
    schedule.save(update_fields=["planned_until"])
    return len(new)


def _revive(row: ReminderOccurrence, zone: ZoneInfo, frequency: str) -> None:
    opens_at, closes_at = occurrence_window(frequency, row.due_at, zone)
    ReminderOccurrence.objects.filter(pk=row.pk, status=Status.SKIPPED).update(
        status=Status.PLANNED, reason="", opens_at=opens_at, closes_at=closes_at,
        send_after=row.due_at,
    )  # fmt: skip


def reminders_plan(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Extend every active schedule whose planned rows run out within ``PLAN_REFRESH``.
    Returns how many occurrences were made. Safe to run in several processes at once."""
    now = now or timezone.now()
    pending = list(
        ReminderSchedule.objects.filter(is_active=True, patient__is_active=True)
        .filter(Q(planned_until__isnull=True) | Q(planned_until__lt=now + PLAN_REFRESH))
        .order_by("planned_until")
        .values_list("pk", flat=True)[:batch]
    )
    made = 0
    for pk in pending:
        with transaction.atomic():
            schedule = _locked_schedule(pk)
            if schedule is None or (
                schedule.planned_until is not None and schedule.planned_until >= now + PLAN_REFRESH
            ):
                continue  # deleted, or another planner did it first
            made += _plan_schedule(schedule, now=now, replan=False)
    return made


def _locked_schedule(pk: int) -> ReminderSchedule | None:
    return (
        ReminderSchedule.objects.select_for_update(of=("self",))
        .select_related("patient__patient_profile")
        .filter(pk=pk)
        .first()
    )


@transaction.atomic
def reminder_schedule_replan(*, schedule: ReminderSchedule, now: datetime | None = None) -> int:
    """Re-plan one schedule's future after a change to it (or to the person's time zone).
    Occurrences already due, sent or answered are history and are not moved."""
    locked = _locked_schedule(schedule.pk)
    if locked is None:
        return 0
    return _plan_schedule(locked, now=now or timezone.now(), replan=True)


def reminders_replan_for(*, patient: User, now: datetime | None = None) -> int:
    """Re-plan all of a person's schedules: their time zone changed."""
    return sum(
        reminder_schedule_replan(schedule=schedule, now=now)
        for schedule in ReminderSchedule.objects.filter(patient=patient)
    )


@transaction.atomic
def reminder_schedule_retire(*, schedule: ReminderSchedule) -> int:
    """Before a schedule is deleted: its open future rows are skipped, so the log says why
    nothing came, and they keep the person and instrument once the schedule is gone."""
    rows = list(
        ReminderOccurrence.objects.filter(schedule=schedule, status=Status.PLANNED).values_list(
            "pk", flat=True
        )
    )
    moved = [
        pk for pk in rows if occurrence_move(pk, Status.PLANNED, Status.SKIPPED, "schedule_deleted")
    ]
    deliveries_log((pk, DeliveryEvent.SKIPPED, "schedule_deleted") for pk in moved)
    return len(moved)


# --- Moving rows ----------------------------------------------------------------------------


def occurrence_move(pk: int, old: str, new: str, reason: str = "", **fields: object) -> bool:
    """The one way a row changes state: only if it is still in ``old``."""
    return (
        ReminderOccurrence.objects.filter(pk=pk, status=old).update(
            status=new, reason=reason, **fields
        )
        == 1
    )


def reminders_expire(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Close the windows that have passed without an answer."""
    now = now or timezone.now()
    rows = list(
        ReminderOccurrence.objects.filter(
            status__in=(Status.PLANNED, Status.SENT), closes_at__lte=now
        ).values_list("pk", "status")[:batch]
    )
    events = []
    for pk, status in rows:
        reason = "never_sent" if status == Status.PLANNED else ""
        if occurrence_move(pk, status, Status.EXPIRED, reason):
            events.append((pk, DeliveryEvent.EXPIRED, reason))
    deliveries_log(events)
    return len(events)


class BrokerUnavailable(Exception):
    """The queue would not take a task; the row went back to planned for the next tick."""


def reminders_dispatch_due(
    *,
    enqueue: Callable[[int], object],
    now: datetime | None = None,
    batch: int = DISPATCH_BATCH,
    budget: timedelta | None = None,
    monotonic: Callable[[], float] = clock.monotonic,
) -> int:
    """Claim the due rows in batches and queue one send task for each, passing only its id.

    1. Claim up to ``batch`` due rows ``planned → queued`` in one statement
       (:func:`_claim_due`): with several dispatchers each row is claimed by exactly one.
    2. Queue a task per claimed row. If the broker refuses, the rows not yet queued (the refused
       one included) go back to ``planned`` and dispatch stops until the next tick.
    3. Repeat until nothing is due or ``budget`` (time since the start) is spent; there is no
       cap on the number of rows. At least one batch is claimed whatever the budget.

    ``now`` fixes the instant due rows are compared with (tests); by default each batch asks
    the clock, so rows falling due during a long tick are taken too.
    """
    started = monotonic()
    queued = 0
    while True:
        at = now or timezone.now()
        claimed = _claim_due(at, batch)
        for index, pk in enumerate(claimed):
            try:
                enqueue(pk)
            except Exception as error:
                unsent = claimed[index:]
                ReminderOccurrence.objects.filter(pk__in=unsent, status=Status.QUEUED).update(
                    status=Status.PLANNED
                )
                logger.warning(
                    "reminder dispatch: broker refused id=%s (%s); %d rows back to planned",
                    pk, type(error).__name__, len(unsent),
                )  # fmt: skip
                raise BrokerUnavailable() from error
            queued += 1
        if len(claimed) < batch or (
            budget is not None and monotonic() - started >= budget.total_seconds()
        ):
            return queued


def _claim_due(now: datetime, batch: int) -> list[int]:
    """Move up to ``batch`` due rows (``send_after <= now < closes_at``, oldest first) from
    ``planned`` to ``queued`` and return their ids.

    One ``WITH due AS (SELECT … LIMIT batch FOR UPDATE SKIP LOCKED) UPDATE … WHERE id IN due
    RETURNING id`` where the database can (PostgreSQL; SQLite 3.35+ without the locking
    clause, as SQLite runs one writer at a time): two dispatchers take disjoint rows without
    waiting for each other, and a row answered meanwhile is no longer ``planned`` and is not
    taken. Elsewhere, one conditional UPDATE per row, the loser of a race matching nothing.
    """
    due = (
        ReminderOccurrence.objects.filter(
            status=Status.PLANNED, send_after__lte=now, closes_at__gt=now
        )
        .order_by("send_after")
        .values_list("pk", flat=True)[:batch]
    )
    if not connection.features.can_return_columns_from_insert:  # no UPDATE … RETURNING
        return [
            pk for pk in due if occurrence_move(pk, Status.PLANNED, Status.QUEUED, queued_at=now)
        ]
    with transaction.atomic():
        select, select_params = due.select_for_update(skip_locked=True).query.sql_with_params()
        quote = connection.ops.quote_name
        table = quote(ReminderOccurrence._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                # The CTE is evaluated once: as a plain "IN (subquery)" PostgreSQL may run the
                # subquery again per row and claim more than one batch.
                f"WITH due AS MATERIALIZED ({select}) "  # noqa: S608 - names and Django's own SQL only
                f"UPDATE {table} SET {quote('status')} = %s, {quote('reason')} = %s, "
                f"{quote('queued_at')} = %s WHERE {quote('id')} IN (SELECT pk FROM due) "
                f"AND {quote('status')} = %s RETURNING {quote('id')}",
                [
                    *select_params,
                    Status.QUEUED,
                    "",
                    connection.ops.adapt_datetimefield_value(now),
                    Status.PLANNED,
                ],
            )
            return [pk for (pk,) in cursor.fetchall()]


def reminders_reap_stuck(
    *,
    now: datetime | None = None,
    sending_stuck_after: timedelta = SENDING_STUCK_AFTER,
    queued_stuck_after: timedelta = QUEUED_STUCK_AFTER,
    retry_queued_stuck_after: timedelta = RETRY_QUEUED_STUCK_AFTER,
    backlog: int = 0,
) -> int:
    """Return rows a crash left behind to ``planned``, so the dispatcher sends them again:
    ``sending`` too long (the worker died mid-send) and ``queued`` too long (the message was
    lost, e.g. Redis restarted without persistence). A row past its attempts fails instead.

    ``backlog`` is how many messages the broker's queue still holds. Workers take messages in
    order, so while some wait, a row queued for its first attempt may simply be behind them
    (20,000 reminders due in one minute take the workers minutes to send): it counts as lost
    only once the queue is empty, or after ``retry_queued_stuck_after`` whatever the queue.
    """
    now = now or timezone.now()
    first_attempt_after = retry_queued_stuck_after if backlog > 0 else queued_stuck_after
    stuck = list(
        ReminderOccurrence.objects.filter(
            Q(status=Status.SENDING, sending_at__lt=now - sending_stuck_after)
            | Q(status=Status.QUEUED, attempts=0, queued_at__lt=now - first_attempt_after)
            | Q(
                status=Status.QUEUED,
                attempts__gt=0,
                queued_at__lt=now - retry_queued_stuck_after,
            )
        ).values_list("pk", "status", "attempts")
    )
    events = []
    for pk, status, attempts in stuck:
        reason = "worker_lost" if status == Status.SENDING else "message_lost"
        if attempts >= MAX_ATTEMPTS:
            if occurrence_move(pk, status, Status.FAILED, reason):
                events.append((pk, DeliveryEvent.FAILED, reason))
        elif occurrence_move(pk, status, Status.PLANNED, send_after=now):
            events.append((pk, DeliveryEvent.PLANNED, reason))
    deliveries_log(events)
    if events:
        logger.warning("reminder reaper: returned %d stuck occurrences", len(events))
    return len(events)


def reminder_occurrences_complete(*, report: Report) -> int:
    """A stored report completes the person's occurrences of that instrument whose window holds
    its completion time. A row being sent right now is completed too (its sender records the
    send but leaves the row completed), and so is one that expired or failed: an answer given
    in the window but uploaded later from an offline phone still counts."""
    rows = list(
        ReminderOccurrence.objects.filter(
            patient_id=report.patient_id,
            instrument=report.instrument,
            status__in=(*OPEN, Status.EXPIRED, Status.FAILED),
            opens_at__lte=report.completed_at,
            closes_at__gt=report.completed_at,
        ).values_list("pk", "status")
    )
    events = []
    for pk, status in rows:
        if occurrence_move(
            pk, status, Status.COMPLETED, completed_at=report.completed_at, report=report
        ):
            events.append((pk, DeliveryEvent.COMPLETED, ""))
    deliveries_log(events)
    return len(events)
