"""The pre-visit summary on paper: the demo patient's year prints on at most two A4 pages in
headless Chromium (Chrome DevTools ``Page.printToPDF``), and axe finds nothing on the page.

With ``SUMMARY_PAGE1_PNG=path`` set, the test also saves a picture of the first printed page
(the page as printed media at A4 width, first 297 mm) for a reviewer to look at.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from accounts.models import User
from accounts.selectors import local_today
from symptoms.reports.demo import demo_history_create
from tests.browser.conftest import log_in_clinician_of
from tests.browser.support import assert_no_axe_violations

pytestmark = pytest.mark.browser

A4_INCHES = (8.27, 11.69)
A4_CSS_PIXELS = (794, 1123)  # 96 per inch
FIRST_PAGE_HEIGHT = int(os.environ.get("SUMMARY_PAGE1_HEIGHT", "1123"))


@pytest.fixture
def demo_patient(patient: User) -> User:
    profile = patient.patient_profile
    profile.birth_year, profile.ms_type, profile.diagnosis_year = 1968, "spms", 1999
    profile.save()
    demo_history_create(patient=patient, today=local_today(patient=patient))
    return patient


@pytest.fixture
def summary_browser(
    browser: WebDriver, demo_patient: User, url_for: Callable[..., str]
) -> WebDriver:
    log_in_clinician_of(browser, demo_patient, url_for)
    browser.get(url_for("symptoms:clinic_summary", demo_patient.public_id))
    return browser


def pdf_pages(driver: WebDriver) -> tuple[int, bytes]:
    printed: dict[str, Any] = driver.execute_cdp_cmd(
        "Page.printToPDF",
        {
            "paperWidth": A4_INCHES[0],
            "paperHeight": A4_INCHES[1],
            "preferCSSPageSize": True,
            "printBackground": True,
        },
    )
    pdf = base64.b64decode(printed["data"])
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf)), pdf


def test_the_demo_patient_s_summary_prints_on_at_most_two_a4_pages(
    summary_browser: WebDriver,
) -> None:
    text = summary_browser.find_element(By.TAG_NAME, "main").text
    assert "What changed" in text
    assert "Daily rating of walking and moving around" in text
    assert "reliable change, no published threshold" in text
    assert len(summary_browser.find_elements(By.CSS_SELECTOR, ".small-multiple svg")) == 5
    assert summary_browser.find_element(By.CSS_SELECTOR, "[data-print]").is_displayed()

    pages, pdf = pdf_pages(summary_browser)

    picture = os.environ.get("SUMMARY_PAGE1_PNG")
    if picture:
        save_first_page(summary_browser, picture)
    assert pdf.startswith(b"%PDF")
    assert 1 <= pages <= 2, f"{pages} A4 pages"


def save_first_page(driver: WebDriver, path: str) -> None:
    driver.set_window_size(*A4_CSS_PIXELS)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": 794, "height": FIRST_PAGE_HEIGHT, "scale": 1},
            },
        )
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    with open(path, "wb") as file:
        file.write(base64.b64decode(shot["data"]))


def test_the_summary_of_the_demo_patient_has_no_axe_violations(
    summary_browser: WebDriver,
) -> None:
    assert_no_axe_violations(summary_browser)
