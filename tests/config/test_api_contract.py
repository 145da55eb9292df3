"""Every API response, for generated valid and invalid requests, matches the OpenAPI schema.

Schemathesis generates requests from the schema and checks status codes, content types,
headers and bodies against it, and that nothing answers with a 5xx. Two checks are left out on
purpose: ``positive_data_acceptance`` (a schema-valid string is not always a real time zone or a
live share code) and ``negative_data_rejection`` (unknown query parameters are ignored, as DRF
does everywhere).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis import checks

from accounts.models import User

ROOT = Path(__file__).resolve().parents[2]
EXCLUDED = [checks.positive_data_acceptance, checks.negative_data_rejection]


# The committed reference, which test_api_schema.py keeps identical to what the code serves;
# requests go to the app in this process.
schema = schemathesis.openapi.from_path(ROOT / "docs" / "openapi.yaml").exclude(
    path="/api/v1/auth/token/"  # exchanging passwords is covered in test_api.py
)
schema.app = get_wsgi_application()


# A dozen examples per operation and role in CI (3 locally) keeps the suite quick; the personas
# are function fixtures shared by the examples of one test, which is fine for these read-mostly
# calls.
CONTRACT = settings(
    max_examples=max(3, settings.default.max_examples // 5),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    # Django's test client does this too: the WSGI handler would otherwise close the
    # connection that holds the test's transaction at the end of every request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def call(case: Any, user: User) -> None:
    _, token = AuthToken.objects.create(user=user)
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, excluded_checks=EXCLUDED)


@pytest.mark.django_db
@schema.parametrize()
@CONTRACT
def test_it_answers_a_patient_as_documented(case: Any, alice: User) -> None:
    call(case, alice)


@pytest.mark.django_db
@schema.parametrize()
@CONTRACT
def test_it_answers_a_clinician_as_documented(
    case: Any, charlie: User, alice_shares_with_charlie: Any
) -> None:
    call(case, charlie)
