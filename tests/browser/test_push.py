"""The "turn on notifications on this device" button in a real browser, by keyboard: the page
asks nothing on arrival, Tab reaches the button, Enter asks the browser's permission (once),
and the answer is announced; the page passes axe with the section shown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import LazySettings
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from symptoms.reminders.push import vapid_keys_generate
from tests.browser.support import assert_no_axe_violations, focused, press, tab_to

pytestmark = pytest.mark.browser

# Counts calls to Notification.requestPermission, installed before any script of the page runs.
COUNT_PERMISSION_REQUESTS = """
window.__permissionRequests = 0;
if (window.Notification) {
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = function () {
    window.__permissionRequests += 1;
    return ask();
  };
}
"""


@pytest.fixture
def push_on(settings: LazySettings) -> None:
    settings.WEBPUSH_VAPID_PUBLIC_KEY, settings.WEBPUSH_VAPID_PRIVATE_KEY = vapid_keys_generate()


@pytest.fixture
def counted(patient_browser: WebDriver) -> Iterator[WebDriver]:
    added = patient_browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": COUNT_PERMISSION_REQUESTS}
    )
    # The person has blocked notifications for the site: the permission answer comes at once.
    patient_browser.execute_cdp_cmd(
        "Browser.setPermission",
        {"permission": {"name": "notifications"}, "setting": "denied"},
    )
    yield patient_browser
    patient_browser.execute_cdp_cmd(
        "Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]}
    )
    patient_browser.execute_cdp_cmd("Browser.resetPermissions", {})


def test_the_push_button_asks_only_when_pressed_by_keyboard(
    push_on: None, counted: WebDriver, url_for: Callable[..., str]
) -> None:
    driver = counted
    driver.get(url_for("symptoms:reminders"))
    status = driver.find_element(By.CSS_SELECTOR, "[data-push-status]")

    assert driver.execute_script("return window.__permissionRequests") == 0
    # One button at a time: "Turn off" is hidden until this device is on.
    assert not driver.find_element(By.CSS_SELECTOR, "[data-push-off]").is_displayed()
    tab_to(driver, "[data-push-on]", limit=60)
    press(driver, Keys.ENTER)

    denied = "This browser is set to block notifications from this site."
    WebDriverWait(driver, 10).until(lambda _: denied in status.text)
    assert driver.execute_script("return window.__permissionRequests") == 1
    # Still on the button, which is usable again: the person can try after changing the setting.
    button: Any = focused(driver)
    assert button.get_attribute("data-push-on") is not None
    assert button.is_enabled()
    assert_no_axe_violations(driver)
