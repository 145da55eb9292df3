"""The web form of one reminder's schedule. It checks types only; the rules are the service's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from symptoms.models import Frequency, ReminderChannel, ReminderSchedule
from symptoms.reminders.planning import MAX_EVERY_N_WEEKS
from symptoms.reminders.push import push_is_configured
from symptoms.reminders.schedules import ScheduleInvalid


class TimeInput(forms.TimeInput):
    input_type = "time"


class DateInput(forms.DateInput):
    input_type = "date"


HH_MM = ["%H:%M", "%H:%M:%S"]  # browsers send seconds when the time input has a step


def _time_field(
    label: StrOrPromise, help_text: StrOrPromise, *, required: StrOrPromise | None = None
) -> forms.TimeField:
    """A local wall-clock time, "HH:MM"; ``required`` is the message when it is left empty."""
    errors: dict[str, StrOrPromise] = {
        "invalid": _("Enter a time as hours and minutes, for example 19:00.")
    }
    if required is not None:
        errors["required"] = required
    return forms.TimeField(
        label=label,
        help_text=help_text,
        required=required is not None,
        input_formats=HH_MM,
        widget=TimeInput(format="%H:%M"),
        error_messages=errors,
    )


WHOLE_NUMBER = {"inputmode": "numeric", "pattern": "[0-9]*", "size": "2"}


# The API's wording names weekdays by number; on this form they are chosen by name.
SCHEDULE_ERROR_WORDING: dict[tuple[str, str], Promise] = {
    ("weekday", "required"): _("Choose the day of the week for a weekly reminder."),
}


def _on_off(value: str) -> bool:
    return value == "on"


class ReminderScheduleForm(forms.Form):
    """One reminder's schedule. Only the types are checked here: which fields a frequency needs,
    and their ranges, are the service's rules (``ScheduleInvalid`` names the field), so a field
    that does not apply to the chosen frequency is ignored rather than refused."""

    frequency = forms.ChoiceField(
        label=_("How often"), choices=Frequency.choices, widget=forms.RadioSelect
    )
    local_time = _time_field(
        _("Time"),
        _("In your time zone: for example 19:00, which is 7 p.m."),
        required=_("Enter a time, for example 19:00."),
    )
    weekday = forms.TypedChoiceField(
        label=_("Day of the week"),
        choices=[("", _("Choose a day")), *((str(day), name) for day, name in WEEKDAYS.items())],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Only for a weekly reminder; otherwise it is ignored."),
    )
    every_n_weeks = forms.IntegerField(
        label=_("Every how many weeks"),
        required=False,
        widget=forms.TextInput(attrs=WHOLE_NUMBER),
        help_text=format_lazy(
            _(
                "Only for a weekly reminder: 1 for every week, 2 for every other week, up to "
                "{most}. Empty means every week."
            ),
            most=MAX_EVERY_N_WEEKS,
        ),
    )
    day_of_month = forms.IntegerField(
        label=_("Day of the month"),
        required=False,
        widget=forms.TextInput(attrs=WHOLE_NUMBER),
        help_text=_(
            "Only for a monthly reminder: 1 to 31. Days 29, 30 and 31 fall on the last day of "
            "shorter months."
        ),
    )
    quiet_start = _time_field(
        _("Quiet hours start (optional)"),
        _(
            "A reminder that falls between the start and the end comes at the end instead. "
            "For example 22:00 (10 p.m.)."
        ),
    )
    quiet_end = _time_field(
        _("Quiet hours end (optional)"),
        _("For example 07:00 (7 a.m.). Give both times, or leave both empty."),
    )
    paused_until = forms.DateField(
        label=_("Pause until (optional)"),
        required=False,
        widget=DateInput(format="%Y-%m-%d"),
        help_text=_("No reminder is sent before this day. Leave it empty for no pause."),
    )
    is_active = forms.TypedChoiceField(
        label=_("Send this reminder"),
        choices=[("on", _("On: send it")), ("off", _("Off: do not send it"))],
        coerce=_on_off,
        widget=forms.RadioSelect,
    )

    channel = forms.ChoiceField(
        label=_("How to remind you"),
        choices=ReminderChannel.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "A notification comes to each device where you turned notifications on (on your "
            "Reminders page). If no device can take it, the reminder comes by email."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not push_is_configured():
            del self.fields["channel"]  # email only: the choice is left as it was

    @staticmethod
    def initial_from(schedule: ReminderSchedule) -> dict[str, Any]:
        return {
            "frequency": schedule.frequency,
            "local_time": schedule.local_time,
            "weekday": schedule.weekday,
            "every_n_weeks": schedule.every_n_weeks,
            "day_of_month": schedule.day_of_month,
            "quiet_start": schedule.quiet_start,
            "quiet_end": schedule.quiet_end,
            "paused_until": schedule.paused_until,
            "is_active": "on" if schedule.is_active else "off",
            "channel": schedule.channel,
        }

    def schedule_data(self) -> dict[str, Any]:
        """The fields as ``reminder_schedule_update`` takes them."""
        data = dict(self.cleaned_data)
        if data["every_n_weeks"] is None:
            data["every_n_weeks"] = 1
        return data

    def add_schedule_error(self, error: ScheduleInvalid) -> None:
        """Show the service's error on the field it names."""
        message = SCHEDULE_ERROR_WORDING.get((error.field, error.code), error.message)
        self.add_error(error.field if error.field in self.fields else None, str(message))
