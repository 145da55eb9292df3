"""Charts are drawn once per change and kept in the cache: a new report shows at once, the keys
hold ids only, and nobody is ever served another person's chart."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from accounts.models import SharingLink, User
from symptoms.history import charts
from symptoms.history.cache import last_change_of
from symptoms.trends.digests import digest_key, trend_digests
from tests.symptoms.factories import PAGES_NOW, report

pytestmark = pytest.mark.usefixtures("pages_clock")
TODAY = PAGES_NOW.date()


def chart(client: Client, domain: str = "fatigue", **query: str) -> Any:
    return client.get(reverse("symptoms:history_chart", args=[domain]), query)


@pytest.fixture
def drawings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The domain of every chart actually drawn."""
    drawn: list[str] = []
    draw = charts.chart_svg

    def counting(history: Any, **kwargs: Any) -> bytes:
        drawn.append(history.domain)
        return draw(history, **kwargs)

    monkeypatch.setattr(charts, "chart_svg", counting)
    return drawn


def test_it_draws_a_chart_once_and_again_after_a_new_report(
    alice_client: Client, alice: User, drawings: list[str]
) -> None:
    report(alice, answers={"fatigue": 4}, on=date(2025, 6, 16))
    first = chart(alice_client)
    assert chart(alice_client).content == first.content
    assert drawings == ["fatigue"]

    report(alice, answers={"fatigue": 9}, on=date(2025, 6, 17))

    second = chart(alice_client)
    assert second.status_code == 200
    assert second.content != first.content  # the new report shows at once
    assert drawings == ["fatigue", "fatigue"]


def test_it_keys_charts_by_period_width_and_language(
    alice_client: Client, alice: User, drawings: list[str]
) -> None:
    report(alice, answers={"fatigue": 4}, on=date(2025, 6, 16))
    wide, narrow = chart(alice_client), chart(alice_client, width="narrow")
    chart(alice_client, period="all")
    alice.patient_profile.language = "it"
    alice.patient_profile.save()
    italian = chart(alice_client)
    assert len(drawings) == 4
    assert wide.content != narrow.content
    assert b"settimanale" in italian.content.lower()


def test_it_keeps_ids_not_data_in_the_cache_keys(
    alice_client: Client, alice: User, settings: LazySettings
) -> None:
    # Read back from a memory cache, whatever cache the run is configured with (Redis in CI).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    report(alice, answers={"fatigue": 4}, on=date(2025, 6, 16))
    chart(alice_client)
    alice_client.get(reverse("symptoms:history"))
    keys = list(cache._cache.keys())  # type: ignore[attr-defined]  # the tests' memory cache
    ours = [key for key in keys if "chart:" in key or "trend-" in key]
    assert ours
    for key in ours:
        assert alice.email not in key
        assert str(alice.public_id) not in key
        assert "4.0" not in key


def test_another_person_never_gets_a_cached_chart(
    client: Client, alice: User, bob: User, charlie: User, drawings: list[str]
) -> None:
    report(alice, answers={"fatigue": 4}, on=date(2025, 6, 16))
    client.force_login(alice)
    assert chart(client).status_code == 200

    client.force_login(bob)  # the same URL: his own (empty) history, not hers
    assert chart(client).status_code == 404
    report(bob, answers={"fatigue": 8}, on=date(2025, 6, 16))
    bobs = chart(client)
    assert bobs.status_code == 200
    assert drawings == ["fatigue", "fatigue"]

    # A clinician she does not share with: 404, though her chart is in the cache.
    client.force_login(charlie)
    clinic = reverse("symptoms:clinic_chart", args=[alice.public_id, "fatigue"])
    assert client.get(clinic).status_code == 404
    SharingLink.objects.create(patient=alice, clinician=charlie, source="code")
    assert client.get(clinic).status_code == 200
    SharingLink.objects.filter(patient=alice).update(revoked_at=PAGES_NOW)
    assert client.get(clinic).status_code == 404  # revoked: at once, cache or not


def test_it_keeps_a_chart_out_of_the_browser_s_and_shared_caches(
    alice_client: Client, alice: User
) -> None:
    report(alice, answers={"fatigue": 4}, on=date(2025, 6, 16))
    assert "no-store" in chart(alice_client)["Cache-Control"]


def test_it_offers_phones_the_narrow_chart(alice_client: Client, alice: User) -> None:
    report(alice, answers={"fatigue": 4}, on=date(2025, 6, 16))
    html = alice_client.get(reverse("symptoms:history")).content.decode()
    assert (
        '<source media="(max-width: 40em)" '
        'srcset="/history/charts/fatigue.svg?period=3m&amp;width=narrow">' in html
    )
    narrow = chart(alice_client, width="narrow").content.decode()
    assert 'width="270pt"' in narrow  # 3.75 inches: see charts.NARROW_WIDTH_INCHES


def test_the_page_shows_a_new_report_at_once(alice_client: Client, alice: User) -> None:
    report(alice, answers={"fatigue": 4}, on=date(2025, 6, 16))
    page = reverse("symptoms:history")
    assert "June 17, 2025" not in alice_client.get(page).content.decode()
    report(alice, answers={"fatigue": 9}, on=date(2025, 6, 17))
    html = alice_client.get(page).content.decode()
    # The week's mean moved from 4 to 6.5, with two days behind it.
    assert "6.5" in html


def test_deleting_the_account_drops_the_cached_trend_digest(alice: User) -> None:
    report(alice, on=date(2025, 6, 16))
    key = digest_key(alice.pk, last_change_of(alice))
    trend_digests([alice])
    assert cache.get(key) is not None

    account_services.account_delete(user=alice, password="correct horse battery")

    assert cache.get(key) is None
