"""Browser fixtures: one headless Chromium for the whole session, driven by Selenium against
pytest-django's ``live_server`` (which also serves static files through staticfiles).

- ``browser``: that Chromium with no cookies, the live server running, at about:blank.
- ``patient_browser``: the same, logged in as ``patient`` through the login form by keyboard.
- ``url_for("accounts:profile")``: the live server's full URL for a URL name.

Debian's ``chromium`` and ``chromium-driver`` are used by their paths, so Selenium Manager never
downloads anything. Without them the tests skip; with REQUIRE_SERVICES=1 (CI) they fail.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread
from django.urls import reverse
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from accounts.models import User
from tests.accounts.factories import (
    ClinicianFactory,
    PatientFactory,
    SharingLinkFactory,
    current_totp_code,
)
from tests.browser.support import press, press_and_wait_for_page, wait_for_focus

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WINDOW_SIZE = (1280, 1024)
PATIENT_EMAIL = "pat@example.org"
PATIENT_PASSWORD = "a long keyboard-typed passphrase"


def start_chromium() -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # runs as root in CI containers
        "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
        f"--window-size={WINDOW_SIZE[0]},{WINDOW_SIZE[1]}",
        "--force-device-scale-factor=1",
        "--lang=en",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en"})
    # An explicit driver path: Selenium skips Selenium Manager and downloads nothing.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    # No site has a favicon yet: the browser's request for one would be a 404 logged in every
    # test, served while the test goes on, on the database connection the test uses.
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/favicon.ico"]})
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver


@pytest.fixture(scope="session")
def chromium_available() -> None:
    """Chromium and its driver, or skip; with REQUIRE_SERVICES=1 (CI) their absence fails."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        message = (
            f"browser test: {', '.join(missing)} missing (apt-get install chromium chromium-driver)"
        )
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


class OneRequestAtATimeServer(WSGIServer):
    """The live server without request threads. With in-memory SQLite every request shares the
    test's one connection, and two at once (a page's chart images load in parallel) hang on
    it; served one by one they cannot. Connections close after each response, as Django's
    unthreaded server does, so no idle keep-alive blocks the next request."""

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="session")
def _serve_one_request_at_a_time(django_db_setup: None) -> Iterator[None]:
    from django.db import connection

    if connection.vendor != "sqlite":
        # PostgreSQL (CI): each request thread has its own connection; keep the threads.
        yield
        return
    threaded = LiveServerThread.server_class
    LiveServerThread.server_class = OneRequestAtATimeServer
    yield
    LiveServerThread.server_class = threaded


@pytest.fixture(scope="session")
def chromium(
    chromium_available: None,
    django_db_setup: None,
    _serve_one_request_at_a_time: None,
    live_server: Any,
) -> Iterator[WebDriver]:
    """The one browser of the session (starting Chromium costs about a second).

    It quits before the live server stops and the test database is dropped: until then the
    server's request threads hold the browser's idle keep-alive connections, and each thread
    keeps its database connection (PostgreSQL refuses to drop a database in use) or shares
    the test's one (in-memory SQLite).
    """
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium: WebDriver, live_server: Any) -> WebDriver:
    """The session's browser, with nothing left from earlier tests.

    ``live_server`` makes the test transactional: the database is emptied after each test, so
    a session cookie from an earlier test would name a session that no longer exists.
    """
    chromium.get("about:blank")
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    return chromium


@pytest.fixture
def url_for(live_server: Any) -> Callable[..., str]:
    """``url_for("accounts:profile")``: the full live-server URL of a URL name."""

    def url(name: str, *args: Any, **kwargs: Any) -> str:
        return live_server.url + reverse(name, args=args or None, kwargs=kwargs or None)

    return url


@pytest.fixture
def patient(transactional_db: Any) -> User:
    return PatientFactory(email=PATIENT_EMAIL, full_name="Pat Patient", password=PATIENT_PASSWORD)


def log_in_by_keyboard(driver: WebDriver, login_url: str, email: str, password: str) -> None:
    """Open the login page and log in as a keyboard user would: the email field has focus on
    arrival, type the email, Tab, type the password, Enter."""
    driver.get(login_url)
    wait_for_focus(driver, "input[name=login]")
    press(driver, email, Keys.TAB)
    wait_for_focus(driver, "input[name=password]")
    press(driver, password)
    press_and_wait_for_page(driver, Keys.ENTER)
    if "/2fa/authenticate/" in driver.current_url:
        # A clinician, researcher or staff member: the code from their authenticator app.
        wait_for_focus(driver, "input[name=code]")
        press(driver, current_totp_code())
        press_and_wait_for_page(driver, Keys.ENTER)


@pytest.fixture
def patient_browser(browser: WebDriver, patient: User, url_for: Callable[..., str]) -> WebDriver:
    """The browser, logged in as ``patient`` through the real login form, on the home page."""
    log_in_by_keyboard(browser, url_for("accounts:login"), PATIENT_EMAIL, PATIENT_PASSWORD)
    assert browser.current_url == url_for("accounts:home"), browser.current_url
    assert browser.find_element(By.TAG_NAME, "h1").text == "Hello, Pat"
    return browser


CLINICIAN_EMAIL = "clare@example.org"
CLINICIAN_PASSWORD = "another long keyboard-typed passphrase"


def log_in_clinician_of(browser: WebDriver, patient: User, url_for: Callable[..., str]) -> None:
    """Make a clinician ``patient`` shares with and log them in by keyboard, onto their home."""
    clinician = ClinicianFactory(
        email=CLINICIAN_EMAIL, full_name="Dr Clare Clinician", password=CLINICIAN_PASSWORD
    )
    SharingLinkFactory(patient=patient, clinician=clinician)
    log_in_by_keyboard(browser, url_for("accounts:login"), CLINICIAN_EMAIL, CLINICIAN_PASSWORD)
    assert browser.current_url == url_for("accounts:home"), browser.current_url
