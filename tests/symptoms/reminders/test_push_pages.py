"""Push on the reminder pages: the "turn on notifications on this device" button (a real,
keyboard-usable button, wired by a static script under the strict CSP), the per-schedule
choice of channel, and push outcomes in the log in words. Without VAPID keys, none of it
shows."""

from __future__ import annotations

import html as html_lib
import re
from datetime import time

import pytest
from django.conf import LazySettings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from symptoms.models import PushSubscription, ReminderSchedule
from symptoms.reminders.views import delivery_words
from tests.accounts.test_pages import assert_accessible_page
from tests.symptoms.factories import ReminderDeliveryFactory, ReminderOccurrenceFactory
from tests.symptoms.reminders.support import schedule_make

pytestmark = pytest.mark.django_db
URL = "/reminders/"
EDIT = {
    "frequency": "daily",
    "local_time": "19:00",
    "weekday": "",
    "every_n_weeks": "",
    "day_of_month": "",
    "quiet_start": "",
    "quiet_end": "",
    "paused_until": "",
    "is_active": "on",
}


@pytest.fixture
def alice_client(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client


def push_section(page: str) -> str:
    match = re.search(r'<section[^>]*id="push-devices".*?</section>', page, re.DOTALL)
    assert match, "no push section"
    return match.group(0)


def test_the_page_offers_a_keyboard_button_to_turn_on_push(
    alice_client: Client, alice: User, push_keys: str
) -> None:
    schedule_make(alice, channel="push")
    PushSubscription.objects.create(
        patient=alice, endpoint="https://fcm.googleapis.com/fcm/send/a", p256dh="k", auth="a"
    )

    page = alice_client.get(URL).content.decode()

    assert_accessible_page(page, "Reminders")  # no inline script: the button works under CSP
    section = push_section(page)
    (button,) = re.findall(r"<button[^>]*data-push-on[^>]*>(.*?)</button>", section)
    tag = re.search(r"<button[^>]*data-push-on[^>]*>", section)
    assert tag
    # A native button: focusable, activated by Enter and Space, named by its text.
    assert 'type="button"' in tag.group(0)
    for blocking in ("hidden", "disabled", "tabindex", "aria-hidden"):
        assert blocking not in tag.group(0)
    assert button == "Turn on notifications on this device"
    assert 'role="status"' in section  # what happened is announced to screen readers
    assert f'data-vapid-key="{push_keys}"' in section
    assert f'data-api-url="{reverse("api-push-subscriptions")}"' in section
    assert 'name="csrfmiddlewaretoken"' in section
    assert re.search(r'<script src="[^"]*symptoms/push\.js" defer></script>', page)
    assert "Notifications are on for 1 device." in section
    # The schedules' table says how each reminder comes.
    assert re.search(r"<td>Notification</td>", page)


def test_without_vapid_keys_push_is_not_offered(alice_client: Client, alice: User) -> None:
    schedule = schedule_make(alice)

    page = alice_client.get(URL).content.decode()
    form = alice_client.get(reverse("symptoms:reminder_edit", args=[schedule.public_id]))

    assert 'id="push-devices"' not in page
    assert "push.js" not in page
    assert 'name="channel"' not in form.content.decode()


def test_a_schedule_is_switched_to_push_on_its_form(
    alice_client: Client, alice: User, push_keys: str
) -> None:
    schedule = schedule_make(alice, local_time=time(19, 0))
    url = reverse("symptoms:reminder_edit", args=[schedule.public_id])

    form = alice_client.get(url).content.decode()
    response = alice_client.post(url, EDIT | {"channel": "push"})

    assert re.findall(r'name="channel" value="([a-z]+)"', form) == ["email", "push"]
    assert response.status_code == 302
    assert ReminderSchedule.objects.get(pk=schedule.pk).channel == "push"


def test_the_form_leaves_the_choice_alone_when_push_is_not_offered(
    alice_client: Client, alice: User, settings: LazySettings
) -> None:
    schedule = schedule_make(alice, channel="push")  # chosen while the site had keys

    response = alice_client.post(
        reverse("symptoms:reminder_edit", args=[schedule.public_id]), EDIT | {"is_active": "off"}
    )

    assert response.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.channel, schedule.is_active) == ("push", False)


def test_the_log_says_a_reminder_came_as_a_notification_or_fell_back_to_email(
    alice_client: Client, alice: User, push_keys: str
) -> None:
    occurrence = ReminderOccurrenceFactory(schedule=schedule_make(alice))
    ReminderDeliveryFactory(occurrence=occurrence, event="sent", channel="push")

    page = html_lib.unescape(alice_client.get(URL).content.decode())

    assert "Sent as a notification" in page
    assert delivery_words("failed", "push_expired") == (
        "Not sent",
        "your devices no longer take notifications; sent by email",
    )
