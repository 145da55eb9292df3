"""With Redis down, throttled requests go through with a warning instead of failing (issue 14,
point 1, for the throttles): the API and the pages keep answering, and reports are stored."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import LazySettings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from symptoms.models import Report
from tests.symptoms.factories import DAILY

# Nothing listens on port 1: every cache call fails at once, as during an outage.
DEAD_REDIS = {
    "default": {
        "BACKEND": "config.cache.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


@pytest.fixture
def redis_down(settings: LazySettings) -> Iterator[None]:
    working = settings.CACHES
    settings.CACHES = DEAD_REDIS
    yield
    settings.CACHES = working  # before the shared fixture clears the cache


def cache_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "config.cache"]


def throttle_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "config.throttling"]


@pytest.mark.usefixtures("redis_down")
def test_the_api_answers_reads_while_redis_is_down(
    api_as: Any, alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        response = api_as(alice).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.org"
    # The cache answers as a miss (config/cache.py), so the throttle's own guard is not reached.
    assert cache_warnings(caplog)
    assert all("ConnectionError" in message for message in cache_warnings(caplog))
    assert not throttle_warnings(caplog)


@pytest.mark.usefixtures("redis_down")
def test_a_check_in_is_stored_while_redis_is_down(api_as: Any, alice: User) -> None:
    body = {"instrument": "daily", "answers": DAILY, "client_id": str(uuid.uuid4())}
    response = api_as(alice).post("/api/v1/reports/", body, format="json")

    assert response.status_code == 201
    assert Report.objects.filter(patient=alice).count() == 1


@pytest.mark.usefixtures("redis_down")
def test_a_throttled_web_form_answers_while_redis_is_down(client: Client, charlie: User) -> None:
    client.force_login(charlie)
    response = client.post(reverse("accounts:share_code_redeem"), {"code": "ABCD-EFGH"})

    assert response.status_code == 200
    assert "This code is not valid." in response.content.decode()


@pytest.mark.usefixtures("redis_down")
def test_signing_in_works_while_redis_is_down(
    client: Client, alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    """allauth's rate limits live in the cache: with Redis down they answer as a miss."""
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        wrong = client.post(reverse("account_login"), {"login": alice.email, "password": "no"})
        right = client.post(
            reverse("account_login"), {"login": alice.email, "password": "correct horse battery"}
        )

    assert wrong.status_code == 200  # the form again, with its error
    assert right.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert cache_warnings(caplog)
    assert all("ConnectionError" in message for message in cache_warnings(caplog))


@pytest.mark.usefixtures("redis_down")
def test_a_password_reset_is_asked_for_while_redis_is_down(client: Client, alice: User) -> None:
    response = client.post(reverse("account_reset_password"), {"email": alice.email})

    assert response.status_code == 302
