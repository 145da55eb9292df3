"""The reminder's one-tap link on a phone: the confirmation page, the check-in it opens and the
refusal page reflow at 320 CSS pixels with no sideways scroll and pass axe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import User
from symptoms.models import Report
from symptoms.reminders import one_tap
from tests.browser.support import assert_no_axe_violations
from tests.browser.test_phone import PHONE_WIDTH, page_width
from tests.symptoms.factories import ReminderOccurrenceFactory, ReminderScheduleFactory

pytestmark = pytest.mark.browser


def test_the_one_tap_pages_fit_a_phone_and_pass_axe(
    browser: WebDriver, url_for: Callable[..., str], patient: User
) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": 640, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        now = timezone.now()
        schedule = ReminderScheduleFactory(patient=patient, instrument="daily")
        row = ReminderOccurrenceFactory(
            schedule=schedule, opens_at=now, due_at=now, closes_at=now + timedelta(hours=6)
        )
        token = one_tap.one_tap_issue(occurrence=row)

        browser.get(url_for("symptoms:one_tap_open", token))
        assert browser.current_url.endswith("/one-tap/")  # the token is out of the address
        assert page_width(browser) <= PHONE_WIDTH
        assert_no_axe_violations(browser)

        button = browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
        button.click()
        WebDriverWait(browser, 20).until(lambda d: d.current_url.endswith("/check-in/"))
        assert page_width(browser) <= PHONE_WIDTH
        assert_no_axe_violations(browser)
        assert not Report.objects.filter(patient=patient).exists()

        browser.get(url_for("symptoms:one_tap_open", token))  # used: refused
        assert page_width(browser) <= PHONE_WIDTH
        assert_no_axe_violations(browser)
        assert "/login/" in browser.page_source
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
