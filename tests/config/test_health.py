from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_reports_database_and_broker(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_it_answers_503_when_the_database_is_down(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_cursor(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr("config.health.connection.cursor", broken_cursor)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "broker": "ok"}


def test_it_reports_a_broker_it_cannot_reach_as_degraded(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.celery import app

    for key in ("broker_url", "broker_write_url"):
        monkeypatch.setattr(app.conf, key, "redis://127.0.0.1:1/0")  # nothing listens on port 1

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "error"}
