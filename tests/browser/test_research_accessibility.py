"""WCAG 2.2 AA in a real browser for the research pages: the public priorities page (chart and
tables), and the releases pages as an approved researcher and as staff (with the build form's
error state)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from accounts import services as account_services
from symptoms.models import Release
from tests.accounts.factories import ResearcherFactory, StaffFactory
from tests.browser.conftest import log_in_by_keyboard
from tests.browser.support import assert_no_axe_violations, press_and_wait_for_page
from tests.symptoms.factories import published_release

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase typed by keyboard"


@pytest.fixture
def release(transactional_db: Any) -> Release:
    built = published_release(people=12)
    assert built is not None
    return built


def _log_in(browser: WebDriver, url_for: Callable[..., str], *, staff: bool) -> None:
    sam = StaffFactory(email="staff@example.org", password=PASSWORD)
    if staff:
        email = "staff@example.org"
    else:
        email = "ruth@example.org"
        ruth = ResearcherFactory(email=email, password=PASSWORD)
        account_services.researcher_decide(researcher=ruth, staff=sam, approve=True)
    log_in_by_keyboard(browser, url_for("accounts:login"), email, PASSWORD)
    assert browser.current_url == url_for("accounts:home"), browser.current_url


def test_the_priorities_page_has_no_axe_violations(
    browser: WebDriver, url_for: Callable[..., str], release: Release
) -> None:
    assert_no_axe_violations(browser, url_for("symptoms:research_priorities"))
    chart = browser.find_element(By.CSS_SELECTOR, ".chart img")
    assert browser.execute_script("return arguments[0].naturalWidth > 0", chart)


def test_the_researcher_release_pages_have_no_axe_violations(
    browser: WebDriver, url_for: Callable[..., str], release: Release
) -> None:
    _log_in(browser, url_for, staff=False)

    assert_no_axe_violations(browser, url_for("symptoms:research_releases"))
    assert_no_axe_violations(browser, url_for("symptoms:research_release", release.public_id))
    assert browser.find_element(By.LINK_TEXT, "Download CSV").is_displayed()


def test_the_staff_build_form_and_its_errors_have_no_axe_violations(
    browser: WebDriver, url_for: Callable[..., str], release: Release
) -> None:
    _log_in(browser, url_for, staff=True)
    assert_no_axe_violations(browser, url_for("symptoms:research_releases"))

    browser.find_element(By.NAME, "first_quarter").send_keys("Q1 2026")
    press_and_wait_for_page(browser, Keys.ENTER)

    assert (
        "Write a quarter as 2026-Q1." in browser.find_element(By.CLASS_NAME, "error-summary").text
    )
    assert_no_axe_violations(browser)
