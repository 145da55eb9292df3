"""On a phone: every page of a person with MS reflows at 320 CSS pixels with no sideways scroll
(WCAG 1.4.10), the menu folds under one "Menu" button, and a 0-10 scale sits in two balanced
rows with its end labels beside the end boxes. Chromium emulates the phone's screen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from accounts.models import PatientProfile, User
from accounts.selectors import local_today
from symptoms.models import Report
from symptoms.reports.demo import demo_history_create
from tests.browser.support import (
    assert_no_axe_violations,
    press,
    press_and_wait_for_page,
    tab_to,
    wait_for_focus,
)

pytestmark = pytest.mark.browser

PHONE_WIDTH = 320


@pytest.fixture
def phone(patient_browser: WebDriver, patient: User) -> Iterator[WebDriver]:
    demo_history_create(patient=patient, today=local_today(patient=patient))
    patient_browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": 800, "deviceScaleFactor": 1, "mobile": True},
    )
    yield patient_browser
    patient_browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def page_width(driver: WebDriver) -> int:
    return int(driver.execute_script("return document.documentElement.scrollWidth"))


PATIENT_PAGES = [
    "accounts:home",
    "symptoms:checkin",
    "symptoms:history",
    "symptoms:reminders",
    "symptoms:my_data",
    "accounts:profile",
    "accounts:sharing",
    "accounts:consent",
    "accounts:sessions",
]


@pytest.mark.parametrize("url_name", PATIENT_PAGES)
def test_every_page_reflows_at_320_pixels(
    phone: WebDriver, url_for: Callable[..., str], url_name: str
) -> None:
    phone.get(url_for(url_name))
    assert page_width(phone) <= PHONE_WIDTH, url_name
    assert_no_axe_violations(phone)


@pytest.mark.parametrize("language", ["it", "fr"])
def test_every_page_reflows_at_320_pixels_in_each_translated_language(
    phone: WebDriver, url_for: Callable[..., str], patient: User, language: str
) -> None:
    # Translations are longer than English: the same pages, in the person's own language.
    PatientProfile.objects.filter(user=patient).update(language=language)
    for url_name in PATIENT_PAGES:
        phone.get(url_for(url_name))
        assert phone.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
        assert page_width(phone) <= PHONE_WIDTH, url_name
        assert_no_axe_violations(phone)


def test_the_menu_folds_under_one_button_and_opens_by_keyboard(
    phone: WebDriver, url_for: Callable[..., str]
) -> None:
    phone.get(url_for("accounts:home"))
    menu = phone.find_element(By.CSS_SELECTOR, "[data-nav-menu]")
    assert menu.get_attribute("open") is None
    header = phone.find_element(By.CSS_SELECTOR, ".site-header")
    assert header.size["height"] < 130  # one row of links would be four rows here

    tab_to(phone, "summary.nav-toggle")
    press(phone, Keys.ENTER)
    assert menu.get_attribute("open") is not None
    tab_to(phone, "a[href$='/history/']")


def test_a_0_to_10_scale_sits_in_two_balanced_rows_with_its_labels_at_its_ends(
    phone: WebDriver, url_for: Callable[..., str]
) -> None:
    phone.get(url_for("symptoms:checkin"))
    scale = phone.find_elements(By.CSS_SELECTOR, ".scale-options")[0]
    boxes = scale.find_elements(By.CSS_SELECTOR, ".answer-option label")
    assert len(boxes) == 11
    rows: dict[int, list[Any]] = {}
    for box in boxes:
        rows.setdefault(box.location["y"], []).append(box)
    assert [len(row) for row in rows.values()] == [6, 5]
    assert min(box.size["width"] for box in boxes) >= 40
    ten = boxes[-1]
    end_label = scale.find_element(By.XPATH, "following-sibling::p[1]")
    assert "10" in end_label.text
    # The "10" label is just under the "10" box, and ends where that box ends.
    assert 0 <= end_label.location["y"] - (ten.location["y"] + ten.size["height"]) < 20
    ten_right = ten.location["x"] + ten.size["width"]
    label_right = end_label.location["x"] + end_label.size["width"]
    assert abs(label_right - scale.location["x"] - scale.size["width"]) < 2
    assert ten_right <= label_right + 1


# --- Keyboard: the question has the focus, Enter moves on, Send comes first --------------------


def test_a_21_item_questionnaire_by_keyboard_costs_about_two_keys_a_question(
    patient_browser: WebDriver, patient: User, url_for: Callable[..., str]
) -> None:
    driver = patient_browser
    driver.get(url_for("symptoms:question", "mfis", 1))
    keys = 0
    for number in range(1, 22):
        # The page opens with the keyboard on the question's first answer.
        wait_for_focus(driver, "[data-question] input[type=radio]")
        assert str(number) in driver.title
        # Answer 2 ("sometimes") on every item: two arrow presses, then Enter for Next.
        press(driver, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
        press_and_wait_for_page(driver, Keys.ENTER)
        keys += 3

    assert driver.current_url == url_for("symptoms:review", "mfis")
    # On the review page "Send my answers" is the first stop in main: skip link, Enter, Tab.
    press(driver, Keys.TAB)
    wait_for_focus(driver, "a.skip-link")
    press(driver, Keys.ENTER)
    tabs = tab_to(driver, "main button[type=submit]", limit=1)
    press_and_wait_for_page(driver, Keys.ENTER)
    keys += 2 + tabs + 1
    stored = Report.objects.get(patient=patient, instrument="mfis")
    assert set(stored.answers.values()) == {2}
    assert len(stored.answers) == 21
    print(f"\nMFIS (21 items) by keyboard: {keys} key presses")
    assert keys == 21 * 3 + 4
