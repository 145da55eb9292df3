"""Fixtures for the web push tests: the site's VAPID keys and a fake push service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import LazySettings

from symptoms.reminders.push import vapid_keys_generate
from tests.symptoms.reminders.push_support import ORIGIN, PushService, push_service_start


@pytest.fixture
def push_keys(settings: LazySettings) -> str:
    """Push is configured, with endpoints allowed at the fake service; returns the public key."""
    public, private = vapid_keys_generate()
    settings.WEBPUSH_VAPID_PUBLIC_KEY = public
    settings.WEBPUSH_VAPID_PRIVATE_KEY = private
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:operators@example.net"
    settings.WEBPUSH_ENDPOINT_ORIGINS = [ORIGIN]
    return public


@pytest.fixture(scope="session")
def _push_server() -> Iterator[PushService]:
    service, server = push_service_start()
    yield service
    server.shutdown()
    server.server_close()


@pytest.fixture
def push_service(_push_server: PushService, push_keys: str) -> PushService:
    _push_server.requests.clear()
    _push_server.statuses.clear()
    return _push_server
