"""Research pages: the public priorities page, and the releases pages for approved researchers
and staff."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from accounts.models import AuditAction, AuditEvent, User
from symptoms.instruments.scoring import SYMPTOM_DOMAINS
from symptoms.models import Release, ReleaseCell, ReleaseStatus
from symptoms.research import priorities, services
from tests.symptoms.factories import published_release

pytestmark = pytest.mark.django_db


@pytest.fixture
def release() -> Release:
    built = published_release(people=12)
    assert built is not None
    return built


def test_the_priorities_page_says_when_there_is_no_release_yet(client: Client) -> None:
    response = client.get("/research/priorities/")

    assert response.status_code == 200
    assert "No research release has been published yet" in response.content.decode()
    assert client.get("/research/priorities/chart.svg").status_code == 404


def test_the_priorities_page_shows_burden_beside_funding_with_sources(
    client: Client, release: Release
) -> None:
    response = client.get("/research/priorities/")

    page = response.content.decode()
    fatigue = ReleaseCell.objects.get(release=release, table="overall", scale="daily.fatigue")
    assert fatigue.n == 12
    row = next(d for d in response.context["priorities"].domains if d.domain == "fatigue")
    assert (row.n, row.mean, row.share_5_or_above) == (12, fatigue.mean, fatigue.share_past_cutoff)
    assert row.funding.share_percent == 1.3
    assert f"<td>{fatigue.mean:.1f}</td>" in page
    assert "Fatigue or pain" in page
    assert "https://doi.org/10.1177/1352458521999970" in page
    assert "228.7" in page
    assert 'src="/research/priorities/chart.svg"' in page


def test_the_priorities_chart_is_an_svg(client: Client, release: Release) -> None:
    response = client.get("/research/priorities/chart.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert "script-src 'none'" in response["Content-Security-Policy"]


def test_the_funding_file_covers_the_five_domains_once() -> None:
    funding = priorities.funding_load()

    domains = [d for area in funding.areas for d in area.domains]
    assert sorted(domains) == sorted(SYMPTOM_DOMAINS)
    assert (funding.year, funding.total_usd_millions) == (2017, 228.7)


def test_a_funding_file_with_an_unknown_domain_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "funding.toml"
    path.write_text(
        'title = "t"\nyear = 2030\ntotal_usd_millions = 1\ncitation = "c"\nurl = "u"\n'
        '[[areas]]\nkey = "k"\nlabel = "l"\nshare_percent = 1\ndomains = ["sleep"]\n'
    )

    with pytest.raises(ValueError, match="unknown domains"):
        priorities.funding_load(path)


def test_an_approved_researcher_sees_releases_and_download_buttons(
    client: Client, ruth: User, release: Release
) -> None:
    client.force_login(ruth)

    listing = client.get("/research/releases/")
    detail = client.get(f"/research/releases/{release.public_id}/")

    assert listing.status_code == 200
    assert list(listing.context["releases"]) == [release]
    assert "Build a release" not in listing.content.decode()
    page = detail.content.decode()
    assert f"/api/v1/research/releases/{release.public_id}/download/?format=csv" in page
    assert "<code>share_past_cutoff</code>" in page


@pytest.mark.parametrize("persona", ["alice", "charlie", "rita"])
def test_the_releases_pages_refuse_everyone_else(
    client: Client, request: pytest.FixtureRequest, persona: str, release: Release
) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get("/research/releases/").status_code == 403
    assert client.get(f"/research/releases/{release.public_id}/").status_code == 403


def test_the_releases_page_sends_anonymous_visitors_to_log_in(client: Client) -> None:
    response = client.get("/research/releases/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_staff_start_a_build_and_see_its_progress(client: Client, sam: User) -> None:
    client.force_login(sam)

    response = client.post(
        "/research/releases/", {"first_quarter": "2026-Q1", "last_quarter": "2026-Q2"}
    )

    release = Release.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/research/releases/{release.public_id}/"
    assert (release.status, release.parameters["periods"]) == (
        ReleaseStatus.QUEUED,
        ["2026-Q1", "2026-Q2"],
    )
    assert AuditEvent.objects.get(action=AuditAction.RELEASE_REQUESTED).actor == sam
    Release.objects.filter(pk=release.pk).update(status=ReleaseStatus.BUILDING, progress=45)
    page = client.get(response["Location"]).content.decode()
    assert '<progress id="build-progress" max="100" value="45">' in page


def test_staff_are_told_about_a_quarter_written_wrongly(client: Client, sam: User) -> None:
    client.force_login(sam)

    response = client.post("/research/releases/", {"first_quarter": "Q1 2026"})

    assert response.status_code == 200
    assert "Write a quarter as 2026-Q1." in response.content.decode()
    assert not Release.objects.exists()


def test_a_researcher_cannot_start_a_build(client: Client, ruth: User) -> None:
    client.force_login(ruth)

    assert client.post("/research/releases/", {}).status_code == 403
    assert not Release.objects.exists()


def test_a_researcher_does_not_see_a_release_being_built(client: Client, ruth: User) -> None:
    queued = services.release_request(requested_by=None, first_quarter="2026-Q1", queue=False)
    client.force_login(ruth)

    assert client.get(f"/research/releases/{queued.public_id}/").status_code == 404


def test_every_text_of_the_funding_file_reaches_the_catalogues() -> None:
    funding = priorities.funding_load()
    texts = [funding.title, *(area.label for area in funding.areas)]
    assert sorted(texts) == sorted(priorities.FUNDING_TEXTS)


def test_the_priorities_chart_writes_numbers_the_reader_s_way(
    client: Client, release: Release
) -> None:
    english = client.get("/research/priorities/chart.svg").content.decode()
    italian = client.get(
        "/research/priorities/chart.svg", HTTP_ACCEPT_LANGUAGE="it"
    ).content.decode()

    assert "1.3%" in english
    assert "1,3%" in italian
    assert "Fatica" in italian
