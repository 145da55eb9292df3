""" "Your data": the three downloads and deleting the account."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, User
from symptoms.models import Report
from tests.accounts.test_pages import assert_accessible_page, html_of
from tests.symptoms.factories import PAGES_NOW, report
from tests.symptoms.my_data.support import body, queries_of

pytestmark = pytest.mark.usefixtures("pages_clock")
NOW = PAGES_NOW
TODAY = NOW.date()


# --- Your data ---------------------------------------------------------------------------------


def test_it_links_the_three_downloads(alice_client: Client) -> None:
    html = html_of(alice_client.get(reverse("symptoms:my_data")))
    for kind, label in (("csv", "CSV"), ("json", "JSON"), ("fhir", "FHIR")):
        assert f'href="/api/v1/me/export/?format={kind}" download>Download as {label}</a>' in html
    assert "contain no row about any one person" in html
    assert '<label for="id_password">Your password</label>' in html
    # The links work with the page's own login.
    download = alice_client.get("/api/v1/me/export/?format=csv")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")


def test_the_table_to_read_is_in_the_person_s_language_and_locale(
    alice_client: Client, alice: User
) -> None:
    alice.patient_profile.language = "it"
    alice.patient_profile.time_zone = "Europe/Rome"
    alice.patient_profile.save()
    yesterday = TODAY - timedelta(days=1)
    first = report(alice, on=yesterday, answers={"fatigue": 4, "cognition": "too_tired"})
    report(alice, "pdq5", {str(n): 1 for n in range(1, 6)}, on=yesterday)
    report(
        alice,
        on=yesterday,
        answers={"fatigue": 6},
        supersedes=first.public_id,
        context_tags=["heat"],
        note="Giornata calda.",
    )

    response = alice_client.get(reverse("symptoms:my_data_table"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = body(response).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    heading, rows = table[0], [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    # One row per report in force: the correction replaced the first check-in.
    by_name = {row["Questionario"]: row for row in rows}
    assert len(rows) == len(by_name) == 2
    daily = by_name["Check-in giornaliero"]
    pdq5 = by_name["Questionario sulle difficoltà percepite, 5 domande (PDQ-5)"]
    assert daily["Data"] == f"{yesterday:%d/%m/%Y}"
    assert daily["Ora"] == "19:00"
    # One column per question and per score, headed in words, in Italian.
    assert daily["Giornaliero: Stanchezza o mancanza di energia oggi"] == "6"
    assert daily["Giornaliero (Punteggio): Fatica (0-10)"] == "6"
    assert daily["Contesto"] == "Caldo"
    assert daily["Nota"] == "Giornata calda."
    assert "Troppo stanco per rispondere" not in text  # the replaced report's answer
    assert pdq5["PDQ-5 (Punteggio): Totale (0-20)"] == "5"
    assert daily["PDQ-5 (Punteggio): Totale (0-20)"] == ""
    assert heading[:3] == ["Data", "Ora", "Questionario"]
    assert heading[-2:] == ["Contesto", "Nota"]
    # The daily check-in's five questions and five scores, then PDQ-5's five and its total.
    assert len(heading) == 3 + 10 + 6 + 2
    assert heading[13:16] == [
        "PDQ-5: Organizzarsi",
        "PDQ-5: Concentrarsi",
        "PDQ-5: Ricordare la data",
    ]
    assert AuditEvent.objects.filter(
        action=AuditAction.PATIENT_DATA_EXPORTED, detail__format="table"
    ).exists()


def test_it_keeps_the_account_when_the_password_is_wrong(alice_client: Client, alice: User) -> None:
    report(alice)
    response = alice_client.post(reverse("symptoms:account_delete"), {"password": "wrong"})

    assert response.status_code == 200
    html = html_of(response)
    assert_accessible_page(html, "Your data")
    assert '<a href="#id_password">The password is not correct.</a>' in html
    assert 'id="id_password_error"' in html
    assert User.objects.filter(pk=alice.pk).exists()
    assert Report.objects.filter(patient=alice).exists()
    assert alice_client.session.get("_auth_user_id") == str(alice.pk)


def test_it_deletes_the_account_with_the_right_password_and_logs_out(
    alice_client: Client, alice: User, bob: User
) -> None:
    report(alice)
    report(bob)

    response = alice_client.post(
        reverse("symptoms:account_delete"), {"password": "correct horse battery"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("symptoms:account_deleted")
    assert not User.objects.filter(pk=alice.pk).exists()
    assert list(Report.objects.values_list("patient", flat=True)) == [bob.pk]
    assert alice_client.session.get("_auth_user_id") is None
    goodbye = html_of(alice_client.get(response["Location"]))
    assert_accessible_page(goodbye, "Your account is deleted")


def test_it_deletes_an_account_only_with_a_post(alice_client: Client, alice: User) -> None:
    assert alice_client.get(reverse("symptoms:account_delete")).status_code == 405
    assert User.objects.filter(pk=alice.pk).exists()


def test_the_table_s_queries_do_not_grow_with_the_history(
    alice_client: Client, alice: User
) -> None:
    report(alice, on=TODAY - timedelta(days=1))
    report(alice, "pdq5", {str(n): 1 for n in range(1, 6)}, on=TODAY - timedelta(days=1))
    url = reverse("symptoms:my_data_table")
    few = len(queries_of(alice_client, url))
    for days in range(2, 30):
        report(alice, on=TODAY - timedelta(days=days))

    assert len(queries_of(alice_client, url)) == few


def test_the_table_of_a_person_with_no_reports_has_its_headings(alice_client: Client) -> None:
    text = body(alice_client.get(reverse("symptoms:my_data_table"))).decode("utf-8-sig")

    assert text == "Date,Time,Questionnaire,Context,Note\r\n"
