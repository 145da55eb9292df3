"""The signed links in reminder emails: a token naming one schedule, valid for a while."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing

from symptoms.models import ReminderSchedule

LINK_SALT = "symptoms.reminders.manage"


def reminder_link_token(schedule: ReminderSchedule) -> str:
    """A signed, expiring token naming one schedule: the pause/stop link works without a login
    and for that reminder only. It holds the schedule's public id, nothing about health."""
    return signing.dumps(str(schedule.public_id), salt=LINK_SALT)


def reminder_link_schedule(token: str) -> ReminderSchedule | None:
    """The schedule a token names, or None if it is forged, expired or the schedule is gone."""
    try:
        public_id = signing.loads(
            token, salt=LINK_SALT, max_age=timedelta(days=settings.REMINDER_LINK_MAX_AGE_DAYS)
        )
    except signing.BadSignature:
        return None
    return (
        ReminderSchedule.objects.select_related("patient__patient_profile")
        .filter(public_id=public_id)
        .first()
    )
