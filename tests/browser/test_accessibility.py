"""WCAG 2.2 AA in a real browser: axe-core finds nothing on each page, and a patient can do
everything with the keyboard alone.

A new page is one more entry in LOGGED_IN_PAGES (or one ``assert_no_axe_violations`` call
after filling in a form, to check its error state too).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from accounts.models import User
from symptoms.models import DeliveryEvent, OccurrenceStatus, ReminderSchedule
from symptoms.reminders.links import reminder_link_token
from tests.browser.support import (
    assert_no_axe_violations,
    axe_source,
    press,
    press_and_wait_for_page,
    select_all,
    tab_to,
    wait_for_focus,
)
from tests.symptoms.factories import (
    ReminderDeliveryFactory,
    ReminderOccurrenceFactory,
    ReminderScheduleFactory,
)

pytestmark = pytest.mark.browser

# Every page a logged-in patient can open: a URL name and its arguments.
LOGGED_IN_PAGES = [
    ("accounts:home",),
    ("accounts:profile",),
    ("accounts:consent",),
    ("accounts:sharing",),
    ("symptoms:checkin",),
    ("symptoms:questionnaire", "fss"),
    ("symptoms:question", "fss", 1),
    ("symptoms:history",),
    ("symptoms:reminders",),
    ("symptoms:my_data",),
]


# --- The checker itself ---------------------------------------------------------------------


def test_axe_checks_wcag_22_and_reports_what_to_fix(chromium: WebDriver) -> None:
    """A page with known faults fails with the rule, impact, help and element: the check can
    fail, and its message says what to fix."""
    chromium.get(
        "data:text/html,<!DOCTYPE html><html lang='en'><title>Faulty</title>"
        "<main><img src='chart.png'></main></html>"
    )
    chromium.execute_script(axe_source())
    assert "target-size" in chromium.execute_script(
        "return axe.getRules(['wcag22aa']).map((rule) => rule.ruleId)"
    )

    with pytest.raises(AssertionError) as failure:
        assert_no_axe_violations(chromium)

    message = str(failure.value)
    assert "image-alt (critical): Images must have alternat" in message
    assert "  - img\n" in message
    assert '<img src="chart.png">' in message
    assert "https://dequeuniversity.com/rules/axe/" in message


def test_live_server_serves_the_stylesheet(browser: WebDriver, url_for: Callable[..., str]) -> None:
    """Colour contrast and target size only mean something with the real CSS applied."""
    browser.get(url_for("accounts:login"))
    header = browser.find_element(By.CLASS_NAME, "site-header")
    assert header.value_of_css_property("background-color") == "rgba(13, 47, 110, 1)"


# --- axe-core on every page -----------------------------------------------------------------


def test_login_page_has_no_axe_violations(browser: WebDriver, url_for: Callable[..., str]) -> None:
    assert_no_axe_violations(browser, url_for("accounts:login"))


@pytest.mark.parametrize("page", LOGGED_IN_PAGES, ids=lambda page: "/".join(map(str, page)))
def test_patient_page_has_no_axe_violations(
    patient_browser: WebDriver, url_for: Callable[..., str], page: tuple[str | int, ...]
) -> None:
    assert_no_axe_violations(patient_browser, url_for(*page))


# --- Keyboard only --------------------------------------------------------------------------


def test_skip_link_is_first_visible_and_moves_focus_to_main(
    patient_browser: WebDriver, url_for: Callable[..., str]
) -> None:
    patient_browser.get(url_for("accounts:home"))

    press(patient_browser, Keys.TAB)
    link = wait_for_focus(patient_browser, "a.skip-link")
    assert link.is_displayed()
    assert patient_browser.execute_script(
        """const box = arguments[0].getBoundingClientRect();
        return box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight
          && box.width > 0 && arguments[0].matches(':focus-visible');""",
        link,
    ), "the focused skip link should be on screen with its focus ring"

    press(patient_browser, Keys.ENTER)
    wait_for_focus(patient_browser, "main#main")
    assert patient_browser.current_url == url_for("accounts:home") + "#main"
    # The next Tab goes on inside main, past the header's links.
    press(patient_browser, Keys.TAB)
    wait_for_focus(patient_browser, "main#main *")


def test_wrong_password_by_keyboard_focuses_an_accessible_error_summary(
    browser: WebDriver, url_for: Callable[..., str], patient: User
) -> None:
    browser.get(url_for("accounts:login"))
    wait_for_focus(browser, "input[name=login]")
    press(browser, patient.email, Keys.TAB, "not the password")
    press_and_wait_for_page(browser, Keys.ENTER)

    summary = wait_for_focus(browser, ".error-summary")
    assert "The email or password is not correct." in summary.text
    assert browser.title.startswith("Error:")
    assert_no_axe_violations(browser)


def test_patient_changes_their_name_by_keyboard(
    patient_browser: WebDriver, url_for: Callable[..., str], patient: User
) -> None:
    patient_browser.get(url_for("accounts:profile"))
    tab_to(patient_browser, "input[name=full_name]")
    select_all(patient_browser)
    press(patient_browser, "Patricia Patient")
    press_and_wait_for_page(patient_browser, Keys.ENTER)

    status = patient_browser.find_element(By.CSS_SELECTOR, "[role=status]")
    assert status.text == "Your changes are saved."
    patient.refresh_from_db()
    assert patient.full_name == "Patricia Patient"
    assert_no_axe_violations(patient_browser)


# --- Reminders ----------------------------------------------------------------------------------


@pytest.fixture
def weekly_reminder(patient: User) -> ReminderSchedule:
    """A weekly reminder with quiet hours, a second one switched off, and a log in which
    something was sent, failed and was answered."""
    schedule = ReminderScheduleFactory(
        patient=patient,
        instrument="fss",
        frequency="weekly",
        weekday=0,
        every_n_weeks=2,
        quiet_start=time(22, 0),
        quiet_end=time(7, 0),
    )
    ReminderScheduleFactory(patient=patient, is_active=False)
    row = ReminderOccurrenceFactory(schedule=schedule, status=OccurrenceStatus.COMPLETED)
    for event, reason in (
        (DeliveryEvent.PLANNED, ""),
        (DeliveryEvent.FAILED, "smtp_421"),
        (DeliveryEvent.SENT, ""),
        (DeliveryEvent.COMPLETED, ""),
    ):
        ReminderDeliveryFactory(occurrence=row, event=event, reason=reason)
    return schedule


def test_reminder_pages_have_no_axe_violations(
    patient_browser: WebDriver, url_for: Callable[..., str], weekly_reminder: ReminderSchedule
) -> None:
    assert_no_axe_violations(patient_browser, url_for("symptoms:reminders"))
    tables = patient_browser.find_elements(By.CSS_SELECTOR, "table.data-table")
    assert len(tables) == 3
    assert "the email could not be delivered" in tables[2].text
    assert_no_axe_violations(
        patient_browser, url_for("symptoms:reminder_edit", weekly_reminder.public_id)
    )


def test_patient_changes_a_reminder_by_keyboard_and_sees_errors_first(
    patient_browser: WebDriver, url_for: Callable[..., str], weekly_reminder: ReminderSchedule
) -> None:
    patient_browser.get(url_for("symptoms:reminder_edit", weekly_reminder.public_id))
    tab_to(patient_browser, "input[name=every_n_weeks]")
    select_all(patient_browser)
    press(patient_browser, "13")
    press_and_wait_for_page(patient_browser, Keys.ENTER)

    summary = wait_for_focus(patient_browser, ".error-summary")
    assert "Every 1 to 12 weeks." in summary.text
    assert patient_browser.title.startswith("Error:")
    assert_no_axe_violations(patient_browser)
    weekly_reminder.refresh_from_db()
    assert weekly_reminder.every_n_weeks == 2

    tab_to(patient_browser, "input[name=every_n_weeks]")
    select_all(patient_browser)
    press(patient_browser, "3")
    press_and_wait_for_page(patient_browser, Keys.ENTER)

    assert patient_browser.current_url == url_for("symptoms:reminders")
    status = patient_browser.find_element(By.CSS_SELECTOR, "[role=status]")
    assert status.text == "Your reminder for “Fatigue Severity Scale” is saved."
    weekly_reminder.refresh_from_db()
    assert weekly_reminder.every_n_weeks == 3
    assert_no_axe_violations(patient_browser)


def test_the_pause_link_page_has_no_axe_violations(
    browser: WebDriver, url_for: Callable[..., str], weekly_reminder: ReminderSchedule
) -> None:
    """The page a reminder email links to, opened without logging in, before and after a
    choice made with the keyboard."""
    token = reminder_link_token(weekly_reminder)
    assert_no_axe_violations(browser, url_for("symptoms:reminder_manage", token))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Pause or stop a reminder"

    tab_to(browser, "button[value=stop]")
    press_and_wait_for_page(browser, Keys.ENTER)

    assert "This reminder is stopped." in browser.find_element(By.CSS_SELECTOR, "main").text
    weekly_reminder.refresh_from_db()
    assert not weekly_reminder.is_active
    assert_no_axe_violations(browser)
