"""Passkeys in a real browser: a patient adds one and then signs in with it alone, no email and
no password, through Chromium's virtual authenticator (the DevTools WebAuthn domain) standing in
for a phone's fingerprint or face unlock. Also the accessibility of the sign-in pages allauth
serves in the site's layout."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from accounts.models import User
from tests.accounts.factories import ClinicianFactory, current_totp_code
from tests.browser.conftest import PATIENT_PASSWORD, log_in_by_keyboard
from tests.browser.support import (
    WAIT_SECONDS,
    assert_no_axe_violations,
    press,
    press_and_wait_for_page,
    tab_to,
    wait_for_focus,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def virtual_authenticator(patient_browser: WebDriver) -> Iterator[str]:
    """A platform authenticator that holds passkeys and verifies its user (as a phone does
    with a fingerprint), answering at once."""
    patient_browser.execute_cdp_cmd("WebAuthn.enable", {"enableUI": False})
    created = patient_browser.execute_cdp_cmd(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield str(created["authenticatorId"])
    patient_browser.execute_cdp_cmd(
        "WebAuthn.removeVirtualAuthenticator", {"authenticatorId": created["authenticatorId"]}
    )
    patient_browser.execute_cdp_cmd("WebAuthn.disable", {})


def wait_for_url(driver: WebDriver, fragment: str) -> None:
    WebDriverWait(driver, WAIT_SECONDS).until(lambda d: fragment in d.current_url)


def test_a_patient_adds_a_passkey_and_signs_in_with_it_alone(
    patient_browser: WebDriver,
    virtual_authenticator: str,
    url_for: Callable[..., str],
    patient: User,
) -> None:
    browser = patient_browser
    # Adding a key asks for the password again first.
    browser.get(url_for("mfa_add_webauthn"))
    wait_for_url(browser, "/reauthenticate/")
    tab_to(browser, "input[name=password]")
    press(browser, PATIENT_PASSWORD)
    press_and_wait_for_page(browser, Keys.ENTER)
    wait_for_url(browser, "/2fa/webauthn/add/")
    assert_no_axe_violations(browser)

    tab_to(browser, "input[name=name]")
    press(browser, "My phone")
    passwordless = browser.find_element(By.CSS_SELECTOR, "input[name=passwordless]")
    assert passwordless.is_selected()  # a passkey by default: sign in with it alone
    browser.find_element(By.ID, "mfa_webauthn_add").click()
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda _d: Authenticator.objects.filter(
            user=patient, type=Authenticator.Type.WEBAUTHN
        ).exists()
    )
    key = Authenticator.objects.get(user=patient, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().is_passwordless
    credentials = browser.execute_cdp_cmd(
        "WebAuthn.getCredentials", {"authenticatorId": virtual_authenticator}
    )["credentials"]
    assert len(credentials) == 1
    assert credentials[0]["isResidentCredential"]

    # Sign out, then in with the passkey: no email, no password.
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.get(url_for("accounts:login"))
    wait_for_focus(browser, "input[name=login]")
    browser.find_element(By.ID, "passkey_login").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: d.current_url == url_for("accounts:home"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Hello, Pat"


@pytest.mark.parametrize(
    "url_name",
    ["account_reset_password", "accounts:signup", "accounts:researcher_signup", "accounts:login"],
)
def test_the_sign_in_pages_have_no_axe_violations(
    browser: WebDriver, url_for: Callable[..., str], url_name: str
) -> None:
    assert_no_axe_violations(browser, url_for(url_name))


def test_the_account_pages_have_no_axe_violations(
    patient_browser: WebDriver, url_for: Callable[..., str]
) -> None:
    for url_name in ("accounts:sessions", "mfa_index", "account_change_password"):
        assert_no_axe_violations(patient_browser, url_for(url_name))


def test_a_reset_request_by_keyboard_shows_the_same_answer_for_anyone(
    browser: WebDriver, url_for: Callable[..., str], patient: User, mailoutbox: Any
) -> None:
    browser.get(url_for("account_reset_password"))
    tab_to(browser, "input[name=email]")
    press(browser, "nobody@example.org")
    press_and_wait_for_page(browser, Keys.ENTER)
    wait_for_url(browser, "/password/reset/done/")
    assert_no_axe_violations(browser)


def test_a_clinician_without_a_second_factor_sets_one_up_by_keyboard(
    browser: WebDriver, url_for: Callable[..., str], transactional_db: Any
) -> None:
    clinician = ClinicianFactory(
        email="newdoc@example.org", password=PATIENT_PASSWORD, second_factor=False
    )
    log_in_by_keyboard(browser, url_for("accounts:login"), clinician.email, PATIENT_PASSWORD)
    # Every page leads to the second-factor page until one is set up.
    browser.get(url_for("symptoms:clinic_patients"))
    wait_for_url(browser, "/accounts/2fa/")
    assert_no_axe_violations(browser)
    browser.get(url_for("mfa_activate_totp"))
    wait_for_url(browser, "/reauthenticate/")
    assert_no_axe_violations(browser)
    tab_to(browser, "input[name=password]")
    press(browser, PATIENT_PASSWORD)
    press_and_wait_for_page(browser, Keys.ENTER)
    wait_for_url(browser, "/2fa/totp/activate/")
    assert_no_axe_violations(browser)
    secret = browser.find_element(By.ID, "authenticator_secret").get_attribute("value")
    tab_to(browser, "input[name=code]")
    press(browser, current_totp_code(str(secret)))
    press_and_wait_for_page(browser, Keys.ENTER)
    assert Authenticator.objects.filter(user=clinician, type=Authenticator.Type.TOTP).exists()
    browser.get(url_for("symptoms:clinic_patients"))
    assert browser.current_url == url_for("symptoms:clinic_patients")


def test_the_second_factor_step_has_no_axe_violations_and_its_errors_come_first(
    browser: WebDriver, url_for: Callable[..., str], transactional_db: Any
) -> None:
    clinician = ClinicianFactory(email="doc@example.org", password=PATIENT_PASSWORD)
    browser.get(url_for("accounts:login"))
    wait_for_focus(browser, "input[name=login]")
    press(browser, clinician.email, Keys.TAB, PATIENT_PASSWORD)
    press_and_wait_for_page(browser, Keys.ENTER)
    wait_for_focus(browser, "input[name=code]")
    assert_no_axe_violations(browser)
    press(browser, "000000")
    press_and_wait_for_page(browser, Keys.ENTER)
    summary = wait_for_focus(browser, ".error-summary")
    assert "code" in summary.text.lower()
    assert_no_axe_violations(browser)
