"""The person's history page: weekly means with their days, charts and their words, periods,
dates in the person's language, and the same queries however long the history is."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.test_pages import assert_accessible_page, html_of
from tests.symptoms.factories import MFIS_ALL_TWOS, PAGES_NOW, report

pytestmark = pytest.mark.usefixtures("pages_clock")
NOW = PAGES_NOW
TODAY = NOW.date()


# --- History -----------------------------------------------------------------------------------


def daily_on(patient: User, on: date, **answers: int | str) -> None:
    report(patient, answers=answers, on=on)


@pytest.fixture
def alice_history(alice: User) -> None:
    """Two days in the week of 2 June, nothing in the week of 9 June, one rating in the week of
    16 June (the day after, too tired to rate fatigue), and two MFIS totals."""
    daily_on(alice, date(2025, 6, 2), fatigue=4, pain=1)
    daily_on(alice, date(2025, 6, 3), fatigue=7, pain=2)
    daily_on(alice, date(2025, 6, 16), fatigue=2)
    daily_on(alice, date(2025, 6, 17), fatigue="too_tired", pain=5)
    report(alice, "mfis", MFIS_ALL_TWOS, on=date(2025, 4, 1))
    report(alice, "mfis", {**MFIS_ALL_TWOS, "1": 4, "2": 4}, on=date(2025, 6, 1))


def test_it_shows_weekly_means_with_their_days_across_a_gap(
    alice_client: Client, alice_history: None
) -> None:
    html = html_of(alice_client.get(reverse("symptoms:history")))
    assert_accessible_page(html, "Your history")

    fatigue = html.split('id="domain-fatigue"')[1].split("</section>")[0]
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>', fatigue
    )
    assert rows == [("June 2, 2025", "5.5", "2"), ("June 16, 2025", "2.0", "1")]
    assert '<th scope="col">Week starting</th>' in fatigue
    assert "<caption>Weekly average of your daily rating: Fatigue (0-10)</caption>" in fatigue
    scores = re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>\s*</tr>', fatigue)
    assert ("April 1, 2025", "42") in scores
    assert ("June 1, 2025", "46") in scores

    pain = html.split('id="domain-pain"')[1].split("</section>")[0]
    assert re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>', pain
    ) == [
        ("June 2, 2025", "1.5", "2"),
        ("June 16, 2025", "5.0", "1"),
    ]
    mobility = html.split('id="domain-mobility"')[1].split("</section>")[0]
    assert "No answers about this in this period." in mobility
    assert "<img" not in mobility


def test_it_describes_each_chart_in_words(alice_client: Client, alice_history: None) -> None:
    html = html_of(alice_client.get(reverse("symptoms:history")))

    image = re.search(r'<img src="/history/charts/fatigue\.svg\?period=3m" alt="([^"]+)">', html)
    assert image
    alt = image.group(1)
    assert (
        "Your daily rating, as a weekly average, 2 weeks: down from 5.5 in the week of "
        "June 2, 2025 to 2 in the week of June 16, 2025 (lowest 2, highest 5.5). "
        "Higher means worse."
    ) in alt
    assert "MFIS, 2 scores: up from 42 on April 1, 2025 to 46 on June 1, 2025" in alt


def test_it_draws_a_chart_as_a_deterministic_svg(alice_client: Client, alice_history: None) -> None:
    url = reverse("symptoms:history_chart", args=["fatigue"])
    response = alice_client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<?xml")
    assert "<svg" in svg
    assert "Weekly average of your daily ratings" in svg
    assert "MFIS (0\u201384, higher is worse)" in svg
    assert "<script" not in svg
    # The chart's own inline styles are allowed in this response only, and nothing else is.
    policy = response["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in policy
    assert "default-src 'none'" in policy
    assert "script-src 'none'" in policy
    cache.clear()  # drawn again, not served from the cache: the same bytes
    assert alice_client.get(url).content == response.content


def test_it_has_no_chart_for_an_unknown_domain_or_one_without_data(
    alice_client: Client, alice_history: None
) -> None:
    assert alice_client.get("/history/charts/happiness.svg").status_code == 404
    assert alice_client.get("/history/charts/mobility.svg").status_code == 404


def test_it_keeps_each_person_s_history_to_themselves(
    client: Client, alice_history: None, bob: User
) -> None:
    client.force_login(bob)
    html = html_of(client.get(reverse("symptoms:history")))
    assert "<img" not in html
    assert "June 2, 2025" not in html
    assert client.get(reverse("symptoms:history_chart", args=["fatigue"])).status_code == 404


def test_it_chooses_the_period_of_the_history(alice_client: Client, alice: User) -> None:
    daily_on(alice, date(2024, 12, 2), fatigue=9)  # six months ago
    daily_on(alice, date(2025, 6, 16), fatigue=1)

    def weeks(period: str | None) -> list[str]:
        query = f"?period={period}" if period else ""
        html = html_of(alice_client.get(reverse("symptoms:history") + query))
        fatigue = html.split('id="domain-fatigue"')[1].split("</section>")[0]
        return re.findall(r'<th scope="row">([^<]+)</th>\s*<td>[^<]+</td>\s*<td>', fatigue)

    assert weeks(None) == ["June 16, 2025"]
    assert weeks("3m") == ["June 16, 2025"]
    assert weeks("12m") == ["Dec. 2, 2024", "June 16, 2025"]
    assert weeks("all") == ["Dec. 2, 2024", "June 16, 2025"]
    assert weeks("nonsense") == ["June 16, 2025"]
    html = html_of(alice_client.get(reverse("symptoms:history") + "?period=12m"))
    assert '<a class="period-link" href="?period=12m" aria-current="true">' in html
    assert 'src="/history/charts/fatigue.svg?period=12m"' in html


def test_it_shows_dates_in_the_person_s_language(alice_client: Client, alice: User) -> None:
    alice.patient_profile.language = "it"
    alice.patient_profile.save()
    daily_on(alice, date(2025, 6, 16), fatigue=3)

    html = html_of(alice_client.get(reverse("symptoms:history")))
    assert "16 Giugno 2025" in html


@pytest.mark.parametrize("days", [30, 365])
def test_it_reads_the_history_in_the_same_number_of_queries_however_long_it_is(
    alice_client: Client,
    alice: User,
    days: int,
    django_assert_max_num_queries: Any,
) -> None:
    for back in range(1, days + 1):
        daily_on(alice, TODAY - timedelta(days=back), fatigue=back % 11, pain=3, mobility=2)
    for back in range(1, days + 1, 28):
        report(alice, "mfis", MFIS_ALL_TWOS, on=TODAY - timedelta(days=back))

    # Session, user, profile (the language middleware reads it), her last change, the
    # session's save (a savepoint, the update, its release), and, the first time only, daily
    # weeks and scores, and the five reads of the trends behind "Changes since your first
    # answers" (then cached under her last change).
    with django_assert_max_num_queries(14):
        response = alice_client.get(reverse("symptoms:history") + "?period=all")
    assert response.status_code == 200
    with django_assert_max_num_queries(7):
        assert alice_client.get(reverse("symptoms:history") + "?period=all").status_code == 200
    # A chart: the same, with its two reads the first time only.
    with django_assert_max_num_queries(9):
        assert alice_client.get("/history/charts/fatigue.svg?period=all").status_code == 200
    with django_assert_max_num_queries(7):
        assert alice_client.get("/history/charts/fatigue.svg?period=all").status_code == 200


def test_the_history_says_what_changed_in_plain_words(alice_client: Client, alice: User) -> None:
    answers = {str(n): 2 for n in range(1, 22)}  # MFIS total 42
    worse = answers | {"1": 4, "2": 4, "3": 4}  # 48: 6 more, past the MCID of 4
    with time_machine.travel(datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False):
        report(alice, "mfis", answers, on=date(2026, 8, 1))
        report(alice, "mfis", worse, on=date(2026, 9, 1))
        report(alice, "mfis", worse, on=date(2026, 10, 15))

    html = alice_client.get(reverse("symptoms:history")).content.decode()

    assert "Changes since your first answers" in html
    assert "MFIS, Total:" in html
    assert "worse" in html
    assert "It has lasted four weeks or more." in html
    assert "confirmed_worsening" not in html


def test_the_history_words_a_reliable_change_without_a_published_threshold(
    alice_client: Client, alice: User
) -> None:
    # Walking (no published MCID): 4 for 8 weeks, then 7 for 6 weeks.
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        for week in range(14):
            answers = {"fatigue": 3, "mobility": 4 if week < 8 else 7, "upper_limb": 2, "pain": 1}
            on = date(2026, 11, 19) - timedelta(weeks=13 - week)
            report(alice, answers={**answers, "cognition": 3}, on=on)

    html = alice_client.get(reverse("symptoms:history")).content.decode()

    change = html.split("Daily, Walking (0-10):")[1].split("</li>")[0]
    assert "worse" in change
    assert "more than your own usual change" in change
    assert "It has lasted four weeks or more." in change
    assert "reliable_change" not in html
