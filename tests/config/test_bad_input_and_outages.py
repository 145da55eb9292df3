"""Bad input and a lost database get clear answers, never a 500 with a traceback: bodies over
API_MAX_BODY_BYTES get 413, JSON nested deeper than API_MAX_JSON_DEPTH gets 400, and while the
database is unreachable the API answers 503 with Retry-After and pages show a page that needs no
database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import LazySettings
from django.contrib.sessions.backends.db import SessionStore
from django.db import IntegrityError, OperationalError
from django.test import Client
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from accounts.models import User
from config.parsers import json_depth_exceeds

REPORTS = "/api/v1/reports/"


def post_raw(api: APIClient, body: bytes) -> Any:
    return api.post(REPORTS, data=body, content_type="application/json")


def test_a_body_over_the_limit_gets_413_in_the_standard_shape(
    api_as: Any, alice: User, settings: LazySettings
) -> None:
    settings.API_MAX_BODY_BYTES = 10_000
    body = json.dumps({"note": "x" * 20_000}).encode()

    response = post_raw(api_as(alice), body)

    assert response.status_code == 413
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {"code": "request_too_large", "detail": "The request is too large.", "attr": None}
        ],
    }


def test_a_body_just_under_the_limit_is_read(
    api_as: Any, alice: User, settings: LazySettings
) -> None:
    settings.API_MAX_BODY_BYTES = 10_000
    response = post_raw(api_as(alice), json.dumps({"note": "x" * 9_000}).encode())
    assert response.status_code == 400  # read, then refused as a report (no instrument)
    assert response.json()["type"] == "validation_error"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # the 100,000-deep array
        b'{"a":' * 5_000 + b"1" + b"}" * 5_000,  # and its 5,000-deep object
        b"[" * 33 + b"]" * 33,  # one level over the limit
    ],
    ids=["array-100000", "object-5000", "array-33"],
)
def test_json_nested_too_deep_gets_400(api_as: Any, alice: User, body: bytes) -> None:
    response = post_raw(api_as(alice), body)

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "too_deeply_nested"
    assert "32 levels" in error["detail"]


def test_it_measures_depth_without_recursion() -> None:
    deep: Any = 1
    for _ in range(50_000):
        deep = [deep]
    assert json_depth_exceeds(deep, 32)
    assert not json_depth_exceeds({"answers": {"fatigue": 3}, "tags": ["sleep"]}, 32)
    assert not json_depth_exceeds([[[]]], 3)
    assert json_depth_exceeds([[[[]]]], 3)


# --- The database is unreachable -----------------------------------------------------------------


class LosesTheDatabase(APIView):
    permission_classes = ()

    def get(self, request: Request) -> Response:
        raise OperationalError("connection to server at 127.0.0.1 failed")


class BreaksAConstraint(APIView):
    permission_classes = ()

    def get(self, request: Request) -> Response:
        raise IntegrityError("duplicate key")


@pytest.mark.django_db
def test_the_api_answers_503_with_retry_after_while_the_database_is_unreachable() -> None:
    response = LosesTheDatabase.as_view()(APIRequestFactory().get("/"))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.data["errors"][0]["code"] == "service_unavailable"


@pytest.mark.django_db
def test_a_query_error_stays_a_server_error() -> None:
    response = BreaksAConstraint.as_view()(APIRequestFactory().get("/"))
    assert response.status_code == 500


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every session read fails as it does when PostgreSQL is stopped: the first query a
    signed-in request makes."""

    def refuse(self: SessionStore) -> dict[str, Any]:
        raise OperationalError("connection refused")

    monkeypatch.setattr(SessionStore, "load", refuse)


def test_a_page_shows_a_503_page_that_needs_no_database(
    alice: User, settings: LazySettings, database_down: None
) -> None:
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session"

    response = client.get("/profile/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "<h1>Back in a moment</h1>" in html
    assert "try again in 30 seconds" in html


def test_an_api_path_outside_drf_answers_503_in_the_api_shape(
    alice: User, settings: LazySettings, database_down: None
) -> None:
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session"

    response = client.get("/api/v1/me/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["errors"][0]["code"] == "service_unavailable"
