"""The server-rendered pages: who sees which page, what each form does, and the accessibility and
CSP rules every page keeps (skip link, one h1, landmarks, no inline styles or scripts)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from accounts import services
from accounts.models import (
    AuditAction,
    AuditEvent,
    ClinicianInvite,
    Consent,
    ResearcherProfile,
    Role,
    SharingLink,
    User,
)
from tests.accounts.factories import TEST_TOTP_SECRET

STRONG_PASSWORD = "lilac tram pebble ocean"


def html_of(response: Any) -> str:
    return str(response.content.decode())


def assert_accessible_page(html: str, h1: str) -> None:
    """The rules every page keeps, checked on its HTML."""
    assert re.search(r'<html lang="[a-z-]+"', html)
    body = html.split("<body>", 1)[1].lstrip()
    assert body.startswith('<a class="skip-link" href="#main">Skip to main content</a>')
    assert '<main id="main"' in html
    assert "<header" in html
    assert "<footer" in html
    assert re.search(r'<nav aria-label="[^"]+"', html)
    h1s = re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.DOTALL)
    assert len(h1s) == 1
    assert h1 in h1s[0]
    # CSP (script-src 'self'; style-src 'self'): no inline styles or scripts, ever.
    assert not re.search(r"\sstyle=", html)
    assert "<style" not in html
    # Data blocks (type="application/json", allauth's passkey settings) do not run.
    assert not re.search(r'<script(?![^>]*\s(?:src=|type="application/json"))[^>]*>', html)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers either


def title_of(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
    assert match
    return match.group(1).strip()


def signup_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "email": "erin@example.org",
        "full_name": "Erin Example",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        "birth_year": "1968",
        "sex": "female",
        "ms_type": "spms",
        "diagnosis_year": "1999",
        "country": "IT",
        "time_zone": "Europe/Rome",
        "language": "it",
        "reminder_frequency": "none",
    }
    data.update(overrides)
    return data


def logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


# --- Every page, for the right person ----------------------------------------------------------

PAGES = [
    ("accounts:home", None, "Welcome to MS Symptom Tracker"),
    ("accounts:signup", None, "Create an account"),
    ("accounts:researcher_signup", None, "Apply for a researcher account"),
    ("accounts:login", None, "Log in"),
    ("accounts:home", "alice", "Hello, Alice"),
    ("accounts:profile", "alice", "Your profile"),
    ("accounts:consent", "alice", "Research consent"),
    ("accounts:sharing", "alice", "Sharing"),
    ("accounts:home", "charlie", "Your patients"),
    ("accounts:sharing", "charlie", "Sharing"),
    ("accounts:profile", "charlie", "Your profile"),
    ("accounts:home", "rita", "Your researcher account"),
    ("accounts:home", "sam", "Staff"),
]


@pytest.mark.parametrize(("url_name", "persona", "h1"), PAGES)
def test_it_renders_each_page_accessibly_for_the_right_person(
    client: Client, request: pytest.FixtureRequest, url_name: str, persona: str | None, h1: str
) -> None:
    if persona is None:
        request.getfixturevalue("db")
    else:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert_accessible_page(html_of(response), h1)


def test_it_gives_each_page_its_own_title(client: Client, alice: User, charlie: User) -> None:
    def title(name: str) -> str:
        return title_of(html_of(client.get(reverse(f"accounts:{name}"))))

    titles = [title(name) for name in ("home", "signup", "researcher_signup", "login")]
    client.force_login(alice)
    titles += [title(name) for name in ("home", "profile", "consent", "sharing")]
    client.force_login(charlie)
    titles += [title("home")]
    assert len(set(titles)) == len(titles)
    assert all(t.endswith("MS Symptom Tracker") for t in titles)


@pytest.mark.parametrize("url_name", ["accounts:profile", "accounts:consent", "accounts:sharing"])
def test_it_sends_anonymous_visitors_to_the_login_page(
    client: Client, db: Any, url_name: str
) -> None:
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize(
    ("persona", "url_name"),
    [
        ("charlie", "accounts:consent"),
        ("rita", "accounts:consent"),
        ("sam", "accounts:consent"),
        ("rita", "accounts:sharing"),
        ("sam", "accounts:sharing"),
    ],
)
def test_it_refuses_pages_meant_for_another_role(
    client: Client, request: pytest.FixtureRequest, persona: str, url_name: str
) -> None:
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(url_name))
    assert response.status_code == 403
    assert_accessible_page(html_of(response), "This page is not available to you")


def test_it_links_the_anonymous_welcome_page_to_login_and_both_sign_ups(
    client: Client, db: Any
) -> None:
    html = html_of(client.get(reverse("accounts:home")))
    assert f'href="{reverse("accounts:login")}"' in html
    assert f'href="{reverse("accounts:signup")}"' in html
    assert f'href="{reverse("accounts:researcher_signup")}"' in html


def test_it_labels_every_sign_up_control(client: Client, db: Any) -> None:
    html = html_of(client.get(reverse("accounts:signup")))
    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\sid="([^"]+)"', html)
    assert len(ids) > 10
    for control_id in ids:
        assert f'for="{control_id}"' in html, control_id
    assert '<script src="/static/accounts/time_zone.js" defer></script>' in html
    assert re.search(r'<select name="time_zone"[^>]*data-detect-time-zone', html)


# --- Patient sign-up ---------------------------------------------------------------------------


def confirm_email_from_outbox(client: Client) -> Any:
    """Open the confirmation link of the last email and confirm (a POST, as the page asks)."""
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return client.post(match.group(1))


def test_it_signs_up_a_patient_with_a_profile_and_logs_them_in_once_confirmed(
    client: Client, db: Any
) -> None:
    response = client.post(reverse("accounts:signup"), signup_data())

    # Not signed in yet: the address must be confirmed first.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert logged_in_user_id(client) is None
    assert mail.outbox[-1].to == ["erin@example.org"]
    response = confirm_email_from_outbox(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    user = User.objects.get(email="erin@example.org")
    assert user.role == Role.PATIENT
    assert user.full_name == "Erin Example"
    assert user.check_password(STRONG_PASSWORD)
    profile = user.patient_profile
    assert (profile.birth_year, profile.sex, profile.ms_type) == (1968, "female", "spms")
    assert (profile.diagnosis_year, profile.country.code) == (1999, "IT")
    assert (profile.time_zone, profile.language) == ("Europe/Rome", "it")
    assert logged_in_user_id(client) == str(user.pk)
    home = client.get(reverse("accounts:home"))
    assert "Ciao, Erin" in html_of(home)  # in the language chosen at sign-up


def test_it_signs_up_a_patient_who_gives_only_the_required_answers(client: Client, db: Any) -> None:
    data = signup_data(birth_year="", sex="", ms_type="", diagnosis_year="", country="")
    response = client.post(reverse("accounts:signup"), data)

    assert response.status_code == 302
    profile = User.objects.get(email="erin@example.org").patient_profile
    assert profile.birth_year is None
    assert profile.sex == ""
    assert not profile.country


@pytest.mark.parametrize(
    ("country", "zone"),
    [("IT", "Europe/Rome"), ("CA", "America/Toronto"), ("FR", "Europe/Paris"), ("", "UTC")],
)
def test_without_the_browser_s_zone_sign_up_takes_the_country_s_main_zone(
    client: Client, db: Any, country: str, zone: str
) -> None:
    # What arrives when the time-zone script did not run, or the browser's zone is not listed.
    response = client.post(reverse("accounts:signup"), signup_data(country=country, time_zone=""))

    assert response.status_code == 302
    assert User.objects.get(email="erin@example.org").patient_profile.time_zone == zone


def test_the_sign_up_form_never_starts_on_utc_and_offers_italian_to_an_italian_browser(
    client: Client,
) -> None:
    html = html_of(client.get(reverse("accounts:signup"), HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9"))

    assert '<html lang="it"' in html
    zone = re.search(r'<select name="time_zone".*?</select>', html, re.S)
    assert zone
    assert '<option value="" selected>' in zone.group(0)
    language = re.search(r'<select name="language".*?</select>', html, re.S)
    assert language
    assert '<option value="it" selected>Italiano</option>' in language.group(0)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"birth_year": str(timezone.now().year + 1)}, "birth_year", "Enter a year between"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "is not a known time zone"),
        (
            {"password1": "short pw", "password2": "short pw"},
            "password1",
            "This password is too short",
        ),
        ({"password2": "something else entirely"}, "password2", "the same password each time"),
        ({"diagnosis_year": "1950"}, "diagnosis_year", "cannot be before the year of birth"),
        ({"email": "not an email"}, "email", "Enter a valid email address"),
    ],
)
def test_it_shows_sign_up_errors_next_to_the_field_and_creates_nothing(
    client: Client, db: Any, overrides: dict[str, str], field: str, message: str
) -> None:
    response = client.post(reverse("accounts:signup"), signup_data(**overrides))

    assert response.status_code == 200
    html = html_of(response)
    assert message in html
    # The field is marked invalid and points at its error message.
    control = re.search(rf'<(?:input|select)[^>]*name="{field}"[^>]*>', html)
    assert control
    assert 'aria-invalid="true"' in control.group(0)
    assert f"id_{field}_error" in control.group(0)
    assert f'id="id_{field}_error"' in html
    # The summary at the top links to the field.
    assert 'class="error-summary"' in html
    assert f'href="#id_{field}"' in html
    assert title_of(html).startswith("Error:")
    assert not User.objects.filter(email="erin@example.org").exists()
    assert logged_in_user_id(client) is None


def test_it_answers_a_sign_up_with_a_taken_email_as_for_a_new_one(
    client: Client, alice: User
) -> None:
    new = client.post(reverse("accounts:signup"), signup_data(email="new@example.org"))
    taken = client.post(reverse("accounts:signup"), signup_data(email="ALICE@example.org"))

    # The same answer, and one email to the address either way: nothing says who has an account.
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert [m.to for m in mail.outbox] == [["new@example.org"], ["alice@example.org"]]
    assert mail.outbox[0].subject != mail.outbox[1].subject  # the owner is told, not "confirm"
    assert User.objects.filter(email__iexact="alice@example.org").count() == 1
    assert logged_in_user_id(client) is None


def test_it_marks_an_invalid_radio_group_on_its_fieldset(client: Client, db: Any) -> None:
    response = client.post(reverse("accounts:signup"), signup_data(sex="martian"))

    assert response.status_code == 200
    html = html_of(response)
    assert '<fieldset aria-describedby="id_sex_error">' in html
    assert 'href="#id_sex_0"' in html


def test_it_sends_a_logged_in_person_home_from_sign_up(client: Client, alice: User) -> None:
    client.force_login(alice)
    assert client.get(reverse("accounts:signup"))["Location"] == reverse("accounts:home")


# --- Researcher sign-up ------------------------------------------------------------------------


def test_it_signs_up_a_researcher_who_waits_for_approval(client: Client, db: Any) -> None:
    data = {
        "email": "rosa@uni.example",
        "full_name": "Rosa Researcher",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        "institution": "University of Examples",
        "purpose": "Fatigue trajectories in SPMS.",
    }
    response = client.post(reverse("accounts:researcher_signup"), data)

    assert response.status_code == 302
    confirm_email_from_outbox(client)
    user = User.objects.get(email="rosa@uni.example")
    assert user.role == Role.RESEARCHER
    assert user.researcher_profile.status == ResearcherProfile.Status.PENDING
    assert user.researcher_profile.institution == "University of Examples"
    assert not user.is_approved_researcher
    # Signed in, but a researcher's first stop is setting up a second factor.
    assert client.get(reverse("accounts:home"))["Location"] == reverse("mfa_index")
    TOTP.activate(user, TEST_TOTP_SECRET)
    home = html_of(client.get(reverse("accounts:home")))
    assert "waiting for approval by staff" in home


def test_it_refuses_a_researcher_sign_up_without_an_institution(client: Client, db: Any) -> None:
    data = {
        "email": "rosa@uni.example",
        "full_name": "Rosa Researcher",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        "institution": "",
        "purpose": "Fatigue.",
    }
    response = client.post(reverse("accounts:researcher_signup"), data)

    assert response.status_code == 200
    assert 'id="id_institution_error"' in html_of(response)
    assert not User.objects.filter(email="rosa@uni.example").exists()


# --- Login, logout, lockout --------------------------------------------------------------------


def test_it_labels_the_login_field_email(client: Client, db: Any) -> None:
    html = html_of(client.get(reverse("accounts:login")))
    assert '<label for="id_login">Email</label>' in html
    assert 'type="email"' in html


def test_it_logs_a_person_in_with_email_and_password(client: Client, alice: User) -> None:
    response = client.post(
        reverse("accounts:login"),
        {"login": "alice@example.org", "password": "correct horse battery"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    assert logged_in_user_id(client) == str(alice.pk)


def test_it_shows_an_error_for_a_wrong_password(client: Client, alice: User) -> None:
    response = client.post(
        reverse("accounts:login"), {"login": "alice@example.org", "password": "wrong"}
    )
    assert response.status_code == 200
    html = html_of(response)
    assert "The email or password is not correct." in html
    assert 'class="error-summary"' in html
    assert logged_in_user_id(client) is None


def test_it_locks_out_after_five_wrong_passwords(client: Client, alice: User) -> None:
    url = reverse("accounts:login")
    for _attempt in range(4):
        response = client.post(url, {"login": "alice@example.org", "password": "wrong"})
        assert "Too many attempts" not in html_of(response)
    response = client.post(url, {"login": "alice@example.org", "password": "wrong"})
    assert "Too many attempts" in html_of(response)
    assert_accessible_page(html_of(response), "Too many attempts")

    # Even the right password is refused while the lockout lasts.
    response = client.post(url, {"login": "alice@example.org", "password": "correct horse battery"})
    assert "Too many attempts" in html_of(response)
    assert logged_in_user_id(client) is None


def test_it_logs_out_only_with_a_post(client: Client, alice: User) -> None:
    client.force_login(alice)
    # A GET asks to confirm (a link or a prefetch must not sign anyone out).
    assert client.get(reverse("accounts:logout")).status_code == 200
    assert logged_in_user_id(client) == str(alice.pk)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert logged_in_user_id(client) is None


# --- Profile -----------------------------------------------------------------------------------


def test_it_lets_a_patient_edit_their_name_and_profile(client: Client, alice: User) -> None:
    client.force_login(alice)
    data = {
        "full_name": "Alice Renamed",
        "birth_year": "1970",
        "sex": "female",
        "ms_type": "ppms",
        "diagnosis_year": "2005",
        "country": "DE",
        "time_zone": "Europe/Berlin",
        "language": "it",
    }
    response = client.post(reverse("accounts:profile"), data)

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.full_name == "Alice Renamed"
    profile = alice.patient_profile
    assert (profile.birth_year, profile.ms_type, profile.time_zone) == (
        1970,
        "ppms",
        "Europe/Berlin",
    )
    event = AuditEvent.objects.get(action=AuditAction.PROFILE_UPDATED, subject_patient=alice)
    assert "time_zone" in event.detail["fields"]
    assert "Le modifiche sono salvate." in html_of(client.get(reverse("accounts:profile")))


def test_it_keeps_the_profile_unchanged_when_one_answer_is_invalid(
    client: Client, alice: User
) -> None:
    client.force_login(alice)
    data = {"full_name": "Alice Renamed", "time_zone": "Nowhere/Special", "language": "en"}
    response = client.post(reverse("accounts:profile"), data)

    assert response.status_code == 200
    assert "is not a known time zone" in html_of(response)
    alice.refresh_from_db()
    assert alice.full_name == "Alice Patient"
    assert alice.patient_profile.time_zone == "UTC"


def test_it_lets_a_clinician_edit_only_their_name(client: Client, charlie: User) -> None:
    client.force_login(charlie)
    html = html_of(client.get(reverse("accounts:profile")))
    assert 'name="full_name"' in html
    assert 'name="birth_year"' not in html

    response = client.post(reverse("accounts:profile"), {"full_name": "Dr C"})
    assert response.status_code == 302
    charlie.refresh_from_db()
    assert charlie.full_name == "Dr C"


# --- Consent -----------------------------------------------------------------------------------


def test_it_grants_and_withdraws_research_consent_with_one_button_each(
    client: Client, alice: User
) -> None:
    client.force_login(alice)
    url = reverse("accounts:consent")
    html = html_of(client.get(url))
    assert "anonymised statistical tables" in html
    assert "You have not agreed to research use." in html
    assert 'name="decision" value="grant"' in html

    assert client.post(url, {"decision": "grant"}).status_code == 302
    consent = Consent.objects.get(user=alice)
    assert consent.withdrawn_at is None
    assert consent.text_version == "research-v2"
    html = html_of(client.get(url))
    assert "You have agreed to research use." in html
    assert 'name="decision" value="withdraw"' in html

    assert client.post(url, {"decision": "withdraw"}).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    html = html_of(client.get(url))
    assert "You have not agreed to research use." in html
    assert "Still in force" not in html

    client.post(url, {"decision": "grant"})
    assert Consent.objects.filter(user=alice).count() == 2
    assert Consent.objects.filter(user=alice, withdrawn_at__isnull=True).count() == 1
    assert "Still in force" in html_of(client.get(url))


def test_it_refuses_a_consent_post_without_a_decision(client: Client, alice: User) -> None:
    client.force_login(alice)
    assert client.post(reverse("accounts:consent"), {"decision": "maybe"}).status_code == 400
    assert not Consent.objects.exists()


def test_it_refuses_consent_changes_from_a_clinician(client: Client, charlie: User) -> None:
    client.force_login(charlie)
    response = client.post(reverse("accounts:consent"), {"decision": "grant"})
    assert response.status_code == 403
    assert not Consent.objects.exists()


# --- Sharing: share codes ----------------------------------------------------------------------


def create_code(client: Client) -> str:
    response = client.post(reverse("accounts:share_code_create"))
    assert response.status_code == 200
    match = re.search(r'<p class="share-code">([0-9A-Z]{4}-[0-9A-Z]{4})</p>', html_of(response))
    assert match
    return match.group(1)


def test_it_shows_a_patient_their_new_share_code_with_its_expiry(
    client: Client, alice: User
) -> None:
    client.force_login(alice)
    response = client.post(reverse("accounts:share_code_create"))

    html = html_of(response)
    assert re.search(r'<p class="share-code">[0-9A-Z]{4}-[0-9A-Z]{4}</p>', html)
    assert "Give this code to one clinician" in html
    assert "(UTC)" in html
    assert_accessible_page(html, "Sharing")
    assert client.get(reverse("accounts:share_code_create")).status_code == 405


def test_it_lets_a_clinician_redeem_a_code_and_then_see_the_patient(
    client: Client, alice: User, charlie: User
) -> None:
    client.force_login(alice)
    code = create_code(client)

    client.get(reverse("accounts:home"))  # shows, and so uses up, the confirmation message
    client.force_login(charlie)
    home = html_of(client.get(reverse("accounts:home")))
    assert "Alice Patient" not in home
    assert "Nobody shares their data with you yet." in home
    response = client.post(reverse("accounts:share_code_redeem"), {"code": code.lower()})

    assert response.status_code == 302
    assert SharingLink.objects.filter(patient=alice, clinician=charlie, revoked_at=None).exists()
    home = html_of(client.get(reverse("accounts:home")))
    assert "Alice Patient" in home
    assert "Alice Patient now shares their data with you." in home

    client.force_login(alice)
    assert "Dr Charlie Clinician" in html_of(client.get(reverse("accounts:sharing")))


def test_it_shows_a_wrong_code_as_an_error_on_the_code_field(client: Client, charlie: User) -> None:
    client.force_login(charlie)
    response = client.post(reverse("accounts:share_code_redeem"), {"code": "ABCD-EFGH"})

    assert response.status_code == 200
    html = html_of(response)
    assert "This code is not valid." in html
    assert 'id="redeem_code_error"' in html
    assert 'href="#redeem_code"' in html
    assert not SharingLink.objects.exists()


def test_it_refuses_a_code_that_was_already_used(
    client: Client, alice: User, charlie: User, dana: User
) -> None:
    code, _share_code = services.share_code_create(patient=alice)
    services.share_code_redeem(clinician=charlie, code=code)

    client.force_login(dana)
    response = client.post(reverse("accounts:share_code_redeem"), {"code": code})
    assert "This code is not valid." in html_of(response)
    assert not SharingLink.objects.filter(clinician=dana).exists()


def test_it_limits_how_many_codes_a_clinician_can_try(
    client: Client, charlie: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DRF reads the rates once, at import; the web form shares them with the API.
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "share_redeem": "2/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    client.force_login(charlie)
    url = reverse("accounts:share_code_redeem")
    assert client.post(url, {"code": "AAAA-AAAA"}).status_code == 200
    assert client.post(url, {"code": "AAAA-AAAA"}).status_code == 200
    response = client.post(url, {"code": "AAAA-AAAA"})
    assert response.status_code == 429
    assert "Too many codes tried" in html_of(response)


def test_it_lets_only_patients_create_codes_and_only_clinicians_redeem_them(
    client: Client, alice: User, charlie: User
) -> None:
    client.force_login(charlie)
    assert client.post(reverse("accounts:share_code_create")).status_code == 403
    client.force_login(alice)
    response = client.post(reverse("accounts:share_code_redeem"), {"code": "AAAA-AAAA"})
    assert response.status_code == 403


# --- Sharing: revoking -------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["alice", "charlie"])
def test_it_lets_either_side_stop_sharing(
    client: Client,
    request: pytest.FixtureRequest,
    alice: User,
    charlie: User,
    alice_shares_with_charlie: SharingLink,
    side: str,
) -> None:
    client.force_login(request.getfixturevalue(side))
    url = reverse("accounts:sharing_revoke", args=[alice_shares_with_charlie.public_id])
    assert url in html_of(client.get(reverse("accounts:sharing")))

    response = client.post(url)

    assert response.status_code == 302
    alice_shares_with_charlie.refresh_from_db()
    assert alice_shares_with_charlie.revoked_at is not None
    client.get(reverse("accounts:home"))  # shows, and so uses up, the confirmation message
    client.force_login(charlie)
    home = html_of(client.get(reverse("accounts:home")))
    assert "Alice Patient" not in home
    assert "Nobody shares their data with you yet." in home


def test_it_answers_404_when_bob_tries_to_revoke_alices_link(
    client: Client, bob: User, alice_shares_with_charlie: SharingLink
) -> None:
    client.force_login(bob)
    url = reverse("accounts:sharing_revoke", args=[alice_shares_with_charlie.public_id])

    assert client.post(url).status_code == 404
    alice_shares_with_charlie.refresh_from_db()
    assert alice_shares_with_charlie.revoked_at is None


def test_it_answers_404_when_another_clinician_tries_to_revoke_a_link(
    client: Client, dana: User, alice_shares_with_charlie: SharingLink
) -> None:
    client.force_login(dana)
    url = reverse("accounts:sharing_revoke", args=[alice_shares_with_charlie.public_id])
    assert client.post(url).status_code == 404


def test_it_only_revokes_with_a_post(
    client: Client, alice: User, alice_shares_with_charlie: SharingLink
) -> None:
    client.force_login(alice)
    url = reverse("accounts:sharing_revoke", args=[alice_shares_with_charlie.public_id])
    assert client.get(url).status_code == 405


# --- Sharing: invitations ----------------------------------------------------------------------


def invite(client: Client, clinician: User, email: str) -> Any:
    client.force_login(clinician)
    return client.post(reverse("accounts:invite_create"), {"email": email}, follow=True)


def test_it_gives_the_same_answer_whether_or_not_the_invited_email_has_an_account(
    client: Client, alice: User, charlie: User
) -> None:
    message = "If this address belongs to a patient or they sign up, they will see your invitation."
    known = invite(client, charlie, "alice@example.org")
    unknown = invite(client, charlie, "nobody@example.org")

    assert message in html_of(known)
    assert message in html_of(unknown)
    assert ClinicianInvite.objects.filter(clinician=charlie).count() == 2
    assert "nobody@example.org" in html_of(unknown)


def test_it_emails_the_invitation_without_any_health_data(
    client: Client,
    alice: User,
    charlie: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, charlie, "alice@example.org")

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["alice@example.org"]
    assert email.subject == "An invitation from Dr Charlie Clinician"
    assert "http://127.0.0.1:8000/sharing/" in email.body
    assert "http://127.0.0.1:8000/signup/" in email.body
    html_body = email.alternatives[0][0]
    assert 'href="http://127.0.0.1:8000/sharing/"' in html_body
    for text in (email.subject, email.body, html_body):
        assert "Alice" not in text


def test_it_lets_a_patient_accept_an_invitation(client: Client, alice: User, charlie: User) -> None:
    invitation = services.invite_create(clinician=charlie, email="alice@example.org")
    client.force_login(alice)
    html = html_of(client.get(reverse("accounts:sharing")))
    assert "Dr Charlie Clinician" in html
    accept_url = reverse("accounts:invite_accept", args=[invitation.public_id])
    assert accept_url in html

    response = client.post(accept_url, follow=True)

    assert "You now share your data with Dr Charlie Clinician." in html_of(response)
    invitation.refresh_from_db()
    assert invitation.status == ClinicianInvite.Status.ACCEPTED
    assert invitation.link is not None
    assert invitation.link.clinician == charlie
    client.force_login(charlie)
    assert "Alice Patient" in html_of(client.get(reverse("accounts:home")))
    assert "Accepted" in html_of(client.get(reverse("accounts:sharing")))


def test_it_lets_a_patient_decline_an_invitation(
    client: Client, alice: User, charlie: User
) -> None:
    invitation = services.invite_create(clinician=charlie, email="alice@example.org")
    client.force_login(alice)

    response = client.post(reverse("accounts:invite_decline", args=[invitation.public_id]))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == ClinicianInvite.Status.DECLINED
    assert not SharingLink.objects.exists()
    assert "You have no open invitations." in html_of(client.get(reverse("accounts:sharing")))


def test_it_answers_404_when_bob_tries_to_accept_alices_invitation(
    client: Client, alice: User, bob: User, charlie: User
) -> None:
    invitation = services.invite_create(clinician=charlie, email="alice@example.org")
    client.force_login(bob)

    response = client.post(reverse("accounts:invite_accept", args=[invitation.public_id]))

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == ClinicianInvite.Status.PENDING
    assert not SharingLink.objects.exists()


def test_it_shows_an_invalid_invite_email_as_a_field_error(client: Client, charlie: User) -> None:
    client.force_login(charlie)
    response = client.post(reverse("accounts:invite_create"), {"email": "not-an-email"})

    assert response.status_code == 200
    html = html_of(response)
    assert 'id="invite_email_error"' in html
    assert not ClinicianInvite.objects.exists()


def test_it_lets_only_clinicians_send_invitations(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post(reverse("accounts:invite_create"), {"email": "bob@example.org"})
    assert response.status_code == 403
    assert not ClinicianInvite.objects.exists()


def test_a_patients_profile_language_wins_over_the_browsers(client: Client, alice: User) -> None:
    services.profile_update(user=alice, actor=alice, data={"language": "it"})
    client.force_login(alice)

    response = client.get(reverse("accounts:home"), HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Language"] == "it"
    assert '<html lang="it"' in response.content.decode()


def test_visitors_get_the_browsers_language(client: Client) -> None:
    response = client.get(reverse("accounts:home"), HTTP_ACCEPT_LANGUAGE="it")

    assert response["Content-Language"] == "it"
