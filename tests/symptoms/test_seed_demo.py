from __future__ import annotations

import re

import pytest
from django.conf import LazySettings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts import selectors
from accounts.models import AuditEvent, Consent, SharingLink, User
from accounts.second_factor import has_second_factor
from symptoms.management.commands.seed_demo import DEMO_ACCOUNTS
from symptoms.management.commands.seed_demo import DEMO_PASSWORD as PW

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


def test_every_demo_account_can_sign_in_and_the_demo_code_command_gives_the_code(
    settings: LazySettings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.DEBUG = True
    call_command("seed_demo")
    capsys.readouterr()

    for email, _role, _name in DEMO_ACCOUNTS:
        user = User.objects.get(email=email)
        assert selectors.email_is_verified(user=user)
        assert has_second_factor(user) == (user.role != "patient")

    client = Client()
    client.post(reverse("accounts:login"), {"login": "clinician@demo.example", "password": PW})
    call_command("demo_code", "Clinician@Demo.example")
    code = capsys.readouterr().out.strip()
    assert re.fullmatch(r"\d{6}", code)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    clinician = User.objects.get(email="clinician@demo.example")
    assert client.session["_auth_user_id"] == str(clinician.pk)


@pytest.mark.parametrize(
    ("debug", "email", "message"),
    [
        (False, "clinician@demo.example", "DEBUG=1"),
        (True, "someone@example.org", "Only demo accounts"),
    ],
)
def test_demo_code_refuses_outside_debug_and_for_real_accounts(
    settings: LazySettings, debug: bool, email: str, message: str
) -> None:
    settings.DEBUG = debug
    with pytest.raises(CommandError, match=message):
        call_command("demo_code", email)


def test_the_research_demo_loads_a_cohort_and_publishes_a_release_once(
    settings: LazySettings,
) -> None:
    from symptoms.models import Release, ReleaseCell

    settings.DEBUG = True

    call_command("seed_research_demo", "--people", "300")
    call_command("seed_research_demo", "--people", "300")

    release = Release.objects.get()
    assert release.is_published
    assert User.objects.filter(consents__withdrawn_at__isnull=True).count() == 300
    overall = ReleaseCell.objects.filter(release=release, table="overall", scale="daily.fatigue")
    assert [cell.n for cell in overall] == [300] * 4  # every quarter, everyone
    assert ReleaseCell.objects.filter(release=release, suppressed=False, n__gt=0).count() > 100


def test_the_research_demo_refuses_to_run_without_debug(settings: LazySettings) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_research_demo")
    assert not User.objects.exists()
