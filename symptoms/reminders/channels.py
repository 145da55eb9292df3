"""How a reminder reaches a person. The dispatcher knows only this interface.

A channel is a class named in ``settings.REMINDER_CHANNELS`` with a ``name``, ``can_reach`` and
``send``. ``send`` returns when the provider has accepted the message and raises
:class:`TransientDeliveryError` for a failure worth retrying (a connection dropped, a 4xx SMTP
answer) or :class:`PermanentDeliveryError` for one that will not get better by itself (a 5xx
answer, no address), or :class:`ChannelUnreachable` when it finds that it cannot reach the
person after all, so that the next channel sends (push falling back to email). Each error
carries a short ``code`` for the delivery log, never the provider's message, which may quote the
address.

Adding a channel (SMS, push) means writing one class and listing it in the setting; the
dispatcher, the retries and the log stay as they are.
"""

from __future__ import annotations

import smtplib
import socket
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import ClassVar, Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _


class DeliveryError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class TransientDeliveryError(DeliveryError):
    """Worth trying again later, with backoff."""


class PermanentDeliveryError(DeliveryError):
    """Recorded and not retried."""


class ChannelUnreachable(DeliveryError):
    """The channel found at sending time that it cannot reach the person after all (every
    push subscription has expired): recorded, and the next channel that can reach them sends."""


@dataclass(frozen=True, kw_only=True)
class ReminderMessage:
    """What a channel needs to send one reminder; built by the sender from ids it looked up."""

    occurrence_id: str  # public id: a stable Message-ID, so a resend can be recognised
    email: str
    full_name: str
    language: str
    instrument_code: str
    instrument_title: str
    is_daily: bool
    answer_url: str
    manage_url: str  # signed: pause or stop this reminder without logging in
    stop_url: str  # signed: RFC 8058 one-click stop for mail clients
    origin: str = ""  # how the schedule was set (ScheduleOrigin): the closing line says so
    patient_id: int | None = None  # for channels that look up the person's devices
    channel: str = "email"  # the schedule's choice (ReminderChannel)
    closes_at: datetime | None = None  # after this the reminder is pointless


class Channel(Protocol):
    name: ClassVar[str]

    def can_reach(self, message: ReminderMessage) -> bool: ...

    def send(self, message: ReminderMessage) -> None: ...


@cache
def _channel(path: str) -> Channel:
    channel: Channel = import_string(path)()
    return channel


def channels_get() -> list[Channel]:
    return [_channel(path) for path in settings.REMINDER_CHANNELS]


class EmailChannel:
    """Email through Django's configured backend, plain text and HTML, in the person's language."""

    name: ClassVar[str] = "email"

    def can_reach(self, message: ReminderMessage) -> bool:
        return bool(message.email)

    def send(self, message: ReminderMessage) -> None:
        with translation.override(message.language):
            context = {"message": message}
            subject = render_to_string("symptoms/email/reminder_subject.txt", context).strip()
            text = render_to_string("symptoms/email/reminder.txt", context)
            html = render_to_string("symptoms/email/reminder.html", context)
        domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        email = EmailMultiAlternatives(
            subject,
            text,
            to=[message.email],
            headers={
                # The same id on every attempt: mail systems that see a resend can fold it.
                "Message-ID": f"<reminder-{message.occurrence_id}@{domain or 'localhost'}>",
                "List-Unsubscribe": f"<{message.stop_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
            },
        )
        email.attach_alternative(html, "text/html")
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _reply in error.recipients.values()]
            if codes and all(400 <= code < 500 for code in codes):
                raise TransientDeliveryError("smtp_recipient_deferred") from None
            raise PermanentDeliveryError("smtp_recipient_refused") from None
        except smtplib.SMTPAuthenticationError:
            # The site's credentials, not the person: an operator must fix them.
            raise PermanentDeliveryError("smtp_auth_failed") from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as error:
            # Before SMTPResponseException, which SMTPConnectError subclasses: a server that
            # will not talk now may well talk later.
            raise TransientDeliveryError(_code(error)) from None
        except smtplib.SMTPResponseException as error:
            if 400 <= error.smtp_code < 500:
                raise TransientDeliveryError(f"smtp_{error.smtp_code}") from None
            raise PermanentDeliveryError(f"smtp_{error.smtp_code}") from None
        except (ConnectionError, TimeoutError, socket.gaierror) as error:
            raise TransientDeliveryError(_code(error)) from None


class PushChannel:
    """A web push notification on each device where the person turned it on, for schedules
    that chose push. Reaches no one without the site's VAPID keys or without an active
    subscription, so email (listed after it) sends instead; when every subscription turns out
    to have expired, :class:`ChannelUnreachable` hands the reminder to email in the same
    attempt. The notification says only what the email's subject says, and links to the form."""

    name: ClassVar[str] = "push"

    def can_reach(self, message: ReminderMessage) -> bool:
        # Imported here: push.py needs this module's errors and the models.
        from symptoms.reminders import push

        return (
            message.channel == "push"
            and message.patient_id is not None
            and push.push_is_configured()
            and push.push_subscription_list_active(patient_id=message.patient_id).exists()
        )

    def send(self, message: ReminderMessage) -> None:
        """Send to every active device; one success is a success. Otherwise a transient
        failure anywhere means a retry, then a permanent one a failure; all expired means
        unreachable."""
        from symptoms.reminders import push

        with translation.override(message.language):
            notification = push.PushMessage(
                title=str(
                    _("Time for your daily check-in")
                    if message.is_daily
                    else _("A questionnaire is ready for you")
                ),
                body=str(_("Open it to answer.")),
                url=message.answer_url,
                tag=f"reminder-{message.occurrence_id}",
            )
        errors: list[DeliveryError] = []
        sent = False
        for subscription in push.push_subscription_list_active(patient_id=message.patient_id):
            try:
                outcome = push.push_send(
                    subscription=subscription,
                    message=notification,
                    expires_at=message.closes_at,
                    topic=message.occurrence_id.replace("-", "")[:32],
                )
            except (TransientDeliveryError, PermanentDeliveryError) as failure:
                errors.append(failure)
            else:
                sent = sent or outcome == push.Sent.SENT
        if sent:
            return
        errors.sort(key=lambda failure: not isinstance(failure, TransientDeliveryError))
        if errors:
            raise errors[0]
        raise ChannelUnreachable("push_expired")


def _code(error: BaseException) -> str:
    return type(error).__name__.lower()[:32]
