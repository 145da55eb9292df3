"""The clinician's pages (the patient list, one patient's trends, the pre-visit summary and its
chart images) and the patient's "who viewed my data": who may open them, the one audit event
per page view, and what they show."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils.formats import date_format

from accounts import services as account_services
from accounts.models import AuditAction, AuditEvent, SharingLink, User
from tests.accounts.factories import PatientFactory
from tests.accounts.test_pages import assert_accessible_page, html_of
from tests.symptoms.factories import report
from tests.symptoms.trends.test_api import NOW, daily_history, mfis_series

pytestmark = pytest.mark.django_db
TODAY = NOW.date()
YESTERDAY = TODAY - timedelta(days=1)  # today's evening check-in is still in the future


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def charlie_client(client: Client, charlie: User, alice_shares_with_charlie: Any) -> Client:
    client.force_login(charlie)
    return client


def detail_url(patient: User) -> str:
    return reverse("symptoms:clinic_patient", args=[patient.public_id])


def summary_url(patient: User) -> str:
    return reverse("symptoms:clinic_summary", args=[patient.public_id])


def chart_url(patient: User, domain: str = "fatigue") -> str:
    return reverse("symptoms:clinic_chart", args=[patient.public_id, domain])


def views_of(patient: User) -> list[str]:
    return [
        event.detail["view"]
        for event in AuditEvent.objects.filter(
            action=AuditAction.PATIENT_DATA_VIEWED, subject_patient=patient
        )
    ]


# --- Who may see what ------------------------------------------------------------------------


@pytest.mark.parametrize("url_of", [detail_url, summary_url, chart_url])
def test_it_answers_404_to_a_clinician_the_patient_does_not_share_with(
    client: Client, alice: User, dana: User, alice_shares_with_charlie: Any, url_of: Any
) -> None:
    report(alice, on=YESTERDAY)
    client.force_login(dana)

    assert client.get(url_of(alice)).status_code == 404
    assert views_of(alice) == []


@pytest.mark.parametrize("url_of", [detail_url, summary_url, chart_url])
def test_it_answers_404_at_once_when_the_patient_revokes_the_link(
    charlie_client: Client, alice: User, alice_shares_with_charlie: SharingLink, url_of: Any
) -> None:
    report(alice, on=YESTERDAY)
    account_services.sharing_link_revoke(link=alice_shares_with_charlie, by=alice)

    assert charlie_client.get(url_of(alice)).status_code == 404
    assert views_of(alice) == []


@pytest.mark.parametrize("url_of", [detail_url, summary_url, chart_url])
def test_it_answers_404_for_a_patient_who_never_shared(
    charlie_client: Client, bob: User, url_of: Any
) -> None:
    report(bob, on=YESTERDAY)

    assert charlie_client.get(url_of(bob)).status_code == 404


@pytest.mark.parametrize(
    "url_of",
    [lambda _p: reverse("symptoms:clinic_patients"), detail_url, summary_url, chart_url],
)
def test_it_refuses_the_clinic_pages_to_patients(
    client: Client, alice: User, alice_shares_with_charlie: Any, url_of: Any
) -> None:
    report(alice, on=YESTERDAY)
    client.force_login(alice)

    assert client.get(url_of(alice)).status_code == 403


def test_it_refuses_who_viewed_my_data_to_clinicians(charlie_client: Client) -> None:
    assert charlie_client.get(reverse("symptoms:data_views")).status_code == 403


# --- Audit -----------------------------------------------------------------------------------


def test_it_writes_one_audit_event_per_page_view_and_none_per_chart_image(
    charlie_client: Client, alice: User, charlie: User
) -> None:
    report(alice, on=YESTERDAY)

    assert charlie_client.get(detail_url(alice)).status_code == 200
    assert charlie_client.get(chart_url(alice)).status_code == 200
    assert charlie_client.get(summary_url(alice)).status_code == 200
    assert charlie_client.get(reverse("symptoms:clinic_patients")).status_code == 200

    events = AuditEvent.objects.filter(action=AuditAction.PATIENT_DATA_VIEWED)
    assert sorted((e.actor, e.subject_patient, e.detail["view"]) for e in events) == [
        (charlie, alice, "patient_detail"),
        (charlie, alice, "pre_visit_summary"),
    ]


def test_it_writes_no_audit_event_for_a_summary_with_an_invalid_period(
    charlie_client: Client, alice: User
) -> None:
    response = charlie_client.get(summary_url(alice) + "?since=2026-11-10&until=2026-11-01")

    html = html_of(response)
    assert response.status_code == 200
    assert "The end date must not be before the start date." in html
    assert "<title>Error:" in html
    assert views_of(alice) == []


# --- The patient list ------------------------------------------------------------------------


def test_it_lists_flagged_patients_first_with_their_domains_in_words(
    charlie_client: Client, alice: User, bob: User, charlie: User
) -> None:
    SharingLink.objects.create(patient=bob, clinician=charlie, source="code")
    report(alice, on=YESTERDAY)
    mfis_series(bob, [(0, 30), (30, 36), (65, 37)])

    response = charlie_client.get(reverse("symptoms:clinic_patients"))

    html = html_of(response)
    assert_accessible_page(html, "Patients' trends")
    assert html.index("Bob Patient") < html.index("Alice Patient")
    assert "Worse: Fatigue" in html
    assert f'href="{detail_url(bob)}"' in html
    assert "1%" in html  # Alice: one check-in in 84 days
    assert "<caption>2 patients</caption>" in html


def walking_step(patient: User) -> None:
    """14 weekly check-ins ending yesterday: walking 4 for 8 weeks, then 7 (reliable change)."""
    for week in range(14):
        walking = 4 if week < 8 else 7
        answers = {"fatigue": 3, "mobility": walking, "upper_limb": 2, "pain": 1, "cognition": 3}
        report(patient, answers=answers, on=YESTERDAY - timedelta(weeks=13 - week))


def test_it_lists_who_needs_attention_first_with_how_recent_it_is(
    charlie_client: Client, alice: User, bob: User, charlie: User
) -> None:
    carla = PatientFactory(email="carla@example.org", full_name="Carla Patient")
    dave = PatientFactory(email="dave@example.org", full_name="Aaron Patient")
    for patient in (bob, carla, dave):
        SharingLink.objects.create(patient=patient, clinician=charlie, source="code")
    report(dave, on=YESTERDAY)  # up to date: last
    report(carla, on=TODAY - timedelta(days=20))  # the check-in overdue since 19 days ago
    walking_step(bob)  # a reliable change, confirmed 6 weeks before yesterday
    walking_step(alice)
    mfis_series(alice, [(0, 30), (30, 36), (65, 37)])  # and a confirmed worsening on 5 August

    html = html_of(charlie_client.get(reverse("symptoms:clinic_patients")))

    names = ["Alice Patient", "Bob Patient", "Carla Patient", "Aaron Patient"]
    assert sorted(names, key=html.index) == names
    rows = {name: html.split(name)[1].split("</tr>")[0] for name in names}
    assert "Worse: Fatigue, Walking and moving around" not in rows["Alice Patient"]
    assert "Worse: Fatigue" in rows["Alice Patient"]
    assert "confirmed Aug. 5, 2026" in rows["Alice Patient"]
    # Weekly means are dated by their Monday: the week of the check-in a week before yesterday.
    week_before = YESTERDAY - timedelta(weeks=1)
    confirmed = date_format(week_before - timedelta(days=week_before.weekday()), "DATE_FORMAT")
    assert (
        "Reliable change, no published threshold: Walking and moving around" in rows["Bob Patient"]
    )
    assert f"confirmed {confirmed}" in rows["Bob Patient"]
    due = date_format(TODAY - timedelta(days=19), "DATE_FORMAT")
    assert f'Overdue: daily check-in <span class="hint">(due since {due})' in rows["Carla Patient"]
    assert "None" in rows["Aaron Patient"]


@pytest.mark.parametrize("patients", [1, 4])
def test_it_reads_the_list_in_the_same_number_of_queries_however_many_patients(
    charlie_client: Client, charlie: User, patients: int, django_assert_num_queries: Any
) -> None:
    for n in range(patients):
        patient = PatientFactory(email=f"p{n}@example.org", full_name=f"Patient {n}")
        SharingLink.objects.create(patient=patient, clinician=charlie, source="code")
        daily_history(patient, 30, YESTERDAY)

    # Session, clinician, the patients with their profiles, last change and check-in days of
    # the last 12 weeks, the base template's time zone look-up, and the session's save (a
    # savepoint, the update, its release); the first view also reads the whole histories
    # (trends, 5) into the cached digests, the next ones do not.
    with django_assert_num_queries(11):
        response = charlie_client.get(reverse("symptoms:clinic_patients"))
    assert response.status_code == 200
    with django_assert_num_queries(6):
        again = charlie_client.get(reverse("symptoms:clinic_patients"))
    table = html_of(response).split("<table")[1].split("</table>")[0]
    assert table == html_of(again).split("<table")[1].split("</table>")[0]  # the same rows


def test_it_shows_a_new_report_in_the_list_at_once(
    charlie_client: Client, alice: User, django_assert_num_queries: Any
) -> None:
    daily_history(alice, 30, YESTERDAY - timedelta(days=20))
    charlie_client.get(reverse("symptoms:clinic_patients"))  # caches alice's digest
    late = date_format(YESTERDAY - timedelta(days=20), "DATE_FORMAT")
    html = html_of(charlie_client.get(reverse("symptoms:clinic_patients")))
    assert late in html
    assert "Overdue: daily check-in" in html

    report(alice, on=YESTERDAY)

    with django_assert_num_queries(11):  # her last change moved: her digest is read afresh
        html = html_of(charlie_client.get(reverse("symptoms:clinic_patients")))
    assert date_format(YESTERDAY, "DATE_FORMAT") in html
    assert "Overdue" not in html


def test_it_filters_the_list_by_flag_and_by_name(
    charlie_client: Client, alice: User, bob: User, charlie: User
) -> None:
    SharingLink.objects.create(patient=bob, clinician=charlie, source="code")
    mfis_series(bob, [(0, 30), (30, 36), (65, 37)])
    url = reverse("symptoms:clinic_patients")

    flagged = html_of(charlie_client.get(url + "?flagged=on"))
    found = html_of(charlie_client.get(url + "?search=ali"))

    assert "Bob Patient" in flagged
    assert "Alice Patient" not in flagged
    assert "Alice Patient" in found
    assert "Bob Patient" not in found
    assert '<label for="id_search">Name</label>' in found
    assert 'value="ali"' in found


def test_it_links_the_list_from_the_clinician_s_home_and_navigation(
    charlie_client: Client, alice: User
) -> None:
    html = html_of(charlie_client.get(reverse("accounts:home")))

    nav = html.split("</nav>")[0]
    assert f'href="{reverse("symptoms:clinic_patients")}"' in nav
    assert f'href="{detail_url(alice)}"' in html


# --- One patient -----------------------------------------------------------------------------


def test_it_shows_a_confirmed_worsening_first_with_its_source(
    charlie_client: Client, alice: User
) -> None:
    mfis_series(alice, [(0, 30), (30, 36), (65, 37)])

    html = html_of(charlie_client.get(detail_url(alice)))

    assert_accessible_page(html, "Alice Patient")
    flags = html.split('id="flags-title"')[1].split("</section>")[0]
    assert "Confirmed worsening" in flags
    assert "Modified Fatigue Impact Scale" in flags
    assert "Change +7 from a baseline of 30 to 37" in flags
    assert "a meaningful change is 4 or more" in flags
    assert "Rooney" in flags
    assert '<a href="http' in flags
    assert html.index('id="flags-title"') < html.index('id="domain-fatigue"')
    assert f'src="{chart_url(alice)}?period=12m"' in html


def test_it_shows_adherence_and_recent_context_notes_newest_first(
    charlie_client: Client, alice: User
) -> None:
    report(alice, on=TODAY - timedelta(days=100), note="Too old to show", context_tags=["heat"])
    report(alice, on=TODAY - timedelta(days=3), note="Hot week", context_tags=["heat"])
    report(alice, on=TODAY - timedelta(days=1), context_tags=["poor_sleep", "stress"])
    report(alice, on=TODAY - timedelta(days=2))

    html = html_of(charlie_client.get(detail_url(alice)))

    assert "Daily check-ins on 3 of the last 84 days (4%)." in html
    notes = html.split('id="notes-title"')[1]
    assert "Poor sleep, Stress" in notes
    assert notes.index("Poor sleep") < notes.index("Hot week")
    assert "Too old to show" not in html


def test_it_draws_the_chart_with_the_threshold_band_under_a_strict_csp(
    charlie_client: Client, alice: User
) -> None:
    mfis_series(alice, [(0, 30), (30, 36), (65, 37)])

    response = charlie_client.get(chart_url(alice) + "?period=all")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    svg = response.content.decode()
    assert "#dfe6f3" in svg  # the band
    assert "stroke-dasharray" in svg  # the baseline


def test_it_keeps_the_patient_s_own_chart_free_of_bands(client: Client, alice: User) -> None:
    mfis_series(alice, [(0, 30), (30, 36), (65, 37)])
    client.force_login(alice)

    svg = client.get("/history/charts/fatigue.svg?period=all").content.decode()

    assert "#dfe6f3" not in svg


@pytest.mark.parametrize("days", [30, 365])
def test_it_reads_the_detail_page_in_the_same_number_of_queries_however_long_the_history(
    charlie_client: Client, alice: User, days: int, django_assert_max_num_queries: Any
) -> None:
    daily_history(alice, days, TODAY)
    mfis_series(alice, [(0, 30), (30, 36)])

    # Session, clinician, patient and link, trends (5), the audit insert, history (2), notes,
    # the base template's look-up of a time zone (a clinician has no patient profile), and the
    # session's save (a savepoint, the update, its release).
    with django_assert_max_num_queries(16):
        response = charlie_client.get(detail_url(alice))
    assert response.status_code == 200
    # The image: the same without the audit insert, the notes and the template's look-up, plus
    # the patient's last change; drawn once, then from the cache without trends and history.
    with django_assert_max_num_queries(14):
        assert charlie_client.get(chart_url(alice)).status_code == 200
    with django_assert_max_num_queries(7):
        assert charlie_client.get(chart_url(alice)).status_code == 200


# --- The pre-visit summary -------------------------------------------------------------------


def test_it_summarises_the_chosen_period_as_of_its_end(charlie_client: Client, alice: User) -> None:
    # MFIS 30, then 36 on 1 July (past the MCID of 4), confirmed by 37 on 5 August: after the
    # period, so the summary of June-July says "not yet confirmed".
    mfis_series(alice, [(0, 30), (30, 36), (65, 37)])
    report(alice, on=date(2026, 7, 8), note="Inside the period", context_tags=["heat"])
    report(alice, on=date(2026, 9, 1), note="After the period")
    query = "?since=2026-06-15&until=2026-07-31"

    response = charlie_client.get(summary_url(alice) + query)

    html = html_of(response)
    assert_accessible_page(html, "Pre-visit summary: Alice Patient")
    changes = html.split('id="changes-title"')[1].split("</section>")[0]
    assert "Worsening, not yet confirmed" in changes
    assert "Confirmed worsening" not in changes
    assert "past since July 1, 2026; not confirmed" in changes
    assert "(MCID, <cite>Rooney 2019</cite>)" in changes
    assert "status as of July 31, 2026" in html
    assert "Inside the period" in html
    assert "Heat (1 day)" in html
    assert "After the period" not in html
    assert "Daily check-ins on 1 of the 47 days in this period (2%)." in html
    assert 'value="2026-06-15"' in html
    assert views_of(alice) == ["pre_visit_summary"]


def test_it_shows_who_the_patient_is_in_its_header(charlie_client: Client, alice: User) -> None:
    profile = alice.patient_profile
    profile.birth_year, profile.ms_type, profile.diagnosis_year = 1968, "spms", 1999
    profile.save()

    html = html_of(charlie_client.get(summary_url(alice)))

    header = html.split('class="summary-header"')[1].split("</dl>")[0]
    assert "<dd>58</dd>" in header
    assert "Secondary progressive MS" in header
    assert "27 years" in header
    assert "data-print" in html  # the Print button, shown by print.js
    assert f'href="{detail_url(alice)}#domains-title"' in html  # the full tables


def test_it_covers_the_last_three_months_by_default(charlie_client: Client, alice: User) -> None:
    html = html_of(charlie_client.get(summary_url(alice)))

    assert 'value="2026-08-20"' in html
    assert 'value="2026-11-20"' in html
    assert "print.css" in html


def test_it_starts_from_the_clinician_s_last_view_on_an_earlier_day(
    charlie_client: Client, alice: User, charlie: User, dana: User
) -> None:
    with time_machine.travel(NOW - timedelta(days=40), tick=False):
        view_event(charlie, alice)
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        view_event(dana, alice)  # another clinician's view does not count
    view_event(charlie, alice)  # nor does one earlier today

    html = html_of(charlie_client.get(summary_url(alice)))

    assert f'value="{TODAY - timedelta(days=40)}"' in html
    assert "since your last view" in html


def view_event(clinician: User, patient: User) -> None:
    account_services.audit_record(
        actor=clinician,
        action=AuditAction.PATIENT_DATA_VIEWED,
        subject_patient=patient,
        detail={"view": "patient_detail"},
    )


def test_it_judges_a_scale_without_an_mcid_and_says_so(charlie_client: Client, alice: User) -> None:
    # Walking at 4 for 8 weeks, then 7 for 6: a confirmed reliable worsening.
    for week in range(14):
        answers = {"fatigue": 3, "mobility": 4 if week < 8 else 7, "upper_limb": 2, "pain": 1}
        report(
            alice, answers={**answers, "cognition": 3}, on=YESTERDAY - timedelta(weeks=13 - week)
        )

    html = html_of(charlie_client.get(summary_url(alice) + "?since=2026-08-01&until=2026-11-20"))

    changes = html.split('id="changes-title"')[1].split("</section>")[0]
    row = changes.split("Daily rating of walking and moving around")[1].split("</tr>")[0]
    assert "Confirmed worsening" in row
    assert "reliable change, no published threshold" in row
    assert "Jacobson" in html  # the method's citation, in the sources
    assert changes.index("Daily rating of walking") > 0
    assert html.count('class="sparkline"') >= 1


@pytest.mark.parametrize("days", [30, 365])
def test_it_reads_the_summary_in_the_same_number_of_queries_however_long_the_history(
    charlie_client: Client, alice: User, days: int, django_assert_num_queries: Any
) -> None:
    daily_history(alice, days, TODAY)
    mfis_series(alice, [(0, 30), (30, 36)])

    # Session, clinician, patient and link, the last view, trends (5), the audit insert, check-in
    # days, notes, history (2), and the session's save (a savepoint, the update, its release).
    with django_assert_num_queries(17):
        response = charlie_client.get(summary_url(alice))
    assert response.status_code == 200


# --- Who viewed my data ----------------------------------------------------------------------


def test_it_lists_charlie_s_view_and_not_bob_s_events(
    client: Client, alice: User, bob: User, charlie: User, alice_shares_with_charlie: Any
) -> None:
    client.force_login(charlie)
    client.get(detail_url(alice))
    account_services.audit_record(
        actor=bob,
        action=AuditAction.PATIENT_DATA_EXPORTED,
        subject_patient=bob,
        detail={"format": "csv"},
    )
    account_services.audit_record(
        actor=alice,
        action=AuditAction.PATIENT_DATA_EXPORTED,
        subject_patient=alice,
        detail={"format": "fhir"},
    )
    client.force_login(alice)

    html = html_of(client.get(reverse("symptoms:data_views")))

    assert_accessible_page(html, "Who viewed your data")
    assert "Dr Charlie Clinician" in html
    assert "Your trends and notes" in html
    assert "Download of your data (FHIR)" in html
    assert "<td>You</td>" in html
    assert "CSV" not in html
    assert "Bob" not in html


def test_it_shows_the_time_in_the_patient_s_time_zone(
    client: Client, alice: User, charlie: User, alice_shares_with_charlie: Any
) -> None:
    alice.patient_profile.time_zone = "Pacific/Auckland"  # UTC+13 in November
    alice.patient_profile.save()
    account_services.audit_record(
        actor=charlie,
        action=AuditAction.PATIENT_DATA_VIEWED,
        subject_patient=alice,
        detail={"view": "patient_detail"},
    )
    client.force_login(alice)

    html = html_of(client.get(reverse("symptoms:data_views")))

    assert "Nov. 21, 2026" in html  # 12:00 UTC on the 20th is 01:00 on the 21st


def test_it_pages_who_viewed_my_data_by_fifty(client: Client, alice: User, charlie: User) -> None:
    for _n in range(51):
        account_services.audit_record(
            actor=charlie,
            action=AuditAction.PATIENT_DATA_VIEWED,
            subject_patient=alice,
            detail={"view": "trends"},
        )
    client.force_login(alice)

    first = html_of(client.get(reverse("symptoms:data_views")))
    second = html_of(client.get(reverse("symptoms:data_views") + "?page=2"))

    assert first.count("Your trends, through an app") == 50
    assert second.count("Your trends, through an app") == 1
    assert "page 1 of 2" in first
    assert 'href="?page=2"' in first


def test_it_links_who_viewed_my_data_from_your_data(client: Client, alice: User) -> None:
    client.force_login(alice)

    html = html_of(client.get(reverse("symptoms:my_data")))

    assert f'href="{reverse("symptoms:data_views")}"' in html
