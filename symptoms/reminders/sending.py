"""Sending one claimed reminder: re-check it, hand it to a channel, record the outcome.

The tick (``occurrences.reminders_dispatch_due``) queues one ``reminder_send`` task per row; the
task calls :func:`reminder_send` with the row's id and retries only when told to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from symptoms.instruments.definitions import DAILY, instrument_get
from symptoms.models import (
    DeliveryEvent,
    ReminderChannel,
    ReminderOccurrence,
    ReminderSchedule,
    Report,
)
from symptoms.reminders import planning
from symptoms.reminders.channels import (
    ChannelUnreachable,
    PermanentDeliveryError,
    ReminderMessage,
    TransientDeliveryError,
    channels_get,
)
from symptoms.reminders.links import reminder_link_token
from symptoms.reminders.occurrences import (
    MAX_ATTEMPTS,
    Status,
    deliveries_log,
    occurrence_move,
)
from symptoms.reminders.one_tap import one_tap_issue

logger = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = (30, 120, 300, 600)  # after attempts 1, 2, 3, 4


class Outcome(StrEnum):
    NOT_CLAIMED = "not_claimed"  # another copy of the task, or the row moved on
    SENT = "sent"
    SKIPPED = "skipped"
    COMPLETED = "completed"
    DEFERRED = "deferred"
    EXPIRED = "expired"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    retry_in: int = 0  # seconds, with RETRY


def reminder_send(*, occurrence_id: int, now: datetime | None = None) -> SendResult:
    """Send one claimed occurrence, after re-checking that it still should go.

    1. Claim ``queued → sending`` (counting the attempt); a copy of the task that loses this
       does nothing.
    2. Re-check: the window still open, the schedule still there, active and not paused, not
       already answered in the window, and the local time not in quiet hours (a late send is
       moved to their end). Each "no" is logged with its reason and nothing is sent.
    3. Hand it to the first channel that can reach the person; one that finds it cannot after
       all (``ChannelUnreachable``) is logged and the next one sends. Success: ``sent``. A transient
       failure goes back to ``queued`` for a retry with backoff, until ``MAX_ATTEMPTS``; a
       permanent one is recorded as ``failed`` and not retried.
    """
    now = now or timezone.now()
    claimed = ReminderOccurrence.objects.filter(pk=occurrence_id, status=Status.QUEUED).update(
        status=Status.SENDING, sending_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        logger.info("reminder send: id=%s not claimed (already handled)", occurrence_id)
        return SendResult(Outcome.NOT_CLAIMED)
    row = ReminderOccurrence.objects.select_related("schedule", "patient__patient_profile").get(
        pk=occurrence_id
    )
    checked = _recheck(row, now)
    if checked is not None:
        return checked
    message = _message(row)
    for channel in (channel for channel in channels_get() if channel.can_reach(message)):
        try:
            channel.send(message)
        except ChannelUnreachable as error:
            # E.g. every push subscription expired: logged, and the next channel sends.
            deliveries_log(
                [(row.pk, DeliveryEvent.FAILED, error.code)],
                channel=channel.name,
                attempt=row.attempts,
            )
            continue
        except TransientDeliveryError as error:
            deliveries_log(
                [(row.pk, DeliveryEvent.FAILED, error.code)],
                channel=channel.name,
                attempt=row.attempts,
            )
            if row.attempts >= MAX_ATTEMPTS:
                return _fail(row, "gave_up", channel=channel.name)
            if occurrence_move(row.pk, Status.SENDING, Status.QUEUED, error.code, queued_at=now):
                delay = RETRY_BACKOFF_SECONDS[min(row.attempts, len(RETRY_BACKOFF_SECONDS)) - 1]
                return SendResult(Outcome.RETRY, retry_in=delay)
            return SendResult(Outcome.NOT_CLAIMED)
        except PermanentDeliveryError as error:
            return _fail(row, error.code, channel=channel.name)
        break
    else:
        return _fail(row, "no_channel")
    # Sent. A report that arrived during the send has already completed the row; keep that.
    occurrence_move(row.pk, Status.SENDING, Status.SENT, sent_at=now)
    ReminderOccurrence.objects.filter(pk=row.pk, sent_at__isnull=True).update(sent_at=now)
    deliveries_log([(row.pk, DeliveryEvent.SENT, "")], channel=channel.name, attempt=row.attempts)
    logger.info("reminder sent id=%s channel=%s attempt=%s", row.pk, channel.name, row.attempts)
    return SendResult(Outcome.SENT)


def _fail(row: ReminderOccurrence, reason: str, *, channel: str = "") -> SendResult:
    occurrence_move(row.pk, Status.SENDING, Status.FAILED, reason)
    deliveries_log([(row.pk, DeliveryEvent.FAILED, reason)], channel=channel, attempt=row.attempts)
    logger.warning("reminder failed id=%s reason=%s", row.pk, reason)
    return SendResult(Outcome.FAILED)


def _recheck(row: ReminderOccurrence, now: datetime) -> SendResult | None:
    def stop(status: str, event: str, reason: str, outcome: Outcome) -> SendResult:
        if occurrence_move(row.pk, Status.SENDING, status, reason):
            deliveries_log([(row.pk, event, reason)], attempt=row.attempts)
        return SendResult(outcome)

    schedule = row.schedule
    if now >= row.closes_at:
        return stop(Status.EXPIRED, DeliveryEvent.EXPIRED, "never_sent", Outcome.EXPIRED)
    if schedule is None:
        return stop(Status.SKIPPED, DeliveryEvent.SKIPPED, "schedule_deleted", Outcome.SKIPPED)
    if not schedule.is_active:
        return stop(Status.SKIPPED, DeliveryEvent.SKIPPED, "schedule_inactive", Outcome.SKIPPED)
    if not row.patient.is_active:
        return stop(Status.SKIPPED, DeliveryEvent.SKIPPED, "account_inactive", Outcome.SKIPPED)
    zone = ZoneInfo(row.patient.patient_profile.time_zone)
    local_now = now.astimezone(zone)
    if schedule.paused_until is not None and local_now.date() < schedule.paused_until:
        return stop(Status.SKIPPED, DeliveryEvent.SKIPPED, "paused", Outcome.SKIPPED)
    answered = (
        Report.objects.current()
        .filter(
            patient_id=row.patient_id,
            instrument=row.instrument,
            completed_at__gte=row.opens_at,
            completed_at__lt=row.closes_at,
        )
        .order_by("completed_at")
        .first()
    )
    if answered is not None:
        if occurrence_move(
            row.pk, Status.SENDING, Status.COMPLETED, "",
            completed_at=answered.completed_at, report=answered,
        ):  # fmt: skip
            deliveries_log(
                [(row.pk, DeliveryEvent.SKIPPED, "already_completed")], attempt=row.attempts
            )
        return SendResult(Outcome.COMPLETED)
    quiet_end = _quiet_end_after(schedule, local_now)
    if quiet_end is not None:
        # A late send (after an outage, say) would wake the person: wait for the quiet hours'
        # end, unless the window closes first. The attempt did not use the channel.
        send_after = planning.local_to_utc(quiet_end.date(), quiet_end.time(), zone)
        if send_after >= row.closes_at:
            return stop(Status.EXPIRED, DeliveryEvent.EXPIRED, "quiet_hours", Outcome.EXPIRED)
        if occurrence_move(
            row.pk, Status.SENDING, Status.PLANNED, "quiet_hours",
            send_after=send_after, attempts=F("attempts") - 1,
        ):  # fmt: skip
            deliveries_log([(row.pk, DeliveryEvent.SKIPPED, "quiet_hours")], attempt=row.attempts)
        return SendResult(Outcome.DEFERRED)
    return None


def _quiet_end_after(schedule: ReminderSchedule, local_now: datetime) -> datetime | None:
    """The naive local end of the quiet hours ``local_now`` is in, or None if it is in none."""
    ends = planning.quiet_end(
        schedule.quiet_start, schedule.quiet_end, local_now.time().replace(tzinfo=None)
    )
    if ends is None:
        return None
    days_later, end = ends
    return datetime.combine(local_now.date() + timedelta(days=days_later), end)


def _message(row: ReminderOccurrence) -> ReminderMessage:
    patient = row.patient
    definition = instrument_get(row.instrument)
    is_daily = row.instrument == DAILY
    # One tap: the link opens this form for this person without the password, once.
    answer_path = reverse("symptoms:one_tap_open", args=[one_tap_issue(occurrence=row)])
    token = reminder_link_token(row.schedule) if row.schedule else ""
    return ReminderMessage(
        occurrence_id=str(row.public_id),
        email=patient.email,
        full_name=patient.full_name,
        language=patient.patient_profile.language,
        instrument_code=row.instrument,
        instrument_title=definition.name if definition else row.instrument,
        is_daily=is_daily,
        answer_url=settings.SITE_URL + answer_path,
        manage_url=settings.SITE_URL + reverse("symptoms:reminder_manage", args=[token]),
        stop_url=settings.SITE_URL + reverse("symptoms:reminder_stop", args=[token]),
        origin=row.schedule.origin if row.schedule else "",
        patient_id=patient.pk,
        channel=row.schedule.channel if row.schedule else ReminderChannel.EMAIL,
        closes_at=row.closes_at,
    )
