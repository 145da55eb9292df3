"""The person's reminders: each schedule in words with a page to change it, how often they
answered over the last 4 and 12 weeks, and the log of what happened to each reminder.

Patients only; another person's schedule is a 404. Writes go through
``symptoms.reminders.schedules``, which re-plans the schedule's future reminders itself.

The signed-link pages (no login) let a person pause or stop a reminder from its email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import request_patient, role_required
from accounts.models import Role, User
from accounts.selectors import local_today
from symptoms.instruments.definitions import instrument_get
from symptoms.models import (
    DeliveryEvent,
    Frequency,
    ReminderChannel,
    ReminderDelivery,
    ReminderSchedule,
)
from symptoms.reminders import forms
from symptoms.reminders.links import reminder_link_schedule
from symptoms.reminders.push import push_is_configured, push_subscription_list_active
from symptoms.reminders.schedules import ScheduleInvalid, reminder_schedule_update
from symptoms.reminders.selectors import (
    Adherence,
    reminder_adherence,
    reminder_delivery_list,
    reminder_schedule_get,
    reminder_schedule_list,
)

LOG_LENGTH = 50  # the newest entries; the API (/api/v1/reminder-deliveries/) pages through all

EVENT_LABELS: dict[str, Promise] = {
    DeliveryEvent.PLANNED: gettext_lazy("Planned"),
    DeliveryEvent.SENT: gettext_lazy("Sent"),
    DeliveryEvent.FAILED: gettext_lazy("Not sent"),
    DeliveryEvent.COMPLETED: gettext_lazy("Answered"),
    DeliveryEvent.EXPIRED: gettext_lazy("Closed without an answer"),
    DeliveryEvent.SKIPPED: gettext_lazy("Not sent"),
}
# Where the reason changes what the event means to the person.
EVENT_REASON_LABELS: dict[tuple[str, str], Promise] = {
    (DeliveryEvent.PLANNED, "rescheduled"): gettext_lazy("Planned again"),
    (DeliveryEvent.PLANNED, "worker_lost"): gettext_lazy("To be sent again"),
    (DeliveryEvent.PLANNED, "message_lost"): gettext_lazy("To be sent again"),
    (DeliveryEvent.SKIPPED, "quiet_hours"): gettext_lazy("Moved later"),
}
LOST = ("worker_lost", "message_lost")  # the reaper's codes: a crash or a lost task message
REASON_LABELS: dict[str, Promise] = {
    "already_completed": gettext_lazy("you had already answered"),
    "paused": gettext_lazy("the reminder was paused"),
    "schedule_inactive": gettext_lazy("the reminder was switched off"),
    "schedule_deleted": gettext_lazy("the reminder was removed"),
    "account_inactive": gettext_lazy("your account was not active"),
    "rescheduled": gettext_lazy("the reminder's schedule was changed"),
    "quiet_hours": gettext_lazy("moved out of your quiet hours"),
    "never_sent": gettext_lazy("it could not be sent in time"),
    "worker_lost": gettext_lazy("a delay on our side; sent again"),
    "message_lost": gettext_lazy("a delay on our side; sent again"),
    "gave_up": gettext_lazy("we stopped trying after several attempts"),
    "no_channel": gettext_lazy("we have no way to reach you"),
    "push_expired": gettext_lazy("your devices no longer take notifications; sent by email"),
}
# What a delivery's channel means to the person, in the log and the schedules' table.
CHANNEL_LABELS: dict[str, Promise] = {
    ReminderChannel.EMAIL: gettext_lazy("Email"),
    ReminderChannel.PUSH: gettext_lazy("Notification"),
}
# "Sent" alone means by email, the one channel until push came.
SENT_BY: dict[str, Promise] = {ReminderChannel.PUSH: gettext_lazy("Sent as a notification")}
LOST_FOR_GOOD = gettext_lazy("a problem on our side")  # lost after the last attempt
NOT_DELIVERED = gettext_lazy("the email could not be delivered")  # smtp_… and other codes


def instrument_name(code: str) -> str:
    definition = instrument_get(code)
    return definition.name if definition else code


def schedule_when(schedule: ReminderSchedule) -> str:
    """The schedule in words: "Every day at 19:00", "Every 2 weeks on Monday at 19:00"."""
    at = f"{schedule.local_time:%H:%M}"
    if schedule.frequency == Frequency.DAILY:
        return _("Every day at %(time)s") % {"time": at}
    if schedule.frequency == Frequency.WEEKLY:
        weeks = schedule.every_n_weeks
        day = WEEKDAYS.get(schedule.weekday if schedule.weekday is not None else -1, "")
        if weeks == 1:
            return _("Every week on %(day)s at %(time)s") % {"day": day, "time": at}
        return ngettext(
            "Every %(weeks)d week on %(day)s at %(time)s",
            "Every %(weeks)d weeks on %(day)s at %(time)s",
            weeks,
        ) % {"weeks": weeks, "day": day, "time": at}
    values = {"day": schedule.day_of_month, "time": at}
    if schedule.day_of_month is not None and schedule.day_of_month > 28:
        return _("Monthly on day %(day)s (or the month's last day) at %(time)s") % values
    return _("Monthly on day %(day)s at %(time)s") % values


@dataclass(frozen=True)
class ScheduleRow:
    public_id: UUID
    name: str
    when: str
    quiet_hours: str
    paused_until: date | None  # only a pause still in force
    is_active: bool
    channel: str


def _schedule_row(schedule: ReminderSchedule, today: date) -> ScheduleRow:
    quiet = ""
    if schedule.quiet_start is not None and schedule.quiet_end is not None:
        quiet = _("%(start)s to %(end)s") % {
            "start": f"{schedule.quiet_start:%H:%M}",
            "end": f"{schedule.quiet_end:%H:%M}",
        }
    paused = schedule.paused_until
    return ScheduleRow(
        public_id=schedule.public_id,
        name=instrument_name(schedule.instrument),
        when=schedule_when(schedule),
        quiet_hours=quiet,
        # Reminders resume on the pause's last day (the planner skips the dates before it).
        paused_until=paused if paused is not None and paused > today else None,
        is_active=schedule.is_active,
        channel=str(CHANNEL_LABELS.get(schedule.channel, schedule.channel)),
    )


def completion_words(done: int, due: int) -> str:
    if not due:
        return _("Nothing due yet")
    return _("%(done)d of %(due)d (%(percent)d%%)") % {
        "done": done,
        "due": due,
        "percent": round(100 * done / due),
    }


@dataclass(frozen=True)
class AdherenceRow:
    name: str
    weeks_4: str
    weeks_12: str


def _adherence_rows(codes: list[str], adherence: list[Adherence]) -> list[AdherenceRow]:
    """One row per scheduled instrument (in the schedules' order), then any other instrument
    reminded about in the last 12 weeks (a reminder since removed)."""
    by_code = {row.instrument: row for row in adherence}
    codes = codes + [code for code in by_code if code not in codes]
    rows = []
    for code in codes:
        row = by_code.get(code) or Adherence(code, 0, 0, 0, 0)
        rows.append(
            AdherenceRow(
                name=instrument_name(code),
                weeks_4=completion_words(row.completed_4_weeks, row.due_4_weeks),
                weeks_12=completion_words(row.completed_12_weeks, row.due_12_weeks),
            )
        )
    return rows


@dataclass(frozen=True)
class LogRow:
    name: str
    due_at: datetime
    happened: str
    why: str
    at: datetime


def delivery_words(event: str, reason: str) -> tuple[str, str]:
    """What happened and why, in words, for one log entry's event and reason code."""
    happened: object = EVENT_REASON_LABELS.get((event, reason)) or EVENT_LABELS.get(event) or event
    if not reason:
        why: object = ""
    elif event == DeliveryEvent.FAILED and reason in LOST:
        why = LOST_FOR_GOOD
    elif reason in REASON_LABELS:
        why = REASON_LABELS[reason]
    elif event == DeliveryEvent.FAILED:
        why = NOT_DELIVERED
    else:
        why = ""  # a code added later: the event alone still says what happened
    return str(happened), str(why)


def _log_row(delivery: ReminderDelivery) -> LogRow:
    occurrence = delivery.occurrence
    happened, why = delivery_words(delivery.event, delivery.reason)
    if delivery.event == DeliveryEvent.SENT and delivery.channel in SENT_BY:
        happened = str(SENT_BY[delivery.channel])
    return LogRow(
        name=instrument_name(occurrence.instrument),
        due_at=occurrence.due_at,
        happened=happened,
        why=why,
        at=delivery.created_at,
    )


def _push_context(patient: User) -> dict[str, object] | None:
    """What the "notifications on this device" section needs; None when the site has no push
    keys, and the section is not shown."""
    if not push_is_configured():
        return None
    return {
        "public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY,
        "devices": push_subscription_list_active(patient_id=patient.pk).count(),
    }


@role_required(Role.PATIENT)
def reminders_page(request: HttpRequest) -> HttpResponse:
    patient = request_patient(request)
    today = local_today(patient=patient)
    schedules = list(reminder_schedule_list(patient=patient))
    # One more than shown, to know whether there are older entries without counting them all.
    deliveries = list(reminder_delivery_list(patient=patient)[: LOG_LENGTH + 1])
    context = {
        "time_zone": patient.patient_profile.time_zone,
        "schedules": [_schedule_row(schedule, today) for schedule in schedules],
        "adherence": _adherence_rows(
            [schedule.instrument for schedule in schedules],
            reminder_adherence(patient=patient, now=timezone.now()),
        ),
        "log": [_log_row(delivery) for delivery in deliveries[:LOG_LENGTH]],
        "log_length": LOG_LENGTH,
        "log_has_more": len(deliveries) > LOG_LENGTH,
        "push": _push_context(patient),
    }
    return render(request, "symptoms/reminders.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.PATIENT)
def reminder_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = request_patient(request)
    schedule = reminder_schedule_get(patient=patient, public_id=public_id)
    name = instrument_name(schedule.instrument)
    initial = forms.ReminderScheduleForm.initial_from(schedule)
    if request.method != "POST":
        form = forms.ReminderScheduleForm(initial=initial)
    else:
        form = forms.ReminderScheduleForm(request.POST, initial=initial)
        if form.is_valid():
            try:
                reminder_schedule_update(schedule=schedule, data=form.schedule_data())
            except ScheduleInvalid as error:
                form.add_schedule_error(error)
            else:
                messages.success(
                    request, _("Your reminder for “%(name)s” is saved.") % {"name": name}
                )
                return redirect("symptoms:reminders")
    context = {"form": form, "name": name, "time_zone": patient.patient_profile.time_zone}
    return render(request, "symptoms/reminder_edit.html", context)


PAUSE_WEEKS = (1, 2, 4)


def _not_valid(request: HttpRequest) -> HttpResponse:
    return render(request, "symptoms/reminder_link_invalid.html", status=404)


def _apply(schedule: ReminderSchedule, action: str) -> str | None:
    """Apply the person's choice and say what was done, or None for an unknown choice."""
    if action == "stop":
        reminder_schedule_update(schedule=schedule, data={"is_active": False})
        return _("This reminder is stopped. You can turn it on again on your Reminders page.")
    if action.startswith("pause-") and action[6:].isdigit() and int(action[6:]) in PAUSE_WEEKS:
        until = local_today(patient=schedule.patient) + timedelta(weeks=int(action[6:]))
        reminder_schedule_update(schedule=schedule, data={"paused_until": until, "is_active": True})
        return _("This reminder is paused until %(date)s.") % {
            "date": formats.date_format(until, "DATE_FORMAT")
        }
    return None


@require_http_methods(["GET", "POST"])
def reminder_manage(request: HttpRequest, token: str) -> HttpResponse:
    schedule = reminder_link_schedule(token)
    if schedule is None:
        return _not_valid(request)
    done = None
    status = 200
    if request.method == "POST":
        done = _apply(schedule, request.POST.get("action", ""))
        if done is None:
            status = 400
    definition = instrument_get(schedule.instrument)
    context = {
        "schedule": schedule,
        "instrument_name": definition.name if definition else schedule.instrument,
        "pause_weeks": PAUSE_WEEKS,
        "done": done,
        "choice_missing": status == 400,
    }
    return render(request, "symptoms/reminder_manage.html", context, status=status)


@csrf_exempt  # the signed token in the path is the authority (RFC 8058 one-click POST)
@require_POST
def reminder_stop(request: HttpRequest, token: str) -> HttpResponse:
    schedule = reminder_link_schedule(token)
    if schedule is None:
        return _not_valid(request)
    _apply(schedule, "stop")
    return HttpResponse(_("This reminder is stopped."), content_type="text/plain; charset=utf-8")
