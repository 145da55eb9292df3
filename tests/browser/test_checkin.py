"""A patient completes the daily check-in with the keyboard alone: from the home page, through
the five rating groups (arrow keys), a skip answer, a context tag and a note, to the receipt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from accounts.models import User
from symptoms.models import Report
from tests.browser.support import (
    assert_no_axe_violations,
    focused,
    press,
    press_and_wait_for_page,
    tab_to,
    wait_for_focus,
)
from tests.symptoms.factories import report

pytestmark = pytest.mark.browser

# Arrow presses from the first option (0) per item; the last two options of each group are
# "Unable to answer" and "Too tired to answer" (11 and 12 presses from 0).
PRESSES = {"fatigue": 7, "mobility": 6, "upper_limb": 3, "pain": 12, "cognition": 0}


def test_a_patient_completes_the_check_in_by_keyboard_only(
    patient_browser: WebDriver, patient: User, url_for: Callable[..., str]
) -> None:
    driver = patient_browser

    # Home: the skip link, then the first thing in main is today's check-in.
    press(driver, Keys.TAB)
    wait_for_focus(driver, "a.skip-link")
    press(driver, Keys.ENTER)
    keys = 2 + tab_to(driver, "main a[href='/check-in/']", limit=3)
    press_and_wait_for_page(driver, Keys.ENTER)
    keys += 1
    assert driver.current_url == url_for("symptoms:checkin")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Today's check-in"
    assert_no_axe_violations(driver)
    press(driver, Keys.TAB)
    wait_for_focus(driver, "a.skip-link")
    press(driver, Keys.ENTER)
    keys += 2

    for item, presses in PRESSES.items():
        # Tab enters the group on its first option; arrows move and select within it.
        keys += tab_to(driver, f"input[type=radio][name={item}]", limit=5)
        if presses == 0:
            press(driver, Keys.SPACE)
        else:
            press(driver, *[Keys.ARROW_RIGHT] * presses)
        keys += max(presses, 1)
        assert focused(driver).get_attribute("checked") == "true", item

    keys += tab_to(driver, "input[type=checkbox][value=heat]", limit=5) + 1
    press(driver, Keys.SPACE)
    keys += tab_to(driver, "textarea[name=note]", limit=10)
    press(driver, "Hot and tired.")
    keys += tab_to(driver, "button[type=submit]", limit=5) + 1
    press_and_wait_for_page(driver, Keys.ENTER)
    # Reported in the closing note (the typed note not counted): the check-in's keyboard cost.
    print(f"\ncheck-in by keyboard: {keys} key presses besides the note's text")

    assert driver.find_element(By.TAG_NAME, "h1").text == "Saved"
    assert_no_axe_violations(driver)
    stored = Report.objects.get(patient=patient)
    assert stored.answers == {
        "fatigue": 7,
        "mobility": 6,
        "upper_limb": 3,
        "pain": "too_tired",
        "cognition": 0,
    }
    assert stored.context_tags == ["heat"]
    assert stored.note == "Hot and tired."
    assert stored.scores["pain"] is None


def test_the_history_with_charts_and_open_tables_has_no_violations(
    patient_browser: WebDriver, patient: User, url_for: Callable[..., str]
) -> None:
    today = timezone.localdate()
    for days_ago in range(1, 60, 2):
        report(patient, on=today - timedelta(days=days_ago))
    report(patient, "mfis", {str(n): 2 for n in range(1, 22)}, on=today - timedelta(days=20))
    driver = patient_browser

    driver.get(url_for("symptoms:history"))
    charts = driver.find_elements(By.CSS_SELECTOR, "img[src*='/history/charts/']")
    assert len(charts) >= 5
    assert all(chart.get_attribute("alt") for chart in charts)
    # Every chart image loaded (its CSP allows the SVG's inline styles and nothing else).
    assert driver.execute_script(
        "return [...document.images].every((image) => image.complete && image.naturalWidth > 0)"
    )
    # Open the first table by keyboard, then check the page as it is shown.
    tab_to(driver, "summary", limit=40)
    press(driver, Keys.ENTER)
    assert driver.find_element(By.CSS_SELECTOR, "details").get_attribute("open") == "true"
    for details in driver.find_elements(By.CSS_SELECTOR, "details"):
        driver.execute_script("arguments[0].open = true", details)
    assert_no_axe_violations(driver)
