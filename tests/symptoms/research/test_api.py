"""The researcher's API: approved researchers only, published releases only, audited."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditAction, AuditEvent, User
from symptoms.models import Release
from symptoms.research import services
from symptoms.research.downloads import columns
from symptoms.research.specs import spec_get
from tests.symptoms.factories import published_release

pytestmark = pytest.mark.django_db


@pytest.fixture
def release() -> Release:
    built = published_release()
    assert built is not None
    return built


@pytest.fixture
def queued() -> Release:
    """Enough for the permission tests, which are refused before any release is read."""
    return services.release_request(requested_by=None, first_quarter="2026-Q1", queue=False)


def _summary(release: Release) -> dict[str, Any]:
    assert release.built_at is not None
    return {
        "id": str(release.public_id),
        "number": 1,
        "spec_version": "1",
        "periods": ["2026-Q1"],
        "built_at": release.built_at.isoformat().replace("+00:00", "Z"),
        "build_seconds": release.build_seconds,
        "cell_count": release.cell_count,
        "suppressed_count": release.suppressed_count,
    }


def test_it_lists_published_releases_to_an_approved_researcher(
    api_as: Any, ruth: User, release: Release, django_assert_max_num_queries: Any
) -> None:
    services.release_request(requested_by=None, first_quarter="2026-Q2", queue=False)  # queued

    with django_assert_max_num_queries(4):
        response = api_as(ruth).get("/api/v1/research/releases/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [_summary(release)],
    }


def test_it_gives_a_release_with_its_codebook(api_as: Any, ruth: User, release: Release) -> None:
    response = api_as(ruth).get(f"/api/v1/research/releases/{release.public_id}/")

    assert response.status_code == 200
    body = response.json()
    codebook = body.pop("codebook")
    assert body == _summary(release)
    assert [c["name"] for c in codebook["columns"]] == columns(spec_get("1"))
    assert all(c["meaning"] for c in codebook["columns"])
    assert codebook["suppression"]["min_cell_size"] == 11
    fatigue = next(s for s in codebook["scales"] if s["key"] == "daily.fatigue")
    assert fatigue["threshold"]["value"] == 5
    assert fatigue["range"] == [0.0, 10.0]


def test_it_downloads_tidy_json_rows_and_audits_it(
    api_as: Any, ruth: User, release: Release
) -> None:
    response = api_as(ruth).get(f"/api/v1/research/releases/{release.public_id}/download/")

    assert response.status_code == 200
    body = response.json()
    assert body["release"]["number"] == 1
    assert len(body["rows"]) == release.cell_count
    assert all(list(row) == columns(spec_get("1")) for row in body["rows"])
    total = next(
        r for r in body["rows"] if r["table"] == "overall" and r["scale"] == "daily.fatigue"
    )
    assert (total["n"], total["suppressed"], total["ms_type"]) == (11, False, None)
    hidden = [r for r in body["rows"] if r["suppressed"]]
    assert all(r["n"] is None and r["mean"] is None for r in hidden)
    event = AuditEvent.objects.get(action=AuditAction.RELEASE_DOWNLOADED)
    assert (event.actor, event.detail) == (
        ruth,
        {"release": str(release.public_id), "format": "json"},
    )


def test_it_downloads_a_csv_with_one_row_per_cell(
    api_as: Any, ruth: User, release: Release
) -> None:
    response = api_as(ruth).get(
        f"/api/v1/research/releases/{release.public_id}/download/?format=csv"
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="ms-symptom-tracker-release-1-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == columns(spec_get("1"))
    assert len(rows) == release.cell_count + 1
    assert {row[-1] for row in rows[1:]} <= {"true", "false"}
    assert AuditEvent.objects.get(action=AuditAction.RELEASE_DOWNLOADED).detail["format"] == "csv"


def test_it_answers_a_bad_format_with_a_400_about_it(
    api_as: Any, ruth: User, release: Release
) -> None:
    response = api_as(ruth).get(
        f"/api/v1/research/releases/{release.public_id}/download/?format=xlsx"
    )

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [{"code": "invalid_choice", "detail": "Use json or csv.", "attr": "format"}],
    }
    assert not AuditEvent.objects.filter(action=AuditAction.RELEASE_DOWNLOADED).exists()


def test_it_does_not_find_a_release_that_is_not_published(
    api_as: Any, ruth: User, queued: Release
) -> None:
    for suffix in ("", "download/"):
        response = api_as(ruth).get(f"/api/v1/research/releases/{queued.public_id}/{suffix}")
        assert response.status_code == 404


@pytest.mark.parametrize("persona", ["alice", "charlie", "rita", "sam"])
@pytest.mark.parametrize("suffix", ["", "{id}/", "{id}/download/", "{id}/download/?format=csv"])
def test_it_refuses_everyone_but_approved_researchers(
    api_as: Any, request: pytest.FixtureRequest, queued: Release, persona: str, suffix: str
) -> None:
    user = request.getfixturevalue(persona)
    path = "/api/v1/research/releases/" + suffix.format(id=queued.public_id)

    response = api_as(user).get(path)

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"
    assert not AuditEvent.objects.filter(action=AuditAction.RELEASE_DOWNLOADED).exists()


def test_it_asks_anonymous_callers_to_log_in(api: APIClient, queued: Release) -> None:
    for suffix in ("", f"{queued.public_id}/", f"{queued.public_id}/download/"):
        response = api.get(f"/api/v1/research/releases/{suffix}")
        assert response.status_code == 401
