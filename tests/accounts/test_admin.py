from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import AuditAction, AuditEvent, PatientProfile, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client, sam: User) -> Client:
    sam.is_superuser = True
    sam.save(update_fields=["is_superuser"])
    client.force_login(sam)
    return client


def test_adding_a_patient_in_the_admin_makes_a_complete_account(staff_client: Client) -> None:
    response = staff_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "added@example.org",
            "full_name": "Added Person",
            "role": "patient",
            "password": "a long enough password",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="added@example.org")
    assert PatientProfile.objects.filter(user=user).exists()
    assert user.check_password("a long enough password")


def test_staff_approve_a_researcher_with_an_audit_event(
    staff_client: Client, rita: User, sam: User
) -> None:
    response = staff_client.post(
        "/admin/accounts/researcherprofile/",
        {"action": "approve", "_selected_action": [rita.pk]},
    )

    assert response.status_code == 302
    rita.refresh_from_db()
    assert rita.is_approved_researcher
    assert AuditEvent.objects.get().action == AuditAction.RESEARCHER_APPROVED


def test_audit_events_are_read_only_in_the_admin(staff_client: Client, alice: User) -> None:
    event = AuditEvent.objects.create(actor=alice, action=AuditAction.CONSENT_GRANTED)

    assert staff_client.get("/admin/accounts/auditevent/").status_code == 200
    assert staff_client.get("/admin/accounts/auditevent/add/").status_code == 403
    delete = staff_client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_patient_cannot_open_the_admin(client: Client, alice: User) -> None:
    client.force_login(alice)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
