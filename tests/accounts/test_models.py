from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import (
    AuditAction,
    AuditEvent,
    ClinicianInvite,
    Consent,
    ConsentPurpose,
    PatientProfile,
    ResearcherProfile,
    Role,
    User,
)

pytestmark = pytest.mark.django_db


def test_it_makes_a_complete_patient_account() -> None:
    user = User.objects.create_user(email="New.Person@Example.org", password="x" * 12)

    assert user.role == Role.PATIENT
    assert user.email == "new.person@example.org"
    assert user.check_password("x" * 12)
    profile = PatientProfile.objects.get(user=user)
    assert (profile.time_zone, profile.language) == ("UTC", "en")


def test_it_makes_a_researcher_pending() -> None:
    user = User.objects.create_user(email="r@example.org", password="x" * 12, role=Role.RESEARCHER)

    assert user.researcher_profile.status == ResearcherProfile.Status.PENDING
    assert not user.is_approved_researcher
    assert not hasattr(user, "patient_profile")


def test_it_gives_staff_the_admin_flag() -> None:
    user = User.objects.create_user(email="s@example.org", password="x" * 12, role=Role.STAFF)

    assert user.is_staff
    assert not PatientProfile.objects.filter(user=user).exists()


def test_it_refuses_an_unknown_role() -> None:
    with pytest.raises(ValueError, match="Unknown role"):
        User.objects.create_user(email="s@example.org", password="x" * 12, role="wizard")
    assert not User.objects.exists()


def test_it_treats_emails_as_case_insensitive(alice: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="ALICE@example.org")
    assert User.objects.get_by_natural_key("Alice@Example.org") == alice


def test_it_hashes_passwords_with_argon2_by_default(settings: object) -> None:
    from django.conf import settings as live

    assert live.PASSWORD_HASHERS  # the fixture overrides it for speed; check the module value
    from config import settings as module

    assert module.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_it_rejects_future_years_and_unknown_time_zones(alice: User) -> None:
    profile = alice.patient_profile
    profile.birth_year = datetime.now(tz=UTC).year + 1
    profile.time_zone = "Mars/Olympus_Mons"

    with pytest.raises(ValidationError) as caught:
        profile.full_clean()

    assert set(caught.value.message_dict) == {"birth_year", "time_zone"}


def test_it_refuses_a_diagnosis_before_birth(alice: User) -> None:
    profile = alice.patient_profile
    profile.birth_year, profile.diagnosis_year = 1970, 1960

    with pytest.raises(ValidationError):
        profile.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        profile.save()


def test_it_allows_one_open_consent_per_purpose(alice: User) -> None:
    now = datetime.now(tz=UTC)
    Consent.objects.create(user=alice, purpose="research", text_version="v1", granted_at=now)

    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(user=alice, purpose="research", text_version="v1", granted_at=now)


def test_it_knows_when_a_consent_was_active(alice: User, bob: User) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    withdrawn = Consent.objects.create(
        user=alice,
        purpose=ConsentPurpose.RESEARCH,
        text_version="1",
        granted_at=start,
        withdrawn_at=start + timedelta(days=10),
    )
    open_ = Consent.objects.create(
        user=bob, purpose=ConsentPurpose.RESEARCH, text_version="1", granted_at=start
    )

    def active(moment: datetime) -> set[Consent]:
        return set(Consent.objects.active_at(moment))

    assert active(start - timedelta(seconds=1)) == set()
    assert active(start) == {withdrawn, open_}
    assert active(start + timedelta(days=10)) == {open_}  # withdrawn at that very moment
    assert active(start + timedelta(days=400)) == {open_}


def test_it_knows_which_invitations_are_pending(charlie: User) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    pending, expired, _answered = (
        ClinicianInvite.objects.create(
            clinician=charlie, email=f"{name}@example.org", expires_at=now + delta, status=status
        )
        for name, delta, status in (
            ("pending", timedelta(days=1), ClinicianInvite.Status.PENDING),
            ("expired", timedelta(0), ClinicianInvite.Status.PENDING),
            ("answered", timedelta(days=1), ClinicianInvite.Status.DECLINED),
        )
    )

    assert list(ClinicianInvite.objects.pending_at(now)) == [pending]
    assert set(ClinicianInvite.objects.pending_at(now - timedelta(days=1))) == {pending, expired}


def test_it_never_changes_or_deletes_audit_events(alice: User) -> None:
    event = AuditEvent.objects.create(actor=alice, action=AuditAction.CONSENT_GRANTED)

    event.action = AuditAction.CONSENT_WITHDRAWN
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(action=AuditAction.CONSENT_WITHDRAWN)
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == AuditAction.CONSENT_GRANTED
