from __future__ import annotations

import pytest
from django.conf import LazySettings
from django.core.management import CommandError, call_command

from accounts import selectors
from accounts.models import AuditEvent, Consent, SharingLink, User

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_one_account_per_role_and_can_run_again(settings: LazySettings) -> None:
    settings.DEBUG = True

    call_command("seed_demo")
    counts = (User.objects.count(), SharingLink.objects.count(), AuditEvent.objects.count())
    call_command("seed_demo")

    assert (User.objects.count(), SharingLink.objects.count(), AuditEvent.objects.count()) == counts
    assert sorted(User.objects.values_list("role", flat=True)) == [
        "clinician",
        "patient",
        "researcher",
        "staff",
    ]
    patient = User.objects.get(email="patient@demo.example")
    clinician = User.objects.get(email="clinician@demo.example")
    assert patient in selectors.clinician_patients(clinician=clinician)
    assert Consent.objects.get(user=patient).withdrawn_at is None
    assert User.objects.get(email="researcher@demo.example").is_approved_researcher
    assert patient.check_password("demo-password-2026")


def test_seed_demo_refuses_to_run_without_debug(settings: LazySettings) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo")
    assert not User.objects.exists()
