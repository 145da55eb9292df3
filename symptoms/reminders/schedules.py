"""Reminder schedules: every write, keyword-only and atomic. Reads are scoped to the person.

A schedule says when to remind one person about one instrument: daily, weekly (every N weeks
on a weekday) or monthly (a day of the month), at a local wall-clock time in the person's time
zone from their profile, with optional quiet hours and a pause, by email or push
(``channel``). Every change re-plans the schedule's future occurrences at once
(``occurrences.reminder_schedule_replan``).
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.selectors import local_today
from config.service_errors import ServiceError
from symptoms.instruments.definitions import DAILY, instrument_get
from symptoms.models import Frequency, ReminderChannel, ReminderSchedule, ScheduleOrigin
from symptoms.reminders.occurrences import reminder_schedule_replan, reminder_schedule_retire
from symptoms.reminders.planning import MAX_EVERY_N_WEEKS
from symptoms.reminders.push import push_is_configured

DEFAULT_TIME = time(19, 0)  # evening: after the day, when fatigue and pain can be judged
# The default questionnaires, a week apart within the month so no evening has more than one.
DEFAULT_MONTHLY = (("mfis", 1), ("pdds", 8), ("neuroqol_ue", 15), ("pes", 22), ("pdq", 28))
FIELDS = frozenset(
    {
        "frequency",
        "local_time",
        "weekday",
        "every_n_weeks",
        "day_of_month",
        "quiet_start",
        "quiet_end",
        "paused_until",
        "is_active",
        "channel",
    }
)


# A change to these makes the schedule the person's own choice (its emails then say so); a
# pause or a stop does not.
TIMING_FIELDS = frozenset({"frequency", "local_time", "weekday", "every_n_weeks", "day_of_month"})


class ScheduleInvalid(ServiceError):
    code = "invalid_schedule"
    message = _("This schedule is not valid.")

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__()
        self.field, self.code, self.message = field, code, message  # type: ignore[assignment]


class ScheduleExists(ServiceError):
    code = "schedule_exists"
    field = "instrument"
    message = _("There is already a reminder for this questionnaire: change that one.")


def _check(schedule: ReminderSchedule) -> None:
    """The fields that go with the frequency, and nothing else; errors name the field."""
    if schedule.frequency == Frequency.DAILY:
        schedule.weekday, schedule.day_of_month, schedule.every_n_weeks = None, None, 1
    elif schedule.frequency == Frequency.WEEKLY:
        if schedule.weekday is None or not 0 <= schedule.weekday <= 6:
            raise ScheduleInvalid(
                "weekday", "required", str(_("Choose a weekday, 0 (Monday) to 6."))
            )
        if not 1 <= schedule.every_n_weeks <= MAX_EVERY_N_WEEKS:
            message = _("Every 1 to %(most)d weeks.") % {"most": MAX_EVERY_N_WEEKS}
            raise ScheduleInvalid("every_n_weeks", "out_of_range", message)
        schedule.day_of_month = None
    else:
        if schedule.day_of_month is None or not 1 <= schedule.day_of_month <= 31:
            raise ScheduleInvalid(
                "day_of_month", "required", str(_("Choose a day of the month, 1 to 31."))
            )
        schedule.weekday, schedule.every_n_weeks = None, 1
    if (schedule.quiet_start is None) != (schedule.quiet_end is None):
        raise ScheduleInvalid(
            "quiet_end", "required", str(_("Give both the start and the end of quiet hours."))
        )


def _check_channel(data: dict[str, Any], current: str = "") -> None:
    """Push can be chosen only while the site has VAPID keys. A schedule that chose it before
    the keys went keeps its choice (and gets email) so that other changes, a pause from the
    email's link say, still work."""
    wanted = data.get("channel")
    if wanted == ReminderChannel.PUSH and current != wanted and not push_is_configured():
        raise ScheduleInvalid(
            "channel", "push_unavailable", str(_("Notifications are not available on this site."))
        )


