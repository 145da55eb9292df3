"""No English left: every page and email of each role, in each offered language other than
English, read as text for English sentences (docs/translation.md).

The languages come from ``settings.LANGUAGES``, so a language joins this walk as soon as its
catalogue is complete. The check reads the rendered text (and the alt, title, aria-label and
placeholder attributes) and flags a stretch of text with an English-only word, apart from a
short allow-list of names, codes and bibliographic references that are the same in every
language.
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from accounts.models import ClinicianInvite, User
from symptoms.models import ReminderSchedule, Report
from symptoms.reports.demo import demo_history_create
from tests.symptoms.factories import (
    ReminderOccurrenceFactory,
    ReminderScheduleFactory,
    published_release,
)

pytestmark = pytest.mark.django_db

TRANSLATED = [code for code, _ in settings.LANGUAGES if code != "en"]
NOW = datetime(2026, 3, 18, 10, 30, tzinfo=UTC)
TODAY = date(2026, 3, 18)

# Words that are English and neither Italian nor French ("on", "page", "question", "patient",
# "change", "scale", "data", "no", "questionnaire" are left out: they are words there too).
# One of them in a stretch of text is an English sentence or label left untranslated.
ENGLISH_WORDS = frozenset(
    [
        "the",
        "and",
        "your",
        "you",
        "with",
        "this",
        "that",
        "what",
        "which",
        "have",
        "has",
        "are",
        "were",
        "was",
        "will",
        "would",
        "there",
        "their",
        "been",
        "than",
        "when",
        "about",
        "only",
        "each",
        "every",
        "here",
        "please",
        "enter",
        "choose",
        "should",
        "must",
        "cannot",
        "does",
        "into",
        "our",
        "we",
        "my",
        "is",
        "it's",
        "isn't",
        "don't",
        "can't",
        "yet",
        "how",
        "why",
        "who",
        "from",
        "see",
        "log",
        "sign",
        "save",
        "cancel",
        "next",
        "back",
        "delete",
        "remove",
        "add",
        "edit",
        "send",
        "answer",
        "answered",
        "today",
        "week",
        "weeks",
        "month",
        "months",
        "day",
        "days",
        "year",
        "years",
        "daily",
        "weekly",
        "reminder",
        "reminders",
        "history",
        "sharing",
        "share",
        "researcher",
        "researchers",
        "clinician",
        "clinicians",
        "scales",
        "threshold",
        "baseline",
        "worse",
        "better",
        "none",
        "not",
        "all",
        "any",
        "more",
        "less",
        "new",
        "old",
        "other",
        "home",
        "own",
        "up",
        "down",
        "out",
        "off",
        "at",
        "by",
        "of",
        "to",
    ]
)
# Text that reads the same in every language: the product's and people's names, codes, units,
# and references to published sources.
ALLOWED = [
    re.compile(pattern)
    for pattern in [
        r"MS Symptom Tracker",
        r"\bCC BY(?:-[A-Z]+)* \d\.\d\b",  # licence names
        # Category codes of the research downloads, quoted where the codebook explains them.
        # (French sets a space before ":" and ";".)
        r"\b(?:other_or_undisclosed|other|unknown)\b(?=\s?[:;).]| \()",
        r"https?://\S+",
        r"\b[A-Z][a-z]+ (?:Patient|Clinician|Researcher|Staff)\b",  # the personas' names
        r"\bDr\b",
        r"\b[\w.+-]+@[\w.-]+\b",  # email addresses
        r"\b[A-Z][A-Za-z]+/[\w/+-]+",  # IANA time zones: Europe/Rome, America/New_York
    ]
]


def visible_text(page: str) -> list[str]:
    """The stretches of text a person reads or hears, one per text node or attribute."""
    # Codes (<code>) and bibliographic references (<cite>) read the same in every language.
    page = re.sub(r"<(script|style|code|cite)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    attributes = re.findall(r'\b(?:alt|title|aria-label|placeholder)="([^"]*)"', page)
    nodes = re.split(r"<[^>]+>", page)
    return [
        html_module.unescape(text).strip()
        for text in [*nodes, *attributes]
        if re.search(r"[^\W\d_]", text)
    ]


def english_in(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        cleaned = text
        for pattern in ALLOWED:
            cleaned = pattern.sub(" ", cleaned)
        # Whole words, accented letters included: "noté" is not "not".
        words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)*", cleaned.lower())
        if any(word in ENGLISH_WORDS for word in words):
            found.append(text)
    return found


def assert_no_english(what: str, page: str, language: str) -> None:
    assert f'<html lang="{language}"' in page or "<html" not in page, what
    left = english_in(visible_text(page))
    assert left == [], f"{what} in {language}: English left: {left}"


def test_the_check_finds_english_and_spares_names_and_citations() -> None:
    page = (
        '<html lang="it"><p>Ciao, Alice Patient</p><img alt="Grafico della fatica">'
        "<p><cite>Zackowski KM et al. Prioritizing progressive MS rehabilitation research.</cite>"
        "</p><p>Fuso orario: Europe/Isle_of_Man, <code>other_or_undisclosed</code></p>"
        '<p>Save your changes</p><button aria-label="Delete the reminder">x</button></html>'
    )
    assert english_in(visible_text(page)) == ["Save your changes", "Delete the reminder"]


# --- The people and what they have -----------------------------------------------------------


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(alice: User, charlie: User, ruth: User, sam: User, rita: User) -> dict[str, Any]:
    """Alice with a year of history, sharing with Charlie; a published release; a reminder."""
    demo_history_create(patient=alice, today=TODAY)
    account_services.consent_set(user=alice, granted=True)
    code, _ = account_services.share_code_create(patient=alice)
    account_services.share_code_redeem(clinician=charlie, code=code)
    # A quarter that has ended and settled by TODAY: only those can be released.
    release = published_release(people=11, on=date(2025, 8, 12))
    schedule = ReminderScheduleFactory(patient=alice, instrument="daily")
    return {"release": release, "schedule": schedule}


def client_in(language: str, user: User | None = None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        if user.role == "patient":
            account_services.profile_update(user=user, actor=user, data={"language": language})
        client.force_login(user)
    return client


def walk(client: Client, language: str, urls: list[str]) -> None:
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        if response["Content-Type"].split(";")[0] in ("text/html", "image/svg+xml"):
            assert_no_english(url, response.content.decode(), language)


def patient_urls(alice: User, world: dict[str, Any]) -> list[str]:
    report = Report.objects.filter(patient=alice).latest("completed_at")
    schedule: ReminderSchedule = world["schedule"]
    return [
        reverse("accounts:home"),
        reverse("symptoms:checkin"),
        reverse("symptoms:questionnaire", args=["fss"]),
        reverse("symptoms:question", args=["fss", 1]),
        reverse("symptoms:review", args=["fss"]),
        reverse("symptoms:report", args=[report.public_id]),
        reverse("symptoms:history"),
        reverse("symptoms:history_chart", args=["fatigue"]),
        reverse("symptoms:my_data"),
        reverse("symptoms:data_views"),
        reverse("symptoms:reminders"),
        reverse("symptoms:reminder_edit", args=[schedule.public_id]),
        reverse("symptoms:reminder_manage", args=["not-a-valid-token"]),
        reverse("accounts:profile"),
        reverse("accounts:sessions"),
        reverse("accounts:consent"),
        reverse("accounts:sharing"),
        reverse("account_change_password"),
        reverse("account_email"),
        reverse("mfa_index"),
        reverse("symptoms:clinic_patients"),  # 403 for a patient
        "/no-such-page/",
    ]


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_patient_s_pages_have_no_english(
    language: str, alice: User, world: dict[str, Any]
) -> None:
    client = client_in(language, alice)
    walk(client, language, patient_urls(alice, world))
    streamed = client.get(reverse("symptoms:my_data_table")).streaming_content
    table = b"".join(streamed).decode("utf-8-sig")
    cells = [cell for line in table.splitlines() for cell in line.split(";")]
    assert english_in(cells) == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_clinician_s_pages_have_no_english(
    language: str, alice: User, charlie: User, world: dict[str, Any]
) -> None:
    urls = [
        reverse("accounts:home"),
        reverse("symptoms:clinic_patients"),
        reverse("symptoms:clinic_patient", args=[alice.public_id]),
        reverse("symptoms:clinic_summary", args=[alice.public_id]),
        reverse("symptoms:clinic_chart", args=[alice.public_id, "fatigue"]),
        reverse("accounts:sharing"),
        reverse("accounts:sessions"),
        reverse("mfa_index"),
        reverse("symptoms:checkin"),  # 403 for a clinician
    ]
    walk(client_in(language, charlie), language, urls)


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_researcher_s_pages_have_no_english(
    language: str, ruth: User, rita: User, world: dict[str, Any]
) -> None:
    release = world["release"]
    urls = [
        reverse("accounts:home"),
        reverse("symptoms:research_home"),
        reverse("symptoms:research_releases"),
        reverse("symptoms:research_release", args=[release.public_id]),
        reverse("symptoms:research_priorities"),
    ]
    walk(client_in(language, ruth), language, urls)
    walk(client_in(language, rita), language, [reverse("accounts:home")])


@pytest.mark.parametrize("language", TRANSLATED)
def test_staff_pages_have_no_english(language: str, sam: User, world: dict[str, Any]) -> None:
    urls = [reverse("accounts:home"), reverse("symptoms:staff_home")]
    walk(client_in(language, sam), language, urls)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_pages_before_signing_in_have_no_english(language: str, world: dict[str, Any]) -> None:
    urls = [
        reverse("accounts:home"),
        reverse("accounts:login"),
        reverse("accounts:signup"),
        reverse("accounts:researcher_signup"),
        reverse("account_reset_password"),
        reverse("symptoms:research_priorities"),
        reverse("symptoms:research_priorities_chart"),
        "/no-such-page/",
    ]
    walk(client_in(language), language, urls)


# --- Emails ------------------------------------------------------------------------------------


def assert_email_has_no_english(message: Any, language: str) -> None:
    assert english_in([message.subject]) == [], message.subject
    left = english_in([line for line in message.body.splitlines() if line.strip()])
    assert left == [], f"email {message.subject!r} in {language}: English left: {left}"
    for content, kind in getattr(message, "alternatives", []):
        if kind == "text/html":
            assert english_in(visible_text(content)) == [], message.subject


@pytest.mark.parametrize("language", TRANSLATED)
def test_sign_up_and_password_reset_emails_have_no_english(language: str, db: Any) -> None:
    client = client_in(language)
    data = {
        "email": "erin@example.org",
        "full_name": "Erin Example",
        "password1": "correct horse battery staple",
        "password2": "correct horse battery staple",
        "country": "IT",
        "time_zone": "Europe/Rome",
        "language": language,
        "reminder_frequency": "none",
    }
    assert client.post(reverse("accounts:signup"), data).status_code == 302
    client.post(reverse("account_reset_password"), {"email": "erin@example.org"})
    assert len(mail.outbox) >= 2
    for message in mail.outbox:
        assert_email_has_no_english(message, language)


@pytest.mark.parametrize("language", TRANSLATED)
def test_invitation_and_reminder_emails_have_no_english(
    language: str,
    alice: User,
    charlie: User,
    send_reminder: Callable[[User], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    account_services.profile_update(user=alice, actor=alice, data={"language": language})
    client = client_in(language, charlie)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:invite_create"), {"email": alice.email})
        client.post(reverse("accounts:invite_create"), {"email": "newcomer@example.org"})
    assert ClinicianInvite.objects.count() == 2
    send_reminder(alice)
    assert len(mail.outbox) == 4
    for message in mail.outbox:
        assert_email_has_no_english(message, language)


@pytest.fixture
def send_reminder() -> Callable[[User], Any]:
    """Send ``patient`` the daily check-in's reminder and a questionnaire's, due now."""
    from symptoms.reminders.occurrences import Status
    from symptoms.reminders.sending import Outcome, reminder_send

    def send(patient: User) -> None:
        for instrument in ("daily", "mfis"):
            schedule = ReminderScheduleFactory(patient=patient, instrument=instrument)
            row = ReminderOccurrenceFactory(schedule=schedule, due_at=NOW, status=Status.QUEUED)
            assert reminder_send(occurrence_id=row.pk, now=NOW).outcome == Outcome.SENT

    return send


@pytest.mark.parametrize("language", TRANSLATED)
def test_api_errors_are_in_the_language_asked_with_english_codes(
    language: str, api: Any, alice: User
) -> None:
    body = api.get("/api/v1/me/export/", HTTP_ACCEPT_LANGUAGE=language).json()

    [error] = body["errors"]
    assert error["code"] == "not_authenticated"
    assert english_in([error["detail"]]) == [], error["detail"]
