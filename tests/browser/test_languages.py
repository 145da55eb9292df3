"""A browser in Rome: sign-up preselects its zone and offers Italian, and Italian pages keep the
accessibility rules with ``lang="it"`` (axe checks ``html-lang-valid`` and friends)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select

from accounts import services as account_services
from accounts.models import User
from tests.accounts.factories import ResearcherFactory, StaffFactory
from tests.browser.conftest import PATIENT_PASSWORD, log_in_by_keyboard, log_in_clinician_of
from tests.browser.support import assert_no_axe_violations
from tests.symptoms.factories import published_release

pytestmark = pytest.mark.browser
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != "en"]


@pytest.fixture
def browser_in_rome(browser: WebDriver) -> Iterator[WebDriver]:
    """The session's browser, set for a while to Rome's clock and an Italian Accept-Language."""
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Rome"})
    browser.execute_cdp_cmd(
        "Network.setExtraHTTPHeaders", {"headers": {"Accept-Language": "it-IT,it;q=0.9"}}
    )
    yield browser
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})


@pytest.mark.skipif("it" not in TRANSLATED, reason="Italian is not complete")
def test_signing_up_in_rome_gets_rome_s_zone_and_italian_offered(
    browser_in_rome: WebDriver, url_for: Callable[..., str]
) -> None:
    browser = browser_in_rome
    browser.get(url_for("accounts:signup"))

    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "it"
    zone = Select(browser.find_element(By.NAME, "time_zone"))
    assert zone.first_selected_option.get_attribute("value") == "Europe/Rome"
    language = Select(browser.find_element(By.NAME, "language"))
    assert language.first_selected_option.get_attribute("value") == "it"
    assert [option.text for option in language.options] == [name for _, name in settings.LANGUAGES]
    assert_no_axe_violations(browser)


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_patient_s_pages_pass_axe_in_each_language(
    language: str, browser: WebDriver, patient: User, url_for: Callable[..., Any]
) -> None:
    account_services.profile_update(user=patient, actor=patient, data={"language": language})
    log_in_by_keyboard(browser, url_for("accounts:login"), patient.email, PATIENT_PASSWORD)
    names = ("accounts:home", "symptoms:checkin", "symptoms:history", "accounts:profile")
    assert_pages_pass_axe_in(browser, language, [url_for(name) for name in names])


def assert_pages_pass_axe_in(browser: WebDriver, language: str, urls: list[str]) -> None:
    for url in urls:
        browser.get(url)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == language, url
        assert_no_axe_violations(browser)


@pytest.fixture
def browser_speaking(browser: WebDriver) -> Iterator[Callable[[str], WebDriver]]:
    """``browser_speaking("it")``: the session's browser asking for pages in that language."""

    def speak(language: str) -> WebDriver:
        browser.execute_cdp_cmd(
            "Network.setExtraHTTPHeaders", {"headers": {"Accept-Language": language}}
        )
        return browser

    yield speak
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_clinician_s_pages_pass_axe_in_each_language(
    language: str,
    browser_speaking: Callable[[str], WebDriver],
    patient: User,
    url_for: Callable[..., Any],
) -> None:
    browser = browser_speaking(language)
    log_in_clinician_of(browser, patient, url_for)
    urls = [
        url_for("symptoms:clinic_patients"),
        url_for("symptoms:clinic_patient", patient.public_id),
        url_for("symptoms:clinic_summary", patient.public_id),
    ]
    assert_pages_pass_axe_in(browser, language, urls)


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_researcher_s_pages_pass_axe_in_each_language(
    language: str,
    browser_speaking: Callable[[str], WebDriver],
    transactional_db: Any,
    url_for: Callable[..., Any],
) -> None:
    release = published_release(people=12)
    assert release is not None
    staff = StaffFactory(email="staff@example.org")
    researcher = ResearcherFactory(email="ruth@example.org", password=PATIENT_PASSWORD)
    account_services.researcher_decide(researcher=researcher, staff=staff, approve=True)
    browser = browser_speaking(language)
    log_in_by_keyboard(browser, url_for("accounts:login"), researcher.email, PATIENT_PASSWORD)
    urls = [
        url_for("symptoms:research_home"),
        url_for("symptoms:research_release", release.public_id),
        url_for("symptoms:research_priorities"),
    ]
    assert_pages_pass_axe_in(browser, language, urls)