@transaction.atomic
def reminder_schedule_create(
    *,
    patient: User,
    instrument: str,
    data: dict[str, Any],
    origin: ScheduleOrigin = ScheduleOrigin.PERSON,
) -> ReminderSchedule:
    if patient.role != Role.PATIENT:
        raise PermissionError("Only patients have reminders.")
    if instrument_get(instrument) is None:
        raise ScheduleInvalid(
            "instrument", "unknown_instrument", str(_("There is no questionnaire with this code."))
        )
    _check_channel(data)
    schedule = ReminderSchedule(
        patient=patient,
        instrument=instrument,
        starts_on=local_today(patient=patient),
        origin=origin,
        **{key: value for key, value in data.items() if key in FIELDS},
    )
    _check(schedule)
    try:
        with transaction.atomic():
            schedule.save()
    except IntegrityError:
        raise ScheduleExists() from None
    reminder_schedule_replan(schedule=schedule)
    return schedule


@transaction.atomic
def reminder_schedule_update(
    *, schedule: ReminderSchedule, data: dict[str, Any]
) -> ReminderSchedule:
    """Change a schedule and re-plan it. Works on the locked row, not the caller's object: two
    changes at once apply one after the other, and a refused change leaves the caller's object
    as it was."""
    schedule = ReminderSchedule.objects.select_for_update().get(pk=schedule.pk)
    _check_channel(data, schedule.channel)
    for key, value in data.items():
        if key in FIELDS:
            if key in TIMING_FIELDS and getattr(schedule, key) != value:
                schedule.origin = ScheduleOrigin.PERSON
            setattr(schedule, key, value)
    _check(schedule)
    schedule.updated_at = timezone.now()
    schedule.save()
    reminder_schedule_replan(schedule=schedule)
    return schedule


@transaction.atomic
def reminder_schedule_delete(*, schedule: ReminderSchedule) -> None:
    reminder_schedule_retire(schedule=schedule)
    schedule.delete()


@transaction.atomic
def reminder_sign_up_create(
    *,
    patient: User,
    frequency: str,
    local_time: time,
    weekday: int | None = None,
    questionnaires: bool = False,
) -> list[ReminderSchedule]:
    """The reminders a person chose when signing up, and only those: the daily check-in every
    day or once a week on ``weekday``, at ``local_time`` in their zone, and, if they asked,
    the default questionnaires monthly at the same time. Emails say they were chosen then."""
    data: dict[str, Any] = {"frequency": frequency, "local_time": local_time}
    if frequency == Frequency.WEEKLY:
        data["weekday"] = weekday
    elif frequency != Frequency.DAILY:
        raise ScheduleInvalid("frequency", "invalid", str(_("Choose every day or once a week.")))
    made = [
        reminder_schedule_create(
            patient=patient, instrument=DAILY, data=data, origin=ScheduleOrigin.SIGN_UP
        )
    ]
    if questionnaires:
        made += [
            reminder_schedule_create(
                patient=patient,
                instrument=code,
                data={
                    "frequency": Frequency.MONTHLY,
                    "local_time": local_time,
                    "day_of_month": day,
                },
                origin=ScheduleOrigin.SIGN_UP,
            )
            for code, day in DEFAULT_MONTHLY
            if instrument_get(code) is not None
        ]
    return made


def default_schedules(*, patient: User | None, starts_on: date) -> list[ReminderSchedule]:
    """The site's default schedules, unsaved: the daily check-in at 19:00 and the default
    questionnaires monthly, a week apart (demo accounts; ``seed_cohort`` writes them in bulk)."""
    wanted = [(DAILY, Frequency.DAILY, None)] + [
        (code, Frequency.MONTHLY, day) for code, day in DEFAULT_MONTHLY
    ]
    return [
        ReminderSchedule(
            patient=patient,
            instrument=code,
            frequency=frequency,
            local_time=DEFAULT_TIME,
            day_of_month=day,
            starts_on=starts_on,
            origin=ScheduleOrigin.DEFAULT,
        )
        for code, frequency, day in wanted
        if instrument_get(code) is not None
    ]


@transaction.atomic
def reminder_defaults_create(*, patient: User, today: date | None = None) -> int:
    """The site's defaults (demo accounts) a person lacks; returns how many were made. New
    accounts no longer get these: they choose at sign-up (``reminder_sign_up_create``)."""
    existing = set(
        ReminderSchedule.objects.filter(patient=patient).values_list("instrument", flat=True)
    )
    made = [
        schedule
        for schedule in default_schedules(
            patient=patient, starts_on=today or local_today(patient=patient)
        )
        if schedule.instrument not in existing
    ]
    ReminderSchedule.objects.bulk_create(made)
    return len(made)
