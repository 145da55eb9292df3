"""Web push as a reminder channel, against a fake push service over real HTTP.

Each reminder is sent once per device as an encrypted, VAPID-signed request that the fake
browser decrypts; a subscription the push service calls gone (404, 410) is marked expired and
the reminder goes by email in the same attempt; other failures are retried or recorded like
email's; every outcome is in the delivery log with its channel.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import LazySettings
from django.core import mail
from django.core.management import call_command

from accounts.models import User
from symptoms.models import OccurrenceStatus, PushSubscription, ReminderOccurrence, ReminderOneTap
from symptoms.reminders import occurrences, one_tap, push, sending
from symptoms.reminders.sending import Outcome
from tests.symptoms.reminders.push_support import (
    ORIGIN,
    PORT,
    Browser,
    PushService,
    vapid_claims,
)
from tests.symptoms.reminders.support import schedule_make

pytestmark = pytest.mark.django_db
Status = OccurrenceStatus

# 19:00 in Rome (CEST) on a Wednesday; the daily window closes at local midnight, 22:00 UTC.
NOW = datetime(2026, 6, 3, 17, 0, tzinfo=UTC)
CLOSES_AT = datetime(2026, 6, 3, 22, 0, tzinfo=UTC)


def in_rome(patient: User) -> User:
    patient.patient_profile.time_zone = "Europe/Rome"
    patient.patient_profile.save()
    return patient


def subscribe(patient: User, browser: Browser) -> PushSubscription:
    keys = browser.subscription()["keys"]
    subscription, _is_new = push.push_subscription_save(
        patient=patient, endpoint=browser.endpoint, p256dh=keys["p256dh"], auth=keys["auth"]
    )
    return subscription


def due_row(now: datetime = NOW) -> int:
    queued: list[int] = []
    with time_machine.travel(now, tick=False):
        occurrences.reminders_plan(now=now - timedelta(hours=1))
        occurrences.reminders_dispatch_due(enqueue=queued.append, now=now)
    (pk,) = queued
    return pk


def send(pk: int, now: datetime = NOW) -> Outcome:
    with time_machine.travel(now, tick=False):
        return sending.reminder_send(occurrence_id=pk, now=now).outcome


def log(pk: int) -> list[tuple[str, str, str, int]]:
    row = ReminderOccurrence.objects.get(pk=pk)
    return list(
        row.deliveries.order_by("created_at", "id").values_list(
            "event", "reason", "channel", "attempt"
        )
    )


def one_tap_row(url: str, settings: LazySettings) -> ReminderOneTap:
    """The one-tap link a notification carries: still unused and valid, for this reminder."""
    prefix = settings.SITE_URL + "/one-tap/"
    assert url.startswith(prefix)
    row = one_tap.one_tap_check(url.removeprefix(prefix).rstrip("/"), now=NOW)
    assert row is not None
    return row


def test_it_sends_one_encrypted_signed_notification(
    alice: User, push_service: PushService, push_keys: str, settings: LazySettings
) -> None:
    schedule_make(in_rome(alice), channel="push", local_time=time(19, 0))
    phone = Browser("phone")
    subscription = subscribe(alice, phone)
    pk = due_row()

    assert send(pk) is Outcome.SENT

    (request,) = push_service.requests
    occurrence = ReminderOccurrence.objects.get(pk=pk)
    assert request.path == phone.path
    assert request.headers["content-encoding"] == "aes128gcm"
    # Kept by the push service while the reminder is worth having, not after its window.
    assert request.headers["ttl"] == str(int((CLOSES_AT - NOW).total_seconds()))
    assert request.headers["topic"] == occurrence.public_id.hex
    assert request.headers["urgency"] == "normal"
    claims = vapid_claims(request.headers["authorization"], push_keys)
    assert claims["aud"] == ORIGIN
    assert claims["sub"] == "mailto:operators@example.net"
    assert 0 < claims["exp"] - NOW.timestamp() <= 24 * 3600  # RFC 8292: at most a day ahead
    payload = json.loads(phone.decrypt(request.body))
    # The link is the email's "answer now" link: this reminder's one-tap link, to the check-in.
    assert one_tap_row(payload["url"], settings).instrument == "daily"
    assert payload == {
        "title": "Time for your daily check-in",
        "body": "Open it to answer.",
        "url": payload["url"],
        "tag": f"reminder-{occurrence.public_id}",
    }
    # Nothing about the person travels, even encrypted: no name, address or answers.
    for private in (alice.email, alice.full_name, "fatigue", "score"):
        assert private not in json.dumps(payload)
    assert mail.outbox == []
    assert occurrence.status == Status.SENT
    assert log(pk) == [("planned", "", "", 0), ("sent", "", "push", 1)]
    subscription.refresh_from_db()
    assert subscription.last_success_at == NOW
    assert subscription.expired_at is None


def test_a_questionnaire_notification_links_to_it_in_the_person_s_language(
    alice: User, push_service: PushService, settings: LazySettings
) -> None:
    alice.patient_profile.language = "it"
    schedule_make(
        in_rome(alice), instrument="mfis", frequency="monthly", day_of_month=3, channel="push"
    )
    phone = Browser("phone-it")
    subscribe(alice, phone)
    pk = due_row()

    assert send(pk) is Outcome.SENT

    payload = json.loads(phone.decrypt(push_service.requests[0].body))
    assert one_tap_row(payload["url"], settings).instrument == "mfis"
    assert payload["title"] == "C'è un questionario pronto per te"


def test_each_device_gets_it_once(alice: User, push_service: PushService) -> None:
    schedule_make(in_rome(alice), channel="push")
    phone, laptop = Browser("phone"), Browser("laptop")
    subscribe(alice, phone)
    subscribe(alice, laptop)
    pk = due_row()

    assert send(pk) is Outcome.SENT
    assert send(pk) is Outcome.NOT_CLAIMED  # a second copy of the task

    assert sorted(request.path for request in push_service.requests) == sorted(
        [phone.path, laptop.path]
    )
    assert log(pk)[-1] == ("sent", "", "push", 1)


@pytest.mark.parametrize("gone", [404, 410])
def test_an_expired_subscription_falls_back_to_email_and_is_marked_expired(
    alice: User, push_service: PushService, gone: int
) -> None:
    schedule_make(in_rome(alice), channel="push")
    phone = Browser("phone")
    subscription = subscribe(alice, phone)
    push_service.statuses[phone.path] = [gone]
    pk = due_row()

    assert send(pk) is Outcome.SENT

    assert len(push_service.requests) == 1
    assert [message.to for message in mail.outbox] == [[alice.email]]
    subscription.refresh_from_db()
    assert subscription.expired_at == NOW
    assert log(pk) == [
        ("planned", "", "", 0),
        ("failed", "push_expired", "push", 1),
        ("sent", "", "email", 1),
    ]
    # The next reminder goes straight to email: the expired device is not tried again.
    tomorrow = NOW + timedelta(days=1)
    next_pk = due_row(tomorrow)
    assert send(next_pk, tomorrow) is Outcome.SENT
    assert len(push_service.requests) == 1
    assert log(next_pk) == [("planned", "", "", 0), ("sent", "", "email", 1)]


def test_one_live_device_is_enough(alice: User, push_service: PushService) -> None:
    schedule_make(in_rome(alice), channel="push")
    old, new = Browser("old"), Browser("new")
    old_subscription = subscribe(alice, old)
    subscribe(alice, new)
    push_service.statuses[old.path] = [410]
    pk = due_row()

    assert send(pk) is Outcome.SENT

    assert mail.outbox == []
    assert PushSubscription.objects.get(pk=old_subscription.pk).expired_at == NOW
    assert log(pk)[-1] == ("sent", "", "push", 1)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_push_service_that_is_busy_is_retried_like_email(
    alice: User, push_service: PushService, status: int
) -> None:
    schedule_make(in_rome(alice), channel="push")
    phone = Browser("phone")
    subscribe(alice, phone)
    push_service.statuses[phone.path] = [status]
    pk = due_row()

    with time_machine.travel(NOW, tick=False):
        first = sending.reminder_send(occurrence_id=pk, now=NOW)
    second = send(pk, NOW + timedelta(seconds=30))

    assert (first.outcome, first.retry_in, second) == (Outcome.RETRY, 30, Outcome.SENT)
    assert len(push_service.requests) == 2
    assert mail.outbox == []
    assert log(pk) == [
        ("planned", "", "", 0),
        ("failed", f"push_{status}", "push", 1),
        ("sent", "", "push", 2),
    ]


def test_a_push_service_that_cannot_be_reached_is_retried(
    alice: User, push_service: PushService, settings: LazySettings
) -> None:
    settings.WEBPUSH_ENDPOINT_ORIGINS = [f"http://127.0.0.1:{PORT + 1}"]  # nobody listens
    schedule_make(in_rome(alice), channel="push")
    phone = Browser("phone")
    keys = phone.subscription()["keys"]
    push.push_subscription_save(
        patient=alice,
        endpoint=f"http://127.0.0.1:{PORT + 1}{phone.path}",
        p256dh=keys["p256dh"],
        auth=keys["auth"],
    )
    pk = due_row()

    assert send(pk) is Outcome.RETRY

    assert log(pk)[-1] == ("failed", "push_connection", "push", 1)
    assert ReminderOccurrence.objects.get(pk=pk).status == Status.QUEUED


def test_a_refusal_is_recorded_and_not_retried(alice: User, push_service: PushService) -> None:
    schedule_make(in_rome(alice), channel="push")
    phone = Browser("phone")
    subscription = subscribe(alice, phone)
    push_service.statuses[phone.path] = [403]  # e.g. the site's VAPID key was changed
    pk = due_row()

    assert send(pk) is Outcome.FAILED

    row = ReminderOccurrence.objects.get(pk=pk)
    assert (row.status, row.reason) == (Status.FAILED, "push_403")
    assert log(pk)[-1] == ("failed", "push_403", "push", 1)
    assert mail.outbox == []
    subscription.refresh_from_db()
    assert subscription.expired_at is None


def test_a_schedule_that_chose_email_gets_email(alice: User, push_service: PushService) -> None:
    schedule_make(in_rome(alice))  # channel: email, the default
    subscribe(alice, Browser("phone"))
    pk = due_row()

    assert send(pk) is Outcome.SENT

    assert push_service.requests == []
    assert len(mail.outbox) == 1
    assert log(pk)[-1] == ("sent", "", "email", 1)


def test_push_without_a_device_goes_by_email(alice: User, push_service: PushService) -> None:
    schedule_make(in_rome(alice), channel="push")
    pk = due_row()

    assert send(pk) is Outcome.SENT

    assert push_service.requests == []
    assert log(pk)[-1] == ("sent", "", "email", 1)


def test_without_vapid_keys_push_is_not_offered_and_email_sends(
    alice: User, push_service: PushService, settings: LazySettings
) -> None:
    schedule_make(in_rome(alice), channel="push")
    subscribe(alice, Browser("phone"))
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    pk = due_row()

    assert send(pk) is Outcome.SENT

    assert push_service.requests == []
    assert log(pk)[-1] == ("sent", "", "email", 1)


def test_the_key_command_prints_a_working_pair() -> None:
    out = StringIO()
    call_command("push_vapid_keys", stdout=out)

    lines = dict(line.split("=", 1) for line in out.getvalue().split())
    assert set(lines) == {"WEBPUSH_VAPID_PUBLIC_KEY", "WEBPUSH_VAPID_PRIVATE_KEY"}
    assert (
        push.vapid_keys_problem(
            lines["WEBPUSH_VAPID_PUBLIC_KEY"], lines["WEBPUSH_VAPID_PRIVATE_KEY"]
        )
        is None
    )


def test_the_system_check_refuses_keys_that_do_not_belong_together(
    settings: LazySettings,
) -> None:
    settings.WEBPUSH_VAPID_PUBLIC_KEY = push.vapid_keys_generate()[0]
    settings.WEBPUSH_VAPID_PRIVATE_KEY = push.vapid_keys_generate()[1]

    (error,) = push.vapid_keys_check()
    assert error.id == "symptoms.E010"
    settings.WEBPUSH_VAPID_PRIVATE_KEY = "not a key"
    assert "private key" in push.vapid_keys_check()[0].msg
