"""WCAG 2.2 AA in a real browser for the staff home (a researcher waiting, a failed build, a
failed delivery) and the researcher's home (the latest release), each logged in by keyboard;
and approving a researcher from the staff home with the keyboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from accounts import services as account_services
from accounts.models import ResearcherProfile
from symptoms.models import DeliveryEvent, Release, ReleaseStatus
from tests.accounts.factories import ResearcherFactory, StaffFactory
from tests.browser.conftest import log_in_by_keyboard
from tests.browser.support import assert_no_axe_violations, press_and_wait_for_page
from tests.symptoms.factories import ReminderDeliveryFactory, published_release

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase typed by keyboard"


def test_the_staff_home_has_no_axe_violations(
    browser: WebDriver, url_for: Callable[..., str], transactional_db: Any
) -> None:
    StaffFactory(email="staff@example.org", password=PASSWORD)
    waiting = ResearcherFactory(email="rita@example.org", full_name="Rita Researcher")
    Release.objects.create(spec_version="1", status=ReleaseStatus.FAILED, error="timeout")
    ReminderDeliveryFactory(event=DeliveryEvent.FAILED, reason="bounced")
    log_in_by_keyboard(browser, url_for("accounts:login"), "staff@example.org", PASSWORD)

    assert_no_axe_violations(browser, url_for("accounts:home"))
    # By keyboard: focus the Approve button (as Tab would reach it) and press Enter.
    browser.execute_script(
        "arguments[0].focus()", browser.find_element(By.CSS_SELECTOR, 'button[value="approve"]')
    )
    press_and_wait_for_page(browser, Keys.ENTER)
    assert "Rita Researcher is approved." in browser.find_element(By.TAG_NAME, "main").text
    assert ResearcherProfile.objects.get(user=waiting).status == "approved"
    assert_no_axe_violations(browser)


def test_the_researcher_home_has_no_axe_violations(
    browser: WebDriver, url_for: Callable[..., str], transactional_db: Any
) -> None:
    release = published_release(people=12)
    sam = StaffFactory(email="staff@example.org", password=PASSWORD)
    ruth = ResearcherFactory(email="ruth@example.org", password=PASSWORD)
    account_services.researcher_decide(researcher=ruth, staff=sam, approve=True)
    log_in_by_keyboard(browser, url_for("accounts:login"), "ruth@example.org", PASSWORD)

    assert_no_axe_violations(browser, url_for("symptoms:research_home"))
    assert f"Release {release.number}" in browser.find_element(By.TAG_NAME, "main").text
