"""Accounts people can trust (django-allauth): confirmed email before anything that links people,
password reset and change that end every other session and token, the second factor that
clinicians, researchers and staff must have (pages, API, tokens), the lockout on every path
whatever the spelling, the sessions page, the absolute session age, and staff edits."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.usersessions.models import UserSession
from django.core import mail
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import errors, services
from accounts.models import (
    ApiTokenUse,
    AuditAction,
    AuditEvent,
    ClinicianInvite,
    Role,
    SharingLink,
    User,
)
from tests.accounts.factories import (
    ClinicianFactory,
    PatientFactory,
    StaffFactory,
    current_totp_code,
)

PASSWORD = "correct horse battery"
NEW_PASSWORD = "quiet lantern harbour moss"
TOKEN_URL = "/api/v1/auth/token/"


def signed_in_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def log_in(client: Client, email: str, password: str = PASSWORD, **meta: Any) -> Any:
    return client.post(reverse("accounts:login"), {"login": email, "password": password}, **meta)


def link_from_last_email(pattern: str) -> str:
    match = re.search(rf"https?://[^/\s]+({pattern})", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def token_for(user: User) -> str:
    return str(AuthToken.objects.create(user=user)[1])


def api_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- 1. Confirmed email; the invitation hijack ---------------------------------------------------


def test_it_refuses_the_invitation_hijack_at_every_step(
    client: Client, charlie: User, db: Any
) -> None:
    # A clinician invites a patient who has no account yet...
    invite = services.invite_create(clinician=charlie, email="victim@example.org")
    mail.outbox.clear()
    # ...and a stranger signs up with that address.
    response = client.post(
        reverse("accounts:signup"),
        {
            "email": "Victim@Example.org",
            "full_name": "The Real Patient",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "time_zone": "UTC",
            "language": "en",
            "reminder_frequency": "none",
        },
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    stranger = User.objects.get(email="victim@example.org")
    # Not signed in; the confirmation link went to the real owner's mailbox.
    assert signed_in_id(client) is None
    assert [m.to for m in mail.outbox] == [["victim@example.org"]]
    # Signing in with the password only re-sends the confirmation.
    log_in(client, "victim@example.org")
    assert signed_in_id(client) is None
    # No API token either...
    refused = APIClient().post(TOKEN_URL, {"email": "victim@example.org", "password": PASSWORD})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "email_not_verified"
    # ...and the service refuses the acceptance itself.
    with pytest.raises(errors.EmailNotVerified):
        services.invite_decide(invite=invite, patient=stranger, accept=True)
    assert not SharingLink.objects.exists()
    assert ClinicianInvite.objects.get(pk=invite.pk).status == ClinicianInvite.Status.PENDING


def test_it_lets_the_confirmed_owner_accept(charlie: User, db: Any) -> None:
    invite = services.invite_create(clinician=charlie, email="victim@example.org")
    owner = PatientFactory(email="victim@example.org")
    accepted = services.invite_decide(invite=invite, patient=owner, accept=True)
    assert accepted.status == ClinicianInvite.Status.ACCEPTED


def test_it_refuses_a_share_code_to_a_clinician_with_an_unconfirmed_address(
    alice: User, db: Any
) -> None:
    unconfirmed = ClinicianFactory(email="new-doctor@example.org", email_verified=False)
    code, _ = services.share_code_create(patient=alice)
    with pytest.raises(errors.EmailNotVerified):
        services.share_code_redeem(clinician=unconfirmed, code=code)


def test_it_answers_a_reset_the_same_way_for_a_known_and_an_unknown_address(
    client: Client, alice: User
) -> None:
    url = reverse("account_reset_password")
    known = client.post(url, {"email": "ALICE@example.org"})
    unknown = client.post(url, {"email": "nobody@example.org"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    # One email each: a link for the account, a "no account here" note for the stranger.
    assert [m.to for m in mail.outbox] == [["alice@example.org"], ["nobody@example.org"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "/accounts/password/reset/key/" not in mail.outbox[1].body


# --- 2. Password reset and change end every other session and token ----------------------------


def test_a_password_change_ends_other_sessions_and_tokens_and_keeps_this_one(
    alice: User, db: Any
) -> None:
    here, elsewhere = Client(), Client()
    log_in(here, alice.email)
    log_in(elsewhere, alice.email)
    token = token_for(alice)
    assert api_with(token).get("/api/v1/me/").status_code == 200

    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert signed_in_id(here) == str(alice.pk)
    assert here.get(reverse("accounts:profile")).status_code == 200
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302  # to the login page
    assert api_with(token).get("/api/v1/me/").status_code == 401
    assert list(UserSession.objects.filter(user=alice).values_list("session_key", flat=True)) == [
        here.session.session_key
    ]
    event = AuditEvent.objects.get(action=AuditAction.PASSWORD_CHANGED)
    assert event.detail == {"sessions": "1", "tokens": "1", "reason": "password"}


def test_a_password_reset_by_email_link_ends_every_session_and_token(
    client: Client, alice: User
) -> None:
    signed_in = Client()
    log_in(signed_in, alice.email)
    token = token_for(alice)

    client.post(reverse("account_reset_password"), {"email": alice.email})
    key_url = link_from_last_email(r"/accounts/password/reset/key/[^\s]+/")
    form_url = client.get(key_url)["Location"]
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert signed_in.get(reverse("accounts:profile")).status_code == 302
    assert api_with(token).get("/api/v1/me/").status_code == 401
    assert not UserSession.objects.filter(user=alice).exists()
    # The link works once.
    assert "/accounts/password/reset/key/" not in client.get(key_url).get("Location", "")


# --- 3. Second factor required for clinicians, researchers and staff ---------------------------


@pytest.fixture
def charlie_without_second_factor(alice: User) -> User:
    clinician = ClinicianFactory(email="nofactor@example.org", second_factor=False)
    SharingLink.objects.create(patient=alice, clinician=clinician, source=SharingLink.Source.CODE)
    return clinician


def test_a_clinician_without_a_second_factor_reaches_only_the_set_up_pages(
    client: Client, alice: User, charlie_without_second_factor: User
) -> None:
    log_in(client, charlie_without_second_factor.email)  # no code asked: there is no factor yet
    assert signed_in_id(client) == str(charlie_without_second_factor.pk)
    patient_page = reverse("symptoms:clinic_patient", args=[alice.public_id])

    for url in (patient_page, reverse("accounts:home"), reverse("accounts:sharing")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_index")
    assert client.get(reverse("mfa_index")).status_code == 200
    # Setting up asks for the password again first (allauth), then shows the QR code.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    # The API with this session: a clear error, not the data.
    response = client.get(f"/api/v1/patients/{alice.public_id}/trends/")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "second_factor_setup_required"

    Authenticator.objects.create(
        user=charlie_without_second_factor, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    assert client.get(patient_page).status_code == 200


def test_the_api_refuses_the_token_of_a_clinician_without_a_second_factor(
    alice: User, charlie_without_second_factor: User
) -> None:
    token = token_for(charlie_without_second_factor)
    response = api_with(token).get(f"/api/v1/patients/{alice.public_id}/trends/")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "second_factor_setup_required"
    # Nor is a new token issued.
    response = APIClient().post(
        TOKEN_URL, {"email": charlie_without_second_factor.email, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "second_factor_setup_required"


def test_a_clinician_signs_in_with_password_then_the_code(client: Client, charlie: User) -> None:
    response = log_in(client, charlie.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_id(client) is None

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert signed_in_id(client) is None
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code()})
    assert signed_in_id(client) == str(charlie.pk)


def test_the_token_endpoint_asks_anyone_with_a_second_factor_for_a_code(
    charlie: User, alice: User
) -> None:
    api = APIClient()
    missing = api.post(TOKEN_URL, {"email": charlie.email, "password": PASSWORD})
    assert missing.status_code == 400
    assert missing.json()["errors"][0] == {
        "code": "second_factor_required",
        "detail": "Enter the 6-digit code from your authenticator app, or a recovery code.",
        "attr": "code",
    }
    wrong = api.post(TOKEN_URL, {"email": charlie.email, "password": PASSWORD, "code": "12"})
    assert wrong.json()["errors"][0]["code"] == "second_factor_invalid"

    code = current_totp_code()
    ok = api.post(TOKEN_URL, {"email": charlie.email, "password": PASSWORD, "code": code})
    assert ok.status_code == 200
    # The same code again is a replay.
    replay = api.post(TOKEN_URL, {"email": charlie.email, "password": PASSWORD, "code": code})
    assert replay.json()["errors"][0]["code"] == "second_factor_invalid"
    # A patient without a second factor needs no code.
    assert api.post(TOKEN_URL, {"email": alice.email, "password": PASSWORD}).status_code == 200


def test_a_recovery_code_gives_a_token_once(charlie: User) -> None:
    codes = RecoveryCodes.activate(charlie).get_unused_codes()
    api = APIClient()
    body = {"email": charlie.email, "password": PASSWORD, "code": codes[0]}
    assert api.post(TOKEN_URL, body).status_code == 200
    assert api.post(TOKEN_URL, body).json()["errors"][0]["code"] == "second_factor_invalid"


def test_a_clinician_cannot_remove_their_last_second_factor(client: Client, charlie: User) -> None:
    client.force_login(charlie)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=charlie, type=Authenticator.Type.TOTP).exists()
    assert response.status_code in (200, 302)


def test_a_patient_may_add_and_remove_a_second_factor(client: Client, alice: User) -> None:
    log_in(client, alice.email)
    assert client.get(reverse("accounts:home")).status_code == 200  # not required of patients
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


# --- 5. Sessions page and absolute session age --------------------------------------------------


def test_the_sessions_page_lists_own_sessions_and_tokens_and_signs_out_the_rest(
    alice: User, bob: User, db: Any
) -> None:
    here = Client(HTTP_USER_AGENT="Firefox on a laptop")
    phone = Client(HTTP_USER_AGENT="Safari on a phone")
    log_in(here, alice.email)
    log_in(phone, alice.email)
    log_in(Client(HTTP_USER_AGENT="Bob's browser"), bob.email)
    token = token_for(alice)
    token_for(bob)

    html = here.get(reverse("accounts:sessions")).content.decode()
    assert "Firefox on a laptop" in html
    assert "Safari on a phone" in html
    assert "Bob&#x27;s browser" not in html
    assert "Bob's browser" not in html
    assert token[:8] in html
    assert html.count("<code>") == 1  # only Alice's token

    response = here.post(reverse("accounts:sessions"))
    assert response.status_code == 302
    assert phone.get(reverse("accounts:profile")).status_code == 302
    assert here.get(reverse("accounts:profile")).status_code == 200
    assert not AuthToken.objects.filter(user=alice).exists()
    assert AuthToken.objects.filter(user=bob).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.SESSIONS_ENDED).count() == 1


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.STAFF])
def test_it_ends_an_elevated_session_12_hours_after_sign_in(role: Role, db: Any) -> None:
    person = (ClinicianFactory if role == Role.CLINICIAN else StaffFactory)()
    client = Client()
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(person)
        # Active every 20 minutes, so the 30-minute idle timeout never applies.
        for _ in range(35):
            clock.shift(timedelta(minutes=20))
            assert client.get(reverse("accounts:profile")).status_code == 200
        clock.shift(timedelta(minutes=20))  # 12 h 0 min after sign-in
        response = client.get(reverse("accounts:profile"))
        clock.shift(timedelta(minutes=1))
        after = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert after.status_code == 302
    assert after["Location"] == reverse("accounts:login")


def test_a_patient_session_has_only_the_idle_timeout(alice: User) -> None:
    client = Client()
    with time_machine.travel(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), tick=False) as clock:
        client.force_login(alice)
        for _ in range(40):
            clock.shift(timedelta(minutes=20))
            assert client.get(reverse("accounts:profile")).status_code == 200


# --- 6. Lockout: every spelling, every path -------------------------------------------------------


def spellings_of(email: str) -> list[str]:
    """Eight ways to type one address: cases and stray spaces."""
    local, domain = email.split("@")
    return [
        email,
        f"{local.capitalize()}@{domain}",
        email.upper(),
        f"{local}@{domain.capitalize()}",
        f"{local}@{domain.upper()}",
        "".join(c.upper() if i % 2 else c for i, c in enumerate(local)) + f"@{domain}",
        f" {email}",
        f"{email.upper()} ",
    ]


SPELLINGS = spellings_of("alice@example.org")


def attempt_page(client: Client, email: str, password: str) -> bool:
    """True when the login page refused with the lockout."""
    return "Too many attempts" in log_in(client, email, password).content.decode()


def attempt_token(client: Client, email: str, password: str) -> bool:
    response = APIClient().post(TOKEN_URL, {"email": email, "password": password}, format="json")
    return bool(response.status_code == 403 and "account_locked" in response.content.decode())


def test_the_admin_takes_no_password_of_its_own(client: Client, sam: User) -> None:
    # Its password form would skip the second factor and the lockout: it sends to the login page.
    response = client.post(reverse("admin:login"), {"username": sam.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert signed_in_id(client) is None


@pytest.mark.parametrize("attempt", [attempt_page, attempt_token])
def test_eight_spellings_share_one_count_and_lock_the_address(
    attempt: Any, alice: User, client: Client
) -> None:
    spellings = spellings_of(alice.email)
    assert len(set(spellings)) == 8
    outcomes = [attempt(client, spelling, "wrong password") for spelling in spellings[:5]]
    assert outcomes[:4] == [False] * 4
    # Every other spelling is locked too, even with the right password.
    for spelling in spellings:
        assert attempt(client, spelling, PASSWORD), spelling
    assert signed_in_id(client) is None


def test_a_success_from_another_address_does_not_clear_the_lock(alice: User) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for spelling in SPELLINGS[:5]:
        log_in(attacker, spelling, "wrong password", REMOTE_ADDR="203.0.113.9")
    # Alice at home, another address, signs in fine...
    home = Client()
    log_in(home, "Alice@Example.org", REMOTE_ADDR="198.51.100.7")
    assert signed_in_id(home) == str(alice.pk)
    # ...and the attacker's address is still locked, right password or not.
    response = log_in(attacker, "alice@example.org", PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert "Too many attempts" in response.content.decode()
    assert signed_in_id(attacker) is None


def test_wrong_second_factor_codes_count_towards_the_lockout(charlie: User) -> None:
    api = APIClient()
    for _ in range(5):
        body = {"email": charlie.email.upper(), "password": PASSWORD, "code": "000000"}
        api.post(TOKEN_URL, body, format="json")
    body = {"email": charlie.email, "password": PASSWORD, "code": current_totp_code()}
    response = api.post(TOKEN_URL, body, format="json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "account_locked"


# --- 7. Staff edits -------------------------------------------------------------------------------


def test_a_staff_profile_edit_goes_through_the_service_and_is_audited(
    client: Client, alice: User, sam: User
) -> None:
    User.objects.filter(pk=sam.pk).update(is_superuser=True)
    client.force_login(sam)
    profile = alice.patient_profile
    url = reverse("admin:accounts_patientprofile_change", args=[profile.pk])
    data = {
        "birth_year": "1960",
        "country": "",
        "diagnosis_year": "",
        "language": "en",
        "ms_type": "",
        "sex": "",
        "time_zone": "Europe/Rome",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    profile.refresh_from_db()
    assert (profile.birth_year, profile.time_zone) == (1960, "Europe/Rome")
    event = AuditEvent.objects.get(action=AuditAction.PROFILE_UPDATED, subject_patient=alice)
    assert event.actor == sam
    assert event.detail == {"fields": "birth_year,time_zone"}


def test_a_role_cannot_be_changed_after_creation(client: Client, alice: User, sam: User) -> None:
    User.objects.filter(pk=sam.pk).update(is_superuser=True)
    client.force_login(sam)
    url = reverse("admin:accounts_user_change", args=[alice.pk])
    html = client.get(url).content.decode()
    assert 'name="role"' not in html


def test_the_sessions_page_says_when_and_by_what_each_token_was_last_used(
    client: Client, alice: User
) -> None:
    used, unused = token_for(alice), token_for(alice)
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        api = api_with(used)
        api.get("/api/v1/me/", HTTP_USER_AGENT="SymptomApp/2.1 (Android)")
        clock.shift(timedelta(minutes=2))
        api.get("/api/v1/me/", HTTP_USER_AGENT="SymptomApp/2.1 (Android)")
        first = ApiTokenUse.objects.get(user=alice).last_used_at
        clock.shift(timedelta(minutes=6))
        api.get("/api/v1/me/", HTTP_USER_AGENT="SymptomApp/2.2 (Android)")
        later = ApiTokenUse.objects.get(user=alice)
        client.force_login(alice)
        html = client.get(reverse("accounts:sessions")).content.decode()

    # Written at most every 5 minutes: the second call within 2 minutes wrote nothing.
    assert first == start
    assert later.last_used_at == start + timedelta(minutes=8)
    assert "SymptomApp/2.2 (Android)" in html
    assert "Not used yet" in html
    assert unused[:8] in html
