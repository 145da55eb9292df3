""" "Your data": the three downloads and deleting the account."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from symptoms.models import Report
from tests.accounts.test_pages import assert_accessible_page, html_of
from tests.symptoms.factories import PAGES_NOW, report

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
