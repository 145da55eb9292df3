"""The one-tap "Answer now" link (issue 18, point 4), attacked first: it opens one form for one
person, once, for a short time, and nothing else; a refused link leads to the login.

The racing double use on real PostgreSQL is in ``test_one_tap_live.py``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import User
from symptoms.models import ReminderOneTap, Report, ReportDraft
from symptoms.reminders import one_tap
from symptoms.reports import services as report_services
from tests.accounts.test_pages import assert_accessible_page
from tests.symptoms.factories import (
    MFIS_ALL_TWOS,
    ReminderOccurrenceFactory,
    ReminderScheduleFactory,
    report,
)

# The reminder went out at 17:00 UTC (the factory's due time); the person taps at 17:05.
NOW = datetime(2025, 6, 17, 17, 5, tzinfo=UTC)
DAILY_ANSWERS = {"fatigue": "6", "mobility": "5", "upper_limb": "3", "pain": "2", "cognition": "4"}
CONFIRM = reverse("symptoms:one_tap_confirm")
CHECK_IN = reverse("symptoms:checkin")
DONE = reverse("symptoms:one_tap_done")


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def issue(patient: User, instrument: str = "daily", **occurrence: object) -> str:
    schedule = ReminderScheduleFactory(patient=patient, instrument=instrument)
    row = ReminderOccurrenceFactory(schedule=schedule, **occurrence)
    return one_tap.one_tap_issue(occurrence=row)


def link(token: str) -> str:
    return reverse("symptoms:one_tap_open", args=[token])


def login_for(path: str) -> str:
    return reverse("accounts:login") + "?next=" + quote(path)


def tap(client: Client, token: str) -> str:
    """Open the link and press the button, as the person does; where it leads."""
    opened = client.get(link(token))
    assert (opened.status_code, opened["Location"]) == (302, CONFIRM)
    assert client.get(CONFIRM).status_code == 200
    pressed = client.post(CONFIRM)
    assert pressed.status_code == 302
    return str(pressed["Location"])


def assert_refused(response: object, next_path: str) -> None:
    assert response.status_code == 404  # type: ignore[attr-defined]
    html = response.content.decode()  # type: ignore[attr-defined]
    assert "This link does not work any more" in html
    assert f'href="{login_for(next_path)}"' in html.replace("&amp;", "&")


def checkin_send(client: Client) -> object:
    page = client.get(CHECK_IN).content.decode()
    match = re.search(r'name="client_id" value="([^"]+)"', page)
    assert match
    return client.post(CHECK_IN, {"client_id": match.group(1), **DAILY_ANSWERS})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- It works, once -----------------------------------------------------------------------------


def test_it_opens_todays_check_in_without_the_password_and_stores_the_answers(
    alice: User, client: Client
) -> None:
    token = issue(alice)

    assert tap(client, token) == CHECK_IN
    page = client.get(CHECK_IN)
    assert page.status_code == 200
    assert 'name="fatigue"' in page.content.decode()
    sent = checkin_send(client)

    assert (sent.status_code, sent["Location"]) == (302, DONE)  # type: ignore[attr-defined]
    assert Report.objects.get().patient == alice
    assert not signed_in(client)  # a form-only grant, never a login
    # The grant ended with the form: the check-in needs a login again.
    assert client.get(CHECK_IN)["Location"] == login_for(CHECK_IN)


def test_a_second_use_is_refused_on_any_device(alice: User, client: Client) -> None:
    token = issue(alice)
    tap(client, token)

    assert_refused(client.get(link(token)), CHECK_IN)
    assert_refused(Client().get(link(token)), CHECK_IN)


def test_a_mail_scanner_opening_the_link_burns_nothing(alice: User, client: Client) -> None:
    token = issue(alice)
    scanner = Client()
    for _ in range(2):
        scanner.get(link(token), follow=True)
        scanner.head(link(token))

    assert tap(client, token) == CHECK_IN


def test_the_token_leaves_the_address_bar_at_once_and_is_never_sent_on(
    alice: User, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    token = issue(alice)
    caplog.set_level(logging.DEBUG)

    opened = client.get(link(token))
    confirm = client.get(CONFIRM)
    assert opened["Referrer-Policy"] == "no-referrer"
    # The confirmation page's address holds no token; its button's POST needs a real Origin.
    assert confirm["Referrer-Policy"] == "same-origin"
    assert "no-store" in opened["Cache-Control"]
    assert token not in confirm.content.decode()
    client.post(CONFIRM)
    # A refused link is answered with a 404, which Django logs with its path: redacted.
    client.get(link(token))
    assert caplog.records
    assert token not in caplog.text


# --- Refused ------------------------------------------------------------------------------------


def test_it_is_refused_after_its_hours_and_after_the_answer_window(
    alice: User, client: Client
) -> None:
    token = issue(alice)  # valid 12 hours, but the window closes at 05:00 tomorrow (12 h 55)
    with time_machine.travel(NOW + timedelta(hours=12), tick=False):
        assert_refused(client.get(link(token)), CHECK_IN)

    closing = issue(alice, "mfis", closes_at=NOW + timedelta(hours=1))
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert_refused(client.get(link(closing)), reverse("symptoms:questionnaire", args=["mfis"]))


def test_it_is_refused_between_opening_and_pressing_once_expired(
    alice: User, client: Client
) -> None:
    token = issue(alice, closes_at=NOW + timedelta(minutes=10))
    client.get(link(token))
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        assert_refused(client.post(CONFIRM), CHECK_IN)
    assert ReminderOneTap.objects.get().used_at is None


def test_a_password_change_refuses_the_token_and_ends_its_grant(
    alice: User, client: Client
) -> None:
    unused, used = issue(alice), issue(alice, "mfis")
    tap(client, used)
    questionnaire = reverse("symptoms:questionnaire", args=["mfis"])
    assert client.get(questionnaire).status_code == 200

    alice.set_password("a new long passphrase")
    alice.save()

    assert_refused(Client().get(link(unused)), CHECK_IN)
    assert client.get(questionnaire)["Location"] == login_for(questionnaire)


def test_it_opens_no_other_form(alice: User, client: Client) -> None:
    tap(client, issue(alice))
    mfis = reverse("symptoms:questionnaire", args=["mfis"])
    assert client.get(mfis)["Location"] == login_for(mfis)

    other = Client()
    assert tap(other, issue(alice, "mfis")) == mfis
    assert other.get(mfis).status_code == 200
    assert other.get(reverse("symptoms:question", args=["mfis", 1])).status_code == 200
    assert other.get(CHECK_IN)["Location"] == login_for(CHECK_IN)
    assert other.get(reverse("symptoms:questionnaire", args=["pdds"])).status_code == 302


@pytest.mark.parametrize("change", ["one letter", "letter case", "cut short", "made longer"])
def test_a_changed_token_is_refused(alice: User, client: Client, change: str) -> None:
    token = issue(alice)
    changed = {
        "one letter": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "letter case": token.swapcase(),
        "cut short": token[:-1],
        "made longer": token + "A",
    }[change]

    assert client.get(link(changed)).status_code == 404
    assert tap(client, token) == CHECK_IN  # the real one still works


def test_someone_signed_in_as_another_person_cannot_use_it(
    alice: User, bob: User, client: Client
) -> None:
    token = issue(alice)
    client.force_login(bob)

    refused = client.get(link(token))
    assert refused.status_code == 404
    assert "logged in with another account" in refused.content.decode()
    assert ReminderOneTap.objects.get().used_at is None


def test_the_owner_already_signed_in_goes_straight_to_the_form(alice: User, client: Client) -> None:
    token = issue(alice)
    client.force_login(alice)

    assert client.get(link(token))["Location"] == CHECK_IN
    assert ReminderOneTap.objects.get().used_at is None


def test_the_grant_is_the_persons_own_form_only(alice: User, bob: User, client: Client) -> None:
    """Bob's reminder opens Bob's check-in: answers sent under it are his, never Alice's."""
    tap(client, issue(bob))
    checkin_send(client)

    assert [r.patient for r in Report.objects.all()] == [bob]


