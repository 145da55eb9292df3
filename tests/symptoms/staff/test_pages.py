"""The staff home: researchers awaiting a decision (approved or declined here with the admin's
service and audit event), failed reminder deliveries by reason, release builds needing a look,
and counts; and the researcher's home with the latest release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, ResearcherProfile, SharingLink, User
from symptoms.models import DeliveryEvent, Release, ReleaseStatus
from tests.accounts.factories import ResearcherFactory
from tests.accounts.test_pages import assert_accessible_page, html_of
from tests.symptoms.factories import ReminderDeliveryFactory, published_release, report

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
HOME = "/"  # accounts:home, which hands staff and researchers to these pages


def staff_url() -> str:
    return reverse("symptoms:staff_home")


def decision_url(researcher: User) -> str:
    return reverse("symptoms:staff_researcher_decision", args=[researcher.public_id])


def failed(reason: str, *, days_ago: float, email: str) -> None:
    delivery = ReminderDeliveryFactory(
        event=DeliveryEvent.FAILED,
        reason=reason,
        created_at=NOW - timedelta(days=days_ago),
        occurrence__schedule__patient__email=email,
    )
    assert delivery.pk


@pytest.fixture
def sam_client(client: Client, sam: User) -> Client:
    client.force_login(sam)
    return client


def test_it_gives_staff_a_home_with_what_needs_a_decision_or_a_look(
    sam_client: Client, rita: User, alice: User, charlie: User, alice_shares_with_charlie: Any
) -> None:
    report(alice)
    with time_machine.travel(NOW, tick=False):
        failed("bounced", days_ago=1, email="one@example.org")
        failed("bounced", days_ago=2, email="two@example.org")
        failed("provider_down", days_ago=3, email="three@example.org")
        failed("bounced", days_ago=8, email="old@example.org")  # older than a week
        Release.objects.create(spec_version="1", status=ReleaseStatus.FAILED, error="timeout")
        Release.objects.create(spec_version="1", status=ReleaseStatus.QUEUED)

        html = html_of(sam_client.get(HOME))

    assert_accessible_page(html, "Staff")
    researchers = html.split('id="researchers-title"')[1].split("</section>")[0]
    assert "Rita Researcher" in researchers
    assert f'action="{decision_url(rita)}"' in researchers
    deliveries = html.split('id="deliveries-title"')[1].split("</section>")[0]
    assert "<code>bounced</code></th><td>2</td>" in deliveries
    assert "<code>provider_down</code></th><td>1</td>" in deliveries
    assert "@example.org" not in deliveries  # counts only, never an address
    builds = html.split('id="builds-title"')[1].split("</section>")[0]
    assert "Failed" in builds
    assert "Queued" in builds
    assert "<code>timeout</code>" in builds
    counts = html.split('id="counts-title"')[1].split("</section>")[0]
    people = User.objects.filter(role="patient").count()
    assert f"<dt>People with MS</dt><dd>{people}</dd>" in counts
    assert "<dt>Reports</dt><dd>1</dd>" in counts
    assert "<dt>Active sharing links</dt><dd>1</dd>" in counts
    assert SharingLink.objects.filter(revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize(("researchers", "deliveries"), [(1, 1), (4, 6)])
def test_it_reads_the_staff_home_in_the_same_number_of_queries(
    sam_client: Client, researchers: int, deliveries: int, django_assert_num_queries: Any
) -> None:
    for n in range(researchers):
        ResearcherFactory(email=f"r{n}@example.org")
    for n in range(deliveries):
        failed(f"reason{n % 3}", days_ago=1, email=f"d{n}@example.org")

    # Session, staff, then pending researchers, failed deliveries, builds, people, reports,
    # sharing links (six), and the session's save (a savepoint, the update, its release).
    with django_assert_num_queries(11):
        assert sam_client.get(staff_url()).status_code == 200


@pytest.mark.parametrize(
    ("decision", "status", "action"),
    [
        ("approve", ResearcherProfile.Status.APPROVED, AuditAction.RESEARCHER_APPROVED),
        ("decline", ResearcherProfile.Status.REJECTED, AuditAction.RESEARCHER_REJECTED),
    ],
)
def test_it_decides_on_a_researcher_with_the_admin_s_service_and_audit_event(
    sam_client: Client, sam: User, rita: User, decision: str, status: str, action: str
) -> None:
    response = sam_client.post(decision_url(rita), {"decision": decision})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    profile = ResearcherProfile.objects.get(user=rita)
    assert (profile.status, profile.decided_by) == (status, sam)
    event = AuditEvent.objects.get(action=action)
    assert (event.actor, event.detail) == (sam, {"researcher": str(rita.public_id)})
    assert "Rita Researcher is" in html_of(sam_client.get(HOME))


def test_it_answers_404_for_a_decided_or_unknown_researcher_or_decision(
    sam_client: Client, rita: User, ruth: User
) -> None:
    assert sam_client.post(decision_url(ruth), {"decision": "decline"}).status_code == 404
    assert sam_client.post(decision_url(rita), {"decision": "maybe"}).status_code == 404
    assert sam_client.get(decision_url(rita)).status_code == 405
    assert ResearcherProfile.objects.get(user=rita).status == ResearcherProfile.Status.PENDING


@pytest.mark.parametrize("who", ["alice", "charlie", "ruth"])
def test_it_refuses_the_staff_pages_to_other_roles(
    client: Client, rita: User, who: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(who))

    assert client.get(staff_url()).status_code == 403
    assert client.post(decision_url(rita), {"decision": "approve"}).status_code == 403
    assert ResearcherProfile.objects.get(user=rita).status == ResearcherProfile.Status.PENDING


# --- The researcher's home -------------------------------------------------------------------


def research_home_url() -> str:
    return reverse("symptoms:research_home")


def test_it_shows_an_approved_researcher_the_latest_release(
    client: Client, ruth: User, django_assert_num_queries: Any
) -> None:
    release = published_release()
    client.force_login(ruth)

    # Session, researcher, their profile, the latest release, its cells with data, the
    # session's save (a savepoint, the update, its release).
    with django_assert_num_queries(8):
        response = client.get(research_home_url())

    html = html_of(response)
    assert_accessible_page(html, "Your researcher account")
    assert f"Release {release.number}" in html
    assert release.parameters["periods"][0] in html
    shown = release.cells.filter(suppressed=False).count()
    assert f"{shown} of {release.cell_count}" in html
    assert reverse("symptoms:research_release", args=[release.public_id]) in html
    assert reverse("api-release-download", args=[release.public_id]) + "?format=csv" in html


def test_it_tells_a_waiting_researcher_to_wait(client: Client, rita: User) -> None:
    client.force_login(rita)

    html = html_of(client.get(research_home_url()))

    assert "waiting for approval" in html
    assert "Latest release" not in html


@pytest.mark.parametrize("who", ["alice", "charlie", "sam"])
def test_it_refuses_the_researcher_home_to_other_roles(
    client: Client, who: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(who))

    assert client.get(research_home_url()).status_code == 403
