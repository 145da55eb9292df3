"""The patient's self-report pages: every page for the right person, the home page, the daily
check-in, questionnaires one question per page, and the receipt. What each form stores
(through the services), and the accessibility and CSP rules every page keeps."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from symptoms.models import InstrumentText, Report, ReportDraft, ReportScore
from tests.accounts.test_pages import assert_accessible_page, html_of, title_of
from tests.symptoms.factories import MFIS_ALL_TWOS, PAGES_NOW, report

pytestmark = pytest.mark.usefixtures("pages_clock")
NOW = PAGES_NOW
TODAY = NOW.date()


def client_id_of(html: str) -> str:
    match = re.search(r'<input type="hidden" name="client_id" value="([^"]+)"', html)
    assert match, "the form carries a client_id"
    return match.group(1)


def checkin_post(client: Client, **answers: str) -> Any:
    """Open the check-in page, as the browser does, and send it with ``answers``."""
    page = html_of(client.get(reverse("symptoms:checkin")))
    return client.post(reverse("symptoms:checkin"), {"client_id": client_id_of(page), **answers})


def question_url(number: int, code: str = "mfis") -> str:
    return reverse("symptoms:question", kwargs={"code": code, "number": number})


def draft_of(patient: User, code: str = "mfis") -> ReportDraft:
    return ReportDraft.objects.get(patient=patient, instrument=code)


# --- Every page, for the right person ----------------------------------------------------------

PAGES = [
    ("symptoms:checkin", {}, "Today's check-in"),
    ("symptoms:questionnaire", {"code": "mfis"}, "Modified Fatigue Impact Scale"),
    ("symptoms:question", {"code": "mfis", "number": 1}, "Less alert"),
    ("symptoms:review", {"code": "mfis"}, "Check your answers"),
    ("symptoms:history", {}, "Your history"),
    ("symptoms:my_data", {}, "Your data"),
]


@pytest.mark.parametrize(("url_name", "kwargs", "h1"), PAGES)
def test_it_renders_each_page_accessibly_for_a_patient(
    alice_client: Client, url_name: str, kwargs: dict[str, Any], h1: str
) -> None:
    response = alice_client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 200
    html = html_of(response)
    assert_accessible_page(html, h1)
    assert '<link rel="stylesheet" href="/static/symptoms/symptoms.css">' in html


@pytest.mark.parametrize(("url_name", "kwargs", "h1"), PAGES)
@pytest.mark.parametrize("persona", ["charlie", "rita", "sam"])
def test_it_refuses_the_symptom_pages_to_other_roles(
    client: Client,
    request: pytest.FixtureRequest,
    persona: str,
    url_name: str,
    kwargs: dict[str, Any],
    h1: str,
) -> None:
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 403
    assert_accessible_page(html_of(response), "This page is not available to you")


@pytest.mark.parametrize(("url_name", "kwargs", "h1"), PAGES)
def test_it_sends_anonymous_visitors_to_log_in(
    client: Client, db: Any, url_name: str, kwargs: dict[str, Any], h1: str
) -> None:
    url = reverse(url_name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_it_shows_patients_the_new_pages_in_the_navigation(
    client: Client, alice: User, charlie: User
) -> None:
    client.force_login(alice)
    nav = html_of(client.get(reverse("symptoms:history"))).split("</nav>")[0]
    assert '<a href="/check-in/">Check-in</a>' in nav
    assert '<a href="/history/" aria-current="page">History</a>' in nav
    assert '<a href="/my-data/">Your data</a>' in nav
    client.force_login(charlie)
    assert "/check-in/" not in html_of(client.get(reverse("accounts:home")))


def test_it_gives_each_page_its_own_title(alice_client: Client) -> None:
    titles = {title_of(html_of(alice_client.get(reverse(n, kwargs=k)))) for n, k, _h1 in PAGES}
    assert len(titles) == len(PAGES)


def test_it_answers_404_for_an_unknown_questionnaire_or_question(alice_client: Client) -> None:
    assert alice_client.get("/questionnaires/nope/").status_code == 404
    assert alice_client.get(reverse("symptoms:questionnaire", args=["daily"])).status_code == 404
    assert alice_client.get(question_url(0)).status_code == 404
    assert alice_client.get(question_url(22)).status_code == 404


# --- Home --------------------------------------------------------------------------------------


def test_it_invites_a_patient_to_start_today_s_check_in(alice_client: Client) -> None:
    html = html_of(alice_client.get(reverse("accounts:home")))
    assert_accessible_page(html, "Hello, Alice")
    assert '<a class="button button--large" href="/check-in/">Start today\'s check-in</a>' in html
    assert f'href="{reverse("symptoms:history")}"' in html
    assert f'href="{reverse("symptoms:my_data")}"' in html
    # Never-answered questionnaires are due, each with a link to its introduction.
    assert "Modified Fatigue Impact Scale" in html
    assert f'href="{reverse("symptoms:questionnaire", args=["mfis"])}"' in html
    assert "Due now." in html
    assert "Not done yet." in html
    # Questionnaires nobody asked for yet wait, one click away.
    others = html.split("<summary>Other questionnaires you can answer at any time</summary>")[1]
    assert "Fatigue Severity Scale" in others.split("</details>")[0]


def test_it_shows_when_today_s_check_in_was_saved(alice_client: Client, alice: User) -> None:
    report(alice)
    report(alice, "mfis", MFIS_ALL_TWOS, on=TODAY - timedelta(days=3))

    html = html_of(alice_client.get(reverse("accounts:home")))
    assert "Saved at 10:30 a.m." in html
    assert '<a href="/check-in/">Change today\'s answers</a>' in html
    assert "Start today" not in html
    assert "Last done on June 15, 2025." in html


def test_it_offers_to_resume_a_questionnaire_left_part_way(
    alice_client: Client, alice: User
) -> None:
    alice_client.post(question_url(1), {"answer": "3", "action": "later"})

    html = html_of(alice_client.get(reverse("accounts:home")))
    assert "Started: 1 question answered so far." in html
    assert re.search(r">Resume<span class=\"visually-hidden\"> Modified Fatigue Impact", html)


# --- Daily check-in ----------------------------------------------------------------------------


def test_it_shows_five_rating_groups_with_skip_answers_context_and_a_private_note(
    alice_client: Client,
) -> None:
    html = html_of(alice_client.get(reverse("symptoms:checkin")))
    legends = re.findall(r'<legend class="answer-legend">(.*?)</legend>', html)
    assert legends == [
        "Tiredness or lack of energy today",
        "Difficulty walking or moving around today",
        "Difficulty using arms and hands today",
        "Pain or unpleasant sensations today",
        "Difficulty thinking, concentrating or remembering today",
    ]
    # 11 ratings and two skip answers in one radio group, so the arrow keys reach them all.
    assert len(re.findall(r'<input type="radio" name="fatigue"', html)) == 13
    assert '<input type="radio" name="fatigue" value="unable" id="id_fatigue_11">' in html
    assert '<label for="id_fatigue_12">Too tired to answer</label>' in html
    # The anchors are in words, and each radio has a label.
    assert (
        '<p class="visually-hidden" id="id_fatigue_hint">0 - none; 10 - worst imaginable</p>'
        in html
    )
    assert '<p class="scale-anchor" aria-hidden="true">0 - none</p>' in html
    assert (
        '<p class="scale-anchor scale-anchor--end" aria-hidden="true">10 - worst imaginable</p>'
        in html
    )
    assert '<fieldset class="answer-group" aria-describedby="id_fatigue_hint">' in html
    for control_id in re.findall(r'<input type="(?:radio|checkbox)"[^>]*\sid="([^"]+)"', html):
        assert f'for="{control_id}"' in html, control_id
    assert '<label for="id_context_tags_2">Poor sleep</label>' in html
    assert '<label for="id_context_tags_6">A suspected relapse</label>' in html
    assert 'maxlength="500"' in html
    assert "Only you and the clinicians you share with can read it" in html
    assert "it is never shared with researchers" in html
    uuid.UUID(client_id_of(html))


def test_it_stores_a_check_in_and_shows_its_receipt(alice_client: Client, alice: User) -> None:
    response = checkin_post(
        alice_client,
        fatigue="7",
        mobility="5",
        upper_limb="0",
        pain="10",
        cognition="3",
        context_tags=["heat", "poor_sleep"],
        note="Hot day.\r\nSlept badly.",
    )

    saved = Report.objects.get(patient=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("symptoms:report", args=[saved.public_id])
    assert saved.instrument == "daily"
    assert saved.local_date == TODAY
    assert saved.answers == {
        "fatigue": 7,
        "mobility": 5,
        "upper_limb": 0,
        "pain": 10,
        "cognition": 3,
    }
    assert saved.scores == {
        "fatigue": 7,
        "mobility": 5,
        "upper_limb": 0,
        "pain": 10,
        "cognition": 3,
    }
    assert saved.context_tags == ["heat", "poor_sleep"]
    assert saved.note == "Hot day.\nSlept badly."
    assert ReportScore.objects.filter(report=saved).count() == 5

    html = html_of(alice_client.get(response["Location"]))
    assert_accessible_page(html, "Saved")
    assert '<div class="confirmation" role="status">' in html
    assert "Your Daily check-in for June 18, 2025 is saved." in html
    assert '<th scope="row">Tiredness or lack of energy today</th>\n      <td>7</td>' in html
    assert "<td>10 - worst imaginable</td>" in html
    assert '<th scope="row">Fatigue (0-10)</th>\n      <td>7</td>' in html
    assert "0 to 10, higher is worse" in html
    assert "Heat, Poor sleep" in html
    assert "Hot day.<br>Slept badly." in html
    assert '<a class="button" href="/check-in/">Change today\'s answers</a>' in html


def test_it_stores_skip_answers_as_answers_with_no_score(alice_client: Client, alice: User) -> None:
    response = checkin_post(alice_client, fatigue="unable", pain="too_tired", mobility="4")

    saved = Report.objects.get(patient=alice)
    assert saved.answers == {"fatigue": "unable", "mobility": 4, "pain": "too_tired"}
    assert saved.scores["fatigue"] is None
    assert saved.scores["pain"] is None
    assert saved.scores["mobility"] == 4
    assert list(ReportScore.objects.values_list("scale", flat=True)) == ["mobility"]

    html = html_of(alice_client.get(response["Location"]))
    assert "<td>Unable to answer</td>" in html
    assert "No score. The answer was “Too tired to answer”." in html
    assert "No score. This question was not answered." in html


def test_it_stores_one_report_when_the_same_page_is_sent_twice(
    alice_client: Client, alice: User
) -> None:
    page = html_of(alice_client.get(reverse("symptoms:checkin")))
    data = {"client_id": client_id_of(page), "fatigue": "6", "pain": "2"}

    first = alice_client.post(reverse("symptoms:checkin"), data)
    second = alice_client.post(reverse("symptoms:checkin"), data)

    assert Report.objects.filter(patient=alice).count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_it_stores_one_correction_when_the_correction_page_is_sent_twice(
    alice_client: Client, alice: User
) -> None:
    original = report(alice)
    page = html_of(alice_client.get(reverse("symptoms:checkin")))
    data = {"client_id": client_id_of(page), "fatigue": "3"}

    first = alice_client.post(reverse("symptoms:checkin"), data)
    second = alice_client.post(reverse("symptoms:checkin"), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    correction = Report.objects.current().get(patient=alice)
    assert correction.supersedes == original
    assert Report.objects.filter(patient=alice).count() == 2


def test_a_check_in_sent_from_the_page_takes_a_fixed_number_of_queries(
    alice_client: Client, alice: User
) -> None:
    page = html_of(alice_client.get(reverse("symptoms:checkin")))
    data = {"client_id": client_id_of(page), "fatigue": "6", "pain": "2"}

    with CaptureQueriesContext(connection) as queries:
        response = alice_client.post(reverse("symptoms:checkin"), data)

    assert response.status_code == 302
    # The page's own: the session, the person, the profile (today's date), the check-in's
    # wording, today's check-in (to store a correction if there is one), and the session's
    # save with its savepoint and release (every request: the idle timeout). The service's:
    # a savepoint, the report, its score rows, the reminder look-up, the release. The test's
    # transaction turns each transaction into a savepoint: in production 9, without those 4.
    assert len(queries) == 13, "\n".join(query["sql"][:120] for query in queries)


def test_it_offers_to_correct_when_a_sent_page_is_sent_again_with_other_answers(
    alice_client: Client, alice: User
) -> None:
    page = html_of(alice_client.get(reverse("symptoms:checkin")))
    client_id = client_id_of(page)
    alice_client.post(reverse("symptoms:checkin"), {"client_id": client_id, "fatigue": "6"})

    # Back in the browser, another answer, Save: the same client_id with other answers.
    response = alice_client.post(
        reverse("symptoms:checkin"), {"client_id": client_id, "fatigue": "8"}
    )

    html = html_of(response)
    assert "This page was already saved once, with other answers." in html
    assert Report.objects.get(patient=alice).answers == {"fatigue": 6}
    assert client_id_of(html) != client_id
    alice_client.post(
        reverse("symptoms:checkin"), {"client_id": client_id_of(html), "fatigue": "8"}
    )
    assert Report.objects.current().get(patient=alice).answers == {"fatigue": 8}


def test_it_fills_in_today_s_check_in_and_sends_changes_as_a_correction(
    alice_client: Client, alice: User
) -> None:
    original = report(alice, answers={"fatigue": 6, "mobility": 5}, context_tags=["stress"])

    page = html_of(alice_client.get(reverse("symptoms:checkin")))
    assert_accessible_page(page, "Change today's check-in")
    assert "You saved today's answers at 10:30 a.m." in page
    assert '<input type="radio" name="fatigue" value="6" id="id_fatigue_6" checked>' in page
    assert re.search(r'<input type="checkbox" name="context_tags" value="stress"[^>]*checked', page)

    response = alice_client.post(
        reverse("symptoms:checkin"),
        {"client_id": client_id_of(page), "fatigue": "8", "mobility": "5"},
    )

    correction = Report.objects.current().get(patient=alice)
    assert correction.supersedes == original
    assert correction.answers == {"fatigue": 8, "mobility": 5}
    assert correction.local_date == TODAY
    assert Report.objects.filter(patient=alice).count() == 2
    assert set(ReportScore.objects.values_list("report", flat=True)) == {correction.pk}
    assert response["Location"] == reverse("symptoms:report", args=[correction.public_id])
    old_receipt = html_of(alice_client.get(reverse("symptoms:report", args=[original.public_id])))
    assert "This report was corrected on June 18, 2025, 10:30 a.m." in old_receipt
    assert reverse("symptoms:report", args=[correction.public_id]) in old_receipt
    assert "Change today" not in old_receipt


def test_it_asks_for_at_least_one_answer_and_stores_nothing(
    alice_client: Client, alice: User
) -> None:
    response = checkin_post(alice_client, note="Only a note.")

    assert response.status_code == 200
    html = html_of(response)
    assert title_of(html).startswith("Error:")
    assert 'class="error-summary"' in html
    assert (
        '<a href="#id_fatigue_0">Answer at least one question, for example '
        "“Tiredness or lack of energy today”.</a>"
    ) in html
    assert 'id="id_fatigue_error"' in html
    assert 'aria-describedby="id_fatigue_hint id_fatigue_error"' in html
    assert "Only a note." in html  # what was typed is kept
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"fatigue": "11"}, "fatigue", "Select a valid choice."),
        ({"fatigue": "na"}, "fatigue", "Select a valid choice."),
        ({"fatigue": "3", "context_tags": ["sunburn"]}, "context_tags", "Select a valid choice."),
        ({"fatigue": "3", "note": "x" * 501}, "note", "at most 500 characters"),
    ],
)
def test_it_names_the_field_of_an_invalid_answer(
    alice_client: Client, data: dict[str, Any], field: str, message: str
) -> None:
    response = checkin_post(alice_client, **data)

    html = html_of(response)
    assert message in html
    assert f'id="id_{field}_error"' in html
    assert f'href="#id_{field}' in html
    assert not Report.objects.exists()


# --- Questionnaires ----------------------------------------------------------------------------


def test_it_introduces_a_questionnaire(alice_client: Client) -> None:
    html = html_of(alice_client.get(reverse("symptoms:questionnaire", args=["mfis"])))
    assert "Think of the past 4 weeks." in html
    assert "21 questions, one per page." in html
    assert "About 6 minutes." in html
    assert f'href="{question_url(1)}"' in html
    assert "© 1997 National Multiple Sclerosis Society (MSQLI)" in html


def test_it_shows_one_question_with_its_progress(alice_client: Client) -> None:
    html = html_of(alice_client.get(question_url(3)))
    assert '<h1 class="answer-heading">Thinking not clear</h1>' in html
    assert "Question 3 of 21" in html
    assert '<progress max="21" value="3" aria-labelledby="progress-label">' in html
    assert '<label for="id_answer_4">Almost always</label>' in html
    buttons = re.findall(r'<button type="submit" name="action" value="(\w+)"', html)
    assert buttons == ["next", "skip", "back", "later"]  # Enter means Next


def test_it_saves_the_draft_on_next_skip_and_back(alice_client: Client, alice: User) -> None:
    response = alice_client.post(question_url(1), {"answer": "2", "action": "next"})
    assert response["Location"] == question_url(2)
    assert (draft_of(alice).answers, draft_of(alice).position) == ({"1": 2}, 1)

    alice_client.post(question_url(2), {"answer": "4", "action": "next"})
    response = alice_client.post(question_url(2), {"answer": "1", "action": "skip"})
    assert response["Location"] == question_url(3)
    assert (draft_of(alice).answers, draft_of(alice).position) == ({"1": 2}, 2)

    # Back keeps what was chosen on the page it leaves.
    response = alice_client.post(question_url(3), {"answer": "0", "action": "back"})
    assert response["Location"] == question_url(2)
    assert (draft_of(alice).answers, draft_of(alice).position) == ({"1": 2, "3": 0}, 1)

    response = alice_client.post(question_url(1), {"action": "back"})
    assert response["Location"] == reverse("symptoms:questionnaire", args=["mfis"])
    assert not Report.objects.exists()


def test_it_resumes_a_questionnaire_where_it_was_saved(alice_client: Client, alice: User) -> None:
    alice_client.post(question_url(1), {"answer": "3", "action": "next"})
    response = alice_client.post(question_url(2), {"answer": "1", "action": "later"})
    assert response["Location"] == reverse("accounts:home")
    assert draft_of(alice).position == 1
    home = html_of(alice_client.get(response["Location"]))
    assert "Your answers so far are saved. Carry on whenever you like." in home

    intro = html_of(alice_client.get(reverse("symptoms:questionnaire", args=["mfis"])))
    assert "answered 2 of 21 questions" in intro
    assert f'<a class="button button--large" href="{question_url(2)}">Carry on' in intro
    page = html_of(alice_client.get(question_url(2)))
    assert '<input type="radio" name="answer" value="1" id="id_answer_1" checked>' in page


def test_it_starts_a_questionnaire_again_without_the_old_answers(
    alice_client: Client, alice: User
) -> None:
    alice_client.post(question_url(1), {"answer": "3", "action": "later"})

    response = alice_client.post(reverse("symptoms:questionnaire_restart", args=["mfis"]))

    assert response["Location"] == question_url(1)
    assert not ReportDraft.objects.filter(patient=alice).exists()


def test_it_uses_the_official_wording_when_the_site_imported_it(
    alice_client: Client, alice: User
) -> None:
    InstrumentText.objects.create(
        instrument="mfis",
        instrument_version="1",
        language="en",
        items={"1": {"text": "Official item one", "options": {"0": "Official never"}}},
        source="Licensed copy 2025",
    )
    html = html_of(alice_client.get(question_url(1)))
    assert '<h1 class="answer-heading">Official item one</h1>' in html
    assert '<label for="id_answer_0">Official never</label>' in html
    assert '<label for="id_answer_1">Rarely</label>' in html  # not in the file: our label
    assert "Wording: Licensed copy 2025" in html
    assert "Hard to keep attention" in html_of(alice_client.get(question_url(2)))


def test_it_refuses_an_answer_that_is_not_an_option(alice_client: Client, alice: User) -> None:
    response = alice_client.post(question_url(1), {"answer": "9", "action": "next"})

    assert response.status_code == 200
    assert 'href="#id_answer_0">Select a valid choice.' in html_of(response)
    assert not ReportDraft.objects.exists()
    assert alice_client.post(question_url(1), {"action": "jump"}).status_code == 400


def test_it_reviews_every_answer_with_a_link_to_change_it(
    alice_client: Client, alice: User
) -> None:
    alice_client.post(question_url(1), {"answer": "0", "action": "next"})
    alice_client.post(question_url(2), {"answer": "4", "action": "next"})

    html = html_of(alice_client.get(reverse("symptoms:review", args=["mfis"])))
    assert_accessible_page(html, "Check your answers")
    assert "You answered 2 of 21 questions." in html
    assert re.search(r"<dt>1\. Less alert</dt>\s*<dd class=\"answer-value\">Never</dd>", html)
    assert re.search(r"<dt>2\. Hard to keep attention</dt>\s*<dd[^>]*>Almost always</dd>", html)
    assert html.count(">Not answered</span>") == 19
    assert f'href="{question_url(3)}?review=1"' in html
    # The total needs every item: the person is told before sending.
    assert "Some scores cannot be worked out" in html
    assert "2 of 21 questions were answered; this score needs at least 21." in html


def test_it_goes_back_to_the_review_after_a_change(alice_client: Client, alice: User) -> None:
    alice_client.post(question_url(1), {"answer": "0", "action": "next"})

    url = f"{question_url(5)}?review=1"
    assert "Save and go back to the review" in html_of(alice_client.get(url))
    response = alice_client.post(url, {"answer": "3", "action": "next"})

    assert response["Location"] == reverse("symptoms:review", args=["mfis"])
    assert draft_of(alice).answers == {"1": 0, "5": 3}


def test_it_submits_a_questionnaire_once_and_deletes_the_draft(
    alice_client: Client, alice: User
) -> None:
    for number in range(1, 22):
        alice_client.post(question_url(number), {"answer": "2", "action": "next"})
    review_url = reverse("symptoms:review", args=["mfis"])
    page = html_of(alice_client.get(review_url))
    assert "Some scores cannot be worked out" not in page
    data = {"client_id": client_id_of(page)}
    assert data["client_id"] == str(draft_of(alice).client_id)

    first = alice_client.post(review_url, data)
    second = alice_client.post(review_url, data)  # a double click

    saved = Report.objects.get(patient=alice)
    assert saved.instrument == "mfis"
    assert saved.answers == MFIS_ALL_TWOS
    assert saved.scores == {"total": 42, "physical": 18, "cognitive": 20, "psychosocial": 4}
    assert not ReportDraft.objects.exists()
    assert (
        first["Location"]
        == second["Location"]
        == reverse("symptoms:report", args=[saved.public_id])
    )
    receipt = html_of(alice_client.get(first["Location"]))
    assert "Your Modified Fatigue Impact Scale for June 18, 2025 is saved." in receipt
    assert '<th scope="row">Total</th>\n      <td>42</td>' in receipt
    assert "0 to 84, higher is worse" in receipt


def test_it_explains_an_empty_questionnaire_cannot_be_sent(
    alice_client: Client, alice: User
) -> None:
    alice_client.post(question_url(1), {"action": "skip"})
    review_url = reverse("symptoms:review", args=["mfis"])

    response = alice_client.post(review_url, {"client_id": str(draft_of(alice).client_id)})

    assert response.status_code == 200
    assert "Answer at least one question." in html_of(response)
    assert not Report.objects.exists()


def test_it_sends_a_review_with_nothing_to_send_back_to_the_introduction(
    alice_client: Client,
) -> None:
    response = alice_client.post(
        reverse("symptoms:review", args=["mfis"]), {"client_id": str(uuid.uuid4())}
    )
    assert response["Location"] == reverse("symptoms:questionnaire", args=["mfis"])


# --- Receipt -----------------------------------------------------------------------------------


def test_it_hides_a_receipt_from_another_patient(client: Client, alice: User, bob: User) -> None:
    saved = report(alice)
    client.force_login(bob)
    response = client.get(reverse("symptoms:report", args=[saved.public_id]))
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["charlie", "dana"])
def test_it_refuses_a_receipt_to_a_clinician(
    client: Client, request: pytest.FixtureRequest, alice: User, persona: str
) -> None:
    request.getfixturevalue("alice_shares_with_charlie")
    saved = report(alice)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("symptoms:report", args=[saved.public_id])).status_code == 403


def test_it_uses_the_wording_licensed_in_the_person_s_language_or_says_it_has_not(
    alice_client: Client, alice: User
) -> None:
    for language, text in (("en", "Official item one"), ("it", "Domanda ufficiale uno")):
        InstrumentText.objects.create(
            instrument="mfis",
            instrument_version="1",
            language=language,
            items={"1": {"text": text, "options": {}}},
            source=f"Licensed copy 2025 ({language})",
        )
    alice.patient_profile.language = "it"
    alice.patient_profile.save()

    html = html_of(alice_client.get(question_url(1)))
    assert '<h1 class="answer-heading">Domanda ufficiale uno</h1>' in html
    assert "Testo: Licensed copy 2025 (it)" in html

    InstrumentText.objects.filter(language="it").delete()
    html = html_of(alice_client.get(question_url(1)))
    # No English questions on an Italian page: the short labels, in Italian, and a word on it.
    assert "Official item one" not in html
    assert '<h1 class="answer-heading">Meno attento</h1>' in html
    assert "non il testo ufficiale del questionario" in html