def test_the_grant_opens_nothing_else(alice: User, client: Client) -> None:
    mine = report(alice, "daily")
    tap(client, issue(alice, "mfis"))
    assert "Alice" not in client.get(reverse("accounts:home")).content.decode()  # the landing page
    pages = [
        reverse("accounts:profile"),
        reverse("symptoms:history"),
        reverse("symptoms:reminders"),
        reverse("symptoms:my_data"),
        reverse("symptoms:report", args=[mine.public_id]),
        reverse("symptoms:questionnaire", args=["pdds"]),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code in (302, 403, 404), page
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:login")), page
    for endpoint in ("/api/v1/me/", "/api/v1/reports/", "/api/v1/reminder-schedules/"):
        assert client.get(endpoint).status_code in (401, 403), endpoint
    submitted = client.post(
        "/api/v1/reports/",
        {"instrument": "mfis", "answers": MFIS_ALL_TWOS, "client_id": str(mine.client_id)},
        content_type="application/json",
    )
    assert submitted.status_code in (401, 403)


def test_the_grant_ends_after_its_minutes(alice: User, client: Client) -> None:
    tap(client, issue(alice))
    with time_machine.travel(NOW + timedelta(minutes=61), tick=False):
        assert client.get(CHECK_IN)["Location"] == login_for(CHECK_IN)


def test_an_existing_check_in_is_neither_shown_nor_changed_under_the_grant(
    alice: User, client: Client
) -> None:
    report(alice, "daily", note="private words")
    tap(client, issue(alice))

    shown = client.get(CHECK_IN)

    assert (shown.status_code, shown["Location"]) == (302, DONE)
    assert Report.objects.count() == 1


def test_a_questionnaire_is_sent_under_the_grant_or_kept_for_later(
    alice: User, client: Client
) -> None:
    tap(client, issue(alice, "mfis"))
    later = client.post(
        reverse("symptoms:question", args=["mfis", 1]), {"answer": "2", "action": "later"}
    )
    assert later["Location"] == DONE + "?later=mfis"
    assert "Your answers so far are saved" in client.get(later["Location"]).content.decode()

    report_services.draft_save(patient=alice, instrument="mfis", answers=MFIS_ALL_TWOS, position=21)
    draft = ReportDraft.objects.get(patient=alice)
    sent = client.post(reverse("symptoms:review", args=["mfis"]), {"client_id": draft.client_id})

    assert sent["Location"] == DONE
    assert Report.objects.get().instrument == "mfis"
    assert client.get(reverse("symptoms:questionnaire", args=["mfis"])).status_code == 302


# --- The claim ----------------------------------------------------------------------------------


def _request() -> object:
    request = RequestFactory().post(CONFIRM)
    request.session = SessionStore()
    request.user = AnonymousUser()
    return request


def test_of_two_presses_with_the_same_token_one_wins(alice: User) -> None:
    token = issue(alice)
    first, second = _request(), _request()

    assert one_tap.one_tap_use(first, token) is not None  # type: ignore[arg-type]
    assert one_tap.one_tap_use(second, token) is None  # type: ignore[arg-type]
    assert one_tap.GRANT_SESSION_KEY not in second.session  # type: ignore[attr-defined]


def test_only_a_hash_of_the_token_is_stored(alice: User) -> None:
    token = issue(alice)
    row = ReminderOneTap.objects.get()
    assert token not in {row.token_hash, row.password_mark}
    assert len(token) >= 43  # 256 random bits


def test_a_resend_replaces_the_token(alice: User) -> None:
    schedule = ReminderScheduleFactory(patient=alice)
    row = ReminderOccurrenceFactory(schedule=schedule)
    first = one_tap.one_tap_issue(occurrence=row)
    second = one_tap.one_tap_issue(occurrence=row)

    assert one_tap.one_tap_check(first) is None
    assert one_tap.one_tap_check(second) is not None


def test_its_pages_keep_the_page_rules_and_show_nobody(alice: User, client: Client) -> None:
    token = issue(alice, "mfis")
    client.get(link(token))
    pages = {
        "Open your questionnaire": client.get(CONFIRM),
        "Thank you: your answers are saved": client.get(DONE),
        "Your answers so far are saved": client.get(DONE + "?later=mfis"),
        "This link does not work any more": client.get(link(token + "x")),
    }
    for h1, response in pages.items():
        html = response.content.decode()
        assert_accessible_page(html, h1)
        assert "Alice" not in html
        assert "alice@example.org" not in html
