"""Installable and offline (docs/offline.md): the manifest, the service worker served from the
site root, the offline page it keeps (about nobody), and logging out clearing the device."""

from __future__ import annotations

import json
import uuid

from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from symptoms.reports import services as report_services
from tests.accounts.factories import ClinicianFactory

STATIC_PREFIX = "/static/"


def static_file_exists(url: str) -> bool:
    assert url.startswith(STATIC_PREFIX), url
    return finders.find(url.removeprefix(STATIC_PREFIX)) is not None


def assert_about_nobody(html: str, user: User) -> None:
    """A page the service worker keeps: nothing that names the person, and no form token."""
    for private in (user.email, user.full_name, str(user.public_id), "csrfmiddlewaretoken"):
        assert private not in html


def test_it_describes_the_app_in_the_manifest(client: Client, db: None) -> None:
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "MS Symptom Tracker"
    assert manifest["short_name"] == "MS Tracker"
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#")
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    assert all(static_file_exists(icon["src"]) for icon in manifest["icons"])


def test_it_names_the_app_in_the_language_the_page_asks_for(client: Client, db: None) -> None:
    manifest = json.loads(client.get("/manifest.webmanifest?lang=it").content)

    with translation.override("it"):
        expected = gettext("MS Symptom Tracker")
    assert manifest["lang"] == "it"
    assert manifest["name"] == expected


def test_it_ignores_a_language_the_site_does_not_offer(client: Client, db: None) -> None:
    manifest = json.loads(client.get("/manifest.webmanifest?lang=xx").content)

    assert manifest["lang"] == "en"


def test_it_links_the_manifest_and_the_script_from_every_page(client: Client, db: None) -> None:
    html = client.get(reverse("accounts:login")).content.decode()

    assert 'rel="manifest" href="/manifest.webmanifest?lang=en"' in html
    assert 'src="/static/accounts/offline.js"' in html
    assert 'data-sw="/sw.js"' in html


def test_it_serves_the_service_worker_from_the_root_uncached(client: Client, db: None) -> None:
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    # The strict policy applies to the worker too: it may load scripts from the site only.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    script = response.content.decode()
    assert 'importScripts("/static/symptoms/sw-push.js");' in script
    assert static_file_exists("/static/symptoms/sw-push.js")


def test_it_keeps_only_static_files_and_the_offline_page(client: Client, db: None) -> None:
    script = client.get("/sw.js").content.decode()

    precache = script.split("const PRECACHE = [", 1)[1].split("];", 1)[0]
    urls = [url.strip().strip('"') for url in precache.split(",")]
    assert urls[:2] == ["OFFLINE_URL", "CHECKIN_OFFLINE_URL"]  # pages about nobody
    assert all(static_file_exists(url) for url in urls[2:])
    assert "/api/" not in script


def test_it_shows_nobody_on_the_offline_page(client: Client, alice: User) -> None:
    client.force_login(alice)

    response = client.get(reverse("accounts:offline"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "You are offline" in html
    assert "data-offline-status" in html
    assert_about_nobody(html, alice)


def test_it_asks_the_browser_to_clear_the_device_on_logout(client: Client, alice: User) -> None:
    client.force_login(alice)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "_auth_user_id" not in client.session


def test_it_marks_the_checkin_form_for_keeping_offline(client: Client, alice: User) -> None:
    client.force_login(alice)

    html = client.get(reverse("symptoms:checkin")).content.decode()

    assert "data-offline-form" in html
    assert 'data-offline-api="/api/v1/reports/"' in html
    assert 'data-instrument="daily"' in html
    assert "data-supersedes" not in html
    assert f'data-user="{alice.public_id}"' in html


def test_it_gives_the_review_page_the_draft_answers_to_keep(client: Client, alice: User) -> None:
    report_services.draft_save(patient=alice, instrument="mfis5", answers={"1": 2}, position=1)
    client.force_login(alice)

    html = client.get(reverse("symptoms:review", kwargs={"code": "mfis5"})).content.decode()

    assert '<script id="offline-answers" type="application/json">{"1": 2}</script>' in html
    assert 'data-offline-answers="offline-answers"' in html


def test_it_serves_the_worker_before_a_second_factor_is_set_up(client: Client, db: None) -> None:
    # A redirect would make the worker fail to install on every page of the set-up flow.
    clinician = ClinicianFactory(second_factor=False)
    client.force_login(clinician)
    assert client.get(reverse("accounts:home")).status_code == 302  # the set-up page first

    for name in ("accounts:service_worker", "accounts:manifest", "accounts:offline"):
        assert client.get(reverse(name)).status_code == 200, name


def test_it_keeps_a_blank_check_in_about_nobody(client: Client, alice: User) -> None:
    report_services.report_submit(
        patient=alice, instrument="daily", answers={"pain": 7}, client_id=uuid.uuid4()
    )
    client.force_login(alice)

    response = client.get(reverse("symptoms:checkin_offline"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "data-offline-always" in html
    assert 'name="client_id"' in html
    assert "checked" not in html  # not today's answers
    assert_about_nobody(html, alice)
    assert "/check-in/offline/" in client.get("/sw.js").content.decode()
