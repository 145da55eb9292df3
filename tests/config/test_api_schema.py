from __future__ import annotations

import re
from pathlib import Path

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
