"""Charts are legible on a phone: every piece of chart text renders at 12 CSS pixels or more at
320x640 and 390x844, on the person's history and on the clinician's pages, and the history
page does not scroll sideways (issue 18).

A chart image is an SVG scaled to its box, so the size of its text as rendered is the text's
size in the drawing times the scale: the browser gives both. The test opens the very file the
page chose (``currentSrc``: the ``<picture>``'s narrow source on a phone), reads each text's
computed font size times its screen transform there, and scales by the image's rendered width
over the drawing's own. Inline SVG (the summary's small multiples) is measured in place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import User
from accounts.selectors import local_today
from symptoms.reports.demo import demo_history_create
from tests.browser.conftest import log_in_clinician_of

pytestmark = pytest.mark.browser

PHONES = [(320, 640), (390, 844)]
SMALLEST_TEXT_PX = 12

# The rendered size of every non-empty <text> in the current document, in CSS pixels.
TEXT_SIZES = """
return Array.from(document.querySelectorAll(arguments[0]))
  .filter((text) => text.textContent.trim() !== "")
  .map((text) => [
    text.textContent.trim(),
    parseFloat(getComputedStyle(text).fontSize) * Math.hypot(
      text.getScreenCTM().a, text.getScreenCTM().b),
  ]);
"""


@pytest.fixture
def demo_patient(patient: User) -> User:
    demo_history_create(patient=patient, today=local_today(patient=patient))
    return patient


def on_phone(driver: WebDriver, width: int, height: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
    )


@pytest.fixture
def phone_sizes(browser: WebDriver) -> Iterator[None]:
    yield
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def loaded_images(driver: WebDriver, selector: str) -> list[tuple[str, float]]:
    """Each chart image's chosen file and rendered width, once all have loaded."""
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]))"
            ".every((img) => img.complete && img.naturalWidth > 0)",
            selector,
        )
    )
    images: list[tuple[str, float]] = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]))"
        ".map((img) => [img.currentSrc, img.getBoundingClientRect().width])",
        selector,
    )
    return images


def image_text_sizes(driver: WebDriver, selector: str) -> dict[str, float]:
    """The smallest rendered text size of each chart image on the current page, by file."""
    page = driver.current_url
    images = loaded_images(driver, selector)
    assert images, f"no chart on {page}"
    smallest: dict[str, float] = {}
    for source, rendered_width in images:
        driver.get(source)  # the drawing at its own size
        natural_width = driver.execute_script(
            "return document.documentElement.getBoundingClientRect().width"
        )
        sizes: list[Any] = driver.execute_script(TEXT_SIZES, "text")
        assert sizes, source
        scale = rendered_width / natural_width
        smallest[source] = min(size * scale for _text, size in sizes)
    driver.get(page)
    return smallest


def page_width(driver: WebDriver) -> int:
    return int(driver.execute_script("return document.documentElement.scrollWidth"))


@pytest.mark.parametrize(("width", "height"), PHONES)
def test_the_history_charts_are_legible_on_a_phone(
    patient_browser: WebDriver,
    demo_patient: User,
    url_for: Callable[..., str],
    phone_sizes: None,
    width: int,
    height: int,
) -> None:
    on_phone(patient_browser, width, height)
    for period in ("3m", "all"):
        patient_browser.get(url_for("symptoms:history") + f"?period={period}")
        sizes = image_text_sizes(patient_browser, ".chart img")
        assert all("width=narrow" in source for source in sizes), sizes
        assert min(sizes.values()) >= SMALLEST_TEXT_PX, sizes
        assert page_width(patient_browser) <= width
        # The tables behind the charts, opened, stay within the screen too.
        patient_browser.execute_script(
            "document.querySelectorAll('details').forEach((d) => d.open = true)"
        )
        assert page_width(patient_browser) <= width


def test_the_history_keeps_the_wide_chart_on_a_wide_screen(
    patient_browser: WebDriver, demo_patient: User, url_for: Callable[..., str]
) -> None:
    patient_browser.set_window_size(1280, 900)
    patient_browser.get(url_for("symptoms:history"))
    sizes = image_text_sizes(patient_browser, ".chart img")
    assert not any("width=narrow" in source for source in sizes), sizes
    assert min(sizes.values()) >= SMALLEST_TEXT_PX, sizes


@pytest.mark.parametrize(("width", "height"), PHONES)
def test_the_clinician_s_charts_are_legible_on_a_phone(
    browser: WebDriver,
    demo_patient: User,
    url_for: Callable[..., str],
    phone_sizes: None,
    width: int,
    height: int,
) -> None:
    log_in_clinician_of(browser, demo_patient, url_for)
    on_phone(browser, width, height)
    browser.get(url_for("symptoms:clinic_patient", demo_patient.public_id))
    sizes = image_text_sizes(browser, ".chart img")
    assert min(sizes.values()) >= SMALLEST_TEXT_PX, sizes

    browser.get(url_for("symptoms:clinic_summary", demo_patient.public_id))
    assert browser.find_elements(By.CSS_SELECTOR, ".small-multiple svg")
    sparkline_text = browser.execute_script(TEXT_SIZES, ".small-multiple svg text")
    assert sparkline_text
    assert min(size for _text, size in sparkline_text) >= SMALLEST_TEXT_PX, sparkline_text
