"""Personas and clients shared by every test.

Three people recur, as in healthchecks' tests: ``alice`` (a patient), ``bob`` (another patient,
who should never see Alice's data) and ``charlie`` (a clinician Alice shares with). ``dana`` is a
clinician she does not share with. ``rita`` is a researcher waiting for approval, ``ruth`` an
approved one, and ``sam`` is staff.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.cache import cache
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from accounts.models import User
from tests.accounts.factories import (
    ClinicianFactory,
    PatientFactory,
    ResearcherFactory,
    SharingLinkFactory,
    StaffFactory,
)

# Property tests run at full strength in CI and with fewer examples on a laptop, so `make test`
# stays quick there. HYPOTHESIS_PROFILE=ci runs the CI strength locally. Tests that need a share
# of it (a slow attacker's check, many API operations) divide ``settings.default.max_examples``.
for _name, _examples in (("ci", 60), ("local", 10)):
    hypothesis_settings.register_profile(
        _name,
        max_examples=_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "local")
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: LazySettings) -> None:
    # Argon2 with production costs is slow by design; tests that check hashing set it back.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache(settings: LazySettings) -> Iterator[None]:
    # Throttle and lockout counters live in the cache; each test starts with none. Without
    # Redis, tests use a memory cache instead of the embedded default's database table.
    if not settings.REDIS_URL:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _source_language_between_tests() -> Iterator[None]:
    # A page request leaves its language active in the thread (LocaleMiddleware and the
    # profile's language activate it); the next test starts in English again.
    yield
    translation.deactivate()


@pytest.fixture
def alice(db: Any) -> User:
    return PatientFactory(email="alice@example.org", full_name="Alice Patient")


@pytest.fixture
def bob(db: Any) -> User:
    return PatientFactory(email="bob@example.org", full_name="Bob Patient")


@pytest.fixture
def charlie(db: Any) -> User:
    return ClinicianFactory(email="charlie@example.org", full_name="Dr Charlie Clinician")


@pytest.fixture
def dana(db: Any) -> User:
    return ClinicianFactory(email="dana@example.org", full_name="Dr Dana Clinician")


@pytest.fixture
def rita(db: Any) -> User:
    """A researcher whose sign-up staff have not approved yet."""
    return ResearcherFactory(email="rita@example.org", full_name="Rita Researcher")


@pytest.fixture
def ruth(sam: User) -> User:
    """A researcher staff have approved."""
    from accounts import services as account_services

    researcher = ResearcherFactory(email="ruth@example.org", full_name="Ruth Researcher")
    account_services.researcher_decide(researcher=researcher, staff=sam, approve=True)
    return User.objects.get(pk=researcher.pk)


@pytest.fixture
def sam(db: Any) -> User:
    return StaffFactory(email="sam@example.org", full_name="Sam Staff")


@pytest.fixture
def alice_shares_with_charlie(alice: User, charlie: User) -> Any:
    return SharingLinkFactory(patient=alice, clinician=charlie)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as(api: APIClient) -> Any:
    """``api_as(user)`` makes the API client act as that person. Authentication itself (tokens,
    sessions, lockout) has its own tests; this keeps frozen-clock tests free of session expiry."""

    def login(user: User) -> APIClient:
        api.force_authenticate(user=user)
        return api

    return login


@pytest.fixture
def live_services() -> None:
    """Real PostgreSQL and Redis, or skip; with REQUIRE_SERVICES=1 (CI) their absence fails."""
    import os

    import redis
    from django.conf import settings
    from django.db import connection

    problems = []
    if connection.vendor != "postgresql":
        problems.append("DATABASE_URL does not point at PostgreSQL")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set")
    else:
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis at REDIS_URL does not answer ({exc.__class__.__name__})")
    if problems:
        message = "live test: " + "; ".join(problems)
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
