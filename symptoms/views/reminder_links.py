"""The signed links in reminder emails: pause or stop one reminder without logging in.

The link names one schedule in a signed, expiring token. Opening it (GET) changes nothing, since
mail scanners open links too; the person chooses on the page and the POST applies it. Mail
clients that offer "unsubscribe" send RFC 8058's one-click POST to ``reminder_stop``, which
stops that reminder; the token is its authority, so it needs no CSRF token.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from symptoms.definitions import instrument_get
from symptoms.models import ReminderSchedule
from symptoms.reminders.links import reminder_link_schedule
from symptoms.reminders.schedules import reminder_schedule_update

PAUSE_WEEKS = (1, 2, 4)


def _not_valid(request: HttpRequest) -> HttpResponse:
    return render(request, "symptoms/reminder_link_invalid.html", status=404)


def _apply(schedule: ReminderSchedule, action: str) -> str | None:
    """Apply the person's choice and say what was done, or None for an unknown choice."""
    if action == "stop":
        reminder_schedule_update(schedule=schedule, data={"is_active": False})
        return _("This reminder is stopped. You can turn it on again on your Reminders page.")
    if action.startswith("pause-") and action[6:].isdigit() and int(action[6:]) in PAUSE_WEEKS:
        zone = ZoneInfo(schedule.patient.patient_profile.time_zone)
        until = timezone.now().astimezone(zone).date() + timedelta(weeks=int(action[6:]))
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
