from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_the_schema_is_served(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/me/consents/research/",
        "/api/v1/sharing/codes/",
        "/api/v1/sharing/redeem/",
        "/api/v1/sharing/links/",
        "/api/v1/sharing/links/{public_id}/",
    ):
        assert path in paths


def test_the_docs_page_works_under_the_content_security_policy(client: Client) -> None:
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    # Every script is a file of this site: an inline one would be blocked by the policy.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode()) == []


def test_the_committed_reference_matches_the_code(tmp_path: Path) -> None:
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")

    committed = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
    assert yaml.safe_load(generated.read_text()) == committed, "run `make schema` and commit"


# --- The schema says what the server does (the four mismatches an outside fuzzer found) --------


def committed_schema() -> dict[str, Any]:
    path = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_a_report_s_supersedes_and_superseded_by_may_be_null() -> None:
    report = committed_schema()["components"]["schemas"]["ReportOut"]["properties"]
    assert report["supersedes"]["nullable"] is True
    assert report["superseded_by"]["nullable"] is True


def test_instrument_codes_and_local_times_are_as_narrow_as_the_server() -> None:
    schemas = committed_schema()["components"]["schemas"]
    codes = schemas["InstrumentEnum"]["enum"]
    assert "daily" in codes
    assert "mfis" in codes
    enum_ref = {"$ref": "#/components/schemas/InstrumentEnum"}
    schedule = schemas["ScheduleInRequest"]["properties"]
    assert schedule["instrument"]["allOf"] == [enum_ref]
    assert schedule["local_time"]["pattern"] == "^([01][0-9]|2[0-3]):[0-5][0-9]$"
    assert (
        schemas["ScheduleOut"]["properties"]["local_time"]["pattern"]
        == schedule["local_time"]["pattern"]
    )


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/reports/?until=",
        "/api/v1/reports/?instrument=",
        "/api/v1/reminder-deliveries/?instrument=",
    ],
)
def test_an_empty_filter_is_refused_not_ignored(api_as: Any, alice: Any, url: str) -> None:
    response = api_as(alice).get(url)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "blank"
    assert error["attr"] == url.rsplit("?", 1)[1].rstrip("=")
