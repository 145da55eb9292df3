"""The push subscriptions API: a patient registers, lists and removes their own devices;
another person's is a 404; only endpoints at a browser's push service are kept; and a
schedule can choose push only when the site has VAPID keys."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import LazySettings
from django.utils import timezone

from accounts.models import User
from symptoms.models import PushSubscription
from tests.symptoms.reminders.push_support import Browser, b64url
from tests.symptoms.reminders.support import schedule_make

pytestmark = pytest.mark.django_db
URL = "/api/v1/push-subscriptions/"


def body_of(subscription: PushSubscription) -> dict[str, Any]:
    return {
        "id": str(subscription.public_id),
        "endpoint": subscription.endpoint,
        "created_at": subscription.created_at.isoformat().replace("+00:00", "Z"),
        "last_success_at": None,
        "expired_at": None,
        "is_active": True,
    }


def test_it_registers_a_device_once(alice: User, api_as: Any, push_keys: str) -> None:
    api = api_as(alice)
    phone = Browser("phone")

    first = api.post(URL, phone.subscription(), format="json")
    again = api.post(URL, phone.subscription(), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    stored = PushSubscription.objects.get(patient=alice)
    assert first.json() == again.json() == body_of(stored)
    assert (stored.p256dh, stored.auth) == (b64url(phone.public), b64url(phone.auth))


def test_registering_again_renews_the_keys_and_revives_an_expired_device(
    alice: User, api_as: Any, push_keys: str
) -> None:
    api = api_as(alice)
    phone = Browser("phone")
    api.post(URL, phone.subscription(), format="json")
    PushSubscription.objects.update(expired_at=timezone.now())
    renewed = Browser("phone")  # the same endpoint with new keys

    response = api.post(URL, renewed.subscription(), format="json")

    assert response.status_code == 200
    assert response.json()["is_active"] is True
    stored = PushSubscription.objects.get()
    assert (stored.p256dh, stored.expired_at) == (b64url(renewed.public), None)


def test_a_device_registered_by_someone_else_moves_to_whoever_turns_it_on(
    alice: User, bob: User, api_as: Any, push_keys: str
) -> None:
    shared = Browser("shared-laptop")
    api_as(bob).post(URL, shared.subscription(), format="json")

    response = api_as(alice).post(URL, shared.subscription(), format="json")

    assert response.status_code == 201
    assert list(PushSubscription.objects.values_list("patient", flat=True)) == [alice.pk]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"endpoint": "https://attacker.example/collect"}, "endpoint", "not_a_push_service"),
        ({"endpoint": "http://169.254.169.254/latest/"}, "endpoint", "not_a_push_service"),
        ({"endpoint": "not a url"}, "endpoint", "not_a_push_service"),
        ({"keys": {"p256dh": "AAAA", "auth": b64url(b"x" * 16)}}, "keys.p256dh", "invalid_key"),
        ({"keys": {"p256dh": b64url(b"\x04" * 65), "auth": "short"}}, "keys.auth", "invalid_key"),
    ],
)
def test_it_refuses_what_is_not_a_browser_s_subscription(
    alice: User, api_as: Any, push_keys: str, change: dict[str, Any], field: str, code: str
) -> None:
    response = api_as(alice).post(URL, Browser("phone").subscription() | change, format="json")

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["attr"], error["code"]) == (field, code)
    assert not PushSubscription.objects.exists()


def test_without_vapid_keys_no_device_can_be_registered(alice: User, api_as: Any) -> None:
    response = api_as(alice).post(URL, Browser("phone").subscription(), format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "push_unavailable"


def test_it_lists_only_the_person_s_own_devices_in_two_queries(
    alice: User, bob: User, api_as: Any, push_keys: str, django_assert_num_queries: Any
) -> None:
    browsers = [Browser(f"alice-{n}") for n in range(3)]
    for browser in browsers:
        api_as(alice).post(URL, browser.subscription(), format="json")
    api_as(bob).post(URL, Browser("bob").subscription(), format="json")
    api = api_as(alice)

    with django_assert_num_queries(2):  # count and page
        listed = api.get(URL)
    filtered = api.get(URL, {"endpoint": browsers[1].endpoint})

    assert listed.status_code == 200
    assert listed.json()["results"] == [
        body_of(row) for row in PushSubscription.objects.filter(patient=alice)
    ]
    assert [row["endpoint"] for row in filtered.json()["results"]] == [browsers[1].endpoint]


def test_a_person_removes_a_device_and_another_s_is_a_404(
    alice: User, bob: User, api_as: Any, push_keys: str
) -> None:
    api_as(alice).post(URL, Browser("alice").subscription(), format="json")
    api_as(bob).post(URL, Browser("bob").subscription(), format="json")
    alices = PushSubscription.objects.get(patient=alice)
    bobs = PushSubscription.objects.get(patient=bob)
    api = api_as(alice)

    assert api.get(f"{URL}{bobs.public_id}/").status_code == 404
    assert api.delete(f"{URL}{bobs.public_id}/").status_code == 404
    assert api.get(f"{URL}{alices.public_id}/").json() == body_of(alices)
    assert api.delete(f"{URL}{alices.public_id}/").status_code == 204

    assert list(PushSubscription.objects.all()) == [bobs]


def test_only_patients_have_devices(charlie: User, api_as: Any, push_keys: str) -> None:
    response = api_as(charlie).post(URL, Browser("phone").subscription(), format="json")

    assert response.status_code == 403
    assert not PushSubscription.objects.exists()


def test_a_schedule_chooses_push_only_when_the_site_offers_it(
    alice: User, api_as: Any, settings: LazySettings
) -> None:
    schedule = schedule_make(alice)
    url = f"/api/v1/reminder-schedules/{schedule.public_id}/"
    api = api_as(alice)

    refused = api.patch(url, {"channel": "push"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "channel"
    assert refused.json()["errors"][0]["code"] == "push_unavailable"

    settings.WEBPUSH_VAPID_PUBLIC_KEY, settings.WEBPUSH_VAPID_PRIVATE_KEY = "public", "private"
    chosen = api.patch(url, {"channel": "push"}, format="json")
    assert (chosen.status_code, chosen.json()["channel"]) == (200, "push")

    # Keys gone later: the choice stays, other changes still work, and email sends meanwhile.
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    paused = api.patch(url, {"paused_until": "2030-01-01", "channel": "push"}, format="json")
    assert (paused.status_code, paused.json()["channel"]) == (200, "push")
