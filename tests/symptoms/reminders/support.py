"""Helpers for the reminder tests: schedules made directly, and channels that fail on purpose
(named in ``settings.REMINDER_CHANNELS`` by dotted path, as a real second channel would be)."""

from __future__ import annotations

import time as clock
from datetime import date, time
from typing import Any, ClassVar

from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.message import EmailMessage

from accounts.models import User
from symptoms.models import ReminderSchedule
from symptoms.reminders.channels import ReminderMessage


def schedule_make(patient: User, **fields: Any) -> ReminderSchedule:
    values: dict[str, Any] = {
        "instrument": "daily",
        "frequency": "daily",
        "local_time": time(19, 0),
        "starts_on": date(2026, 1, 1),
    }
    values.update(fields)
    return ReminderSchedule.objects.create(patient=patient, **values)


class ScriptedChannel:
    """Raises the errors in ``script`` one per send, then succeeds; records what it sent."""

    name: ClassVar[str] = "scripted"
    script: ClassVar[list[Exception]] = []
    sent: ClassVar[list[ReminderMessage]] = []

    def can_reach(self, message: ReminderMessage) -> bool:
        return True

    def send(self, message: ReminderMessage) -> None:
        if ScriptedChannel.script:
            raise ScriptedChannel.script.pop(0)
        ScriptedChannel.sent.append(message)


class UnreachableChannel:
    name: ClassVar[str] = "unreachable"

    def can_reach(self, message: ReminderMessage) -> bool:
        return False

    def send(self, message: ReminderMessage) -> None:  # pragma: no cover - never reached
        raise AssertionError("a channel that cannot reach the person was asked to send")


class SlowFileBackend(FileBackend):
    """The file backend, after a pause: gives the worker-kill test a moment in which the
    occurrence is "sending" and nothing has been written yet."""

    def send_messages(self, email_messages: Any) -> int:
        clock.sleep(4)
        sent: int = super().send_messages(email_messages)
        return sent


def message_ids(messages: list[EmailMessage]) -> list[str]:
    return [str(message.extra_headers["Message-ID"]) for message in messages]
