"""WCAG 2.2 AA in a real browser for the clinician's pages: axe-core finds nothing on the
patient list, one patient's trends (with charts, a flag and notes) and the pre-visit summary,
with a clinician logged in through the login form by keyboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from accounts.models import User
from accounts.selectors import local_today
from tests.browser.conftest import log_in_clinician_of
from tests.browser.support import assert_no_axe_violations
from tests.symptoms.factories import report
from tests.symptoms.trends.test_api import mfis

pytestmark = pytest.mark.browser


@pytest.fixture
def shared_patient(patient: User) -> User:
    """Six weeks of daily check-ins, a note, and MFIS totals 30, 36, 37: a confirmed worsening."""
    today = local_today(patient=patient)
    for back in range(1, 43):
        report(
            patient,
            answers={"fatigue": 3 + back % 4, "mobility": 4, "upper_limb": 2, "pain": 1},
            on=today - timedelta(days=back),
            note="Hot week" if back == 3 else "",
            context_tags=["heat"] if back == 3 else [],
        )
    for back, total in ((95, 30), (65, 36), (2, 37)):
        report(patient, "mfis", mfis(total), on=today - timedelta(days=back))
    return patient


@pytest.fixture
def clinician_browser(
    browser: WebDriver, shared_patient: User, url_for: Callable[..., str]
) -> WebDriver:
    log_in_clinician_of(browser, shared_patient, url_for)
    return browser


def test_the_patient_list_has_no_axe_violations(
    clinician_browser: WebDriver, url_for: Callable[..., str]
) -> None:
    assert_no_axe_violations(clinician_browser, url_for("symptoms:clinic_patients"))
    assert "Worse: Fatigue" in clinician_browser.find_element(By.TAG_NAME, "table").text


def test_the_patient_detail_has_no_axe_violations(
    clinician_browser: WebDriver, url_for: Callable[..., str], shared_patient: User
) -> None:
    assert_no_axe_violations(
        clinician_browser, url_for("symptoms:clinic_patient", shared_patient.public_id)
    )
    charts = clinician_browser.find_elements(By.CSS_SELECTOR, ".chart img")
    assert charts
    # Every chart image loaded (the access check lets the clinician's own session through).
    assert all(
        clinician_browser.execute_script("return arguments[0].naturalWidth > 0", img)
        for img in charts
    )


def test_the_pre_visit_summary_has_no_axe_violations(
    clinician_browser: WebDriver, url_for: Callable[..., str], shared_patient: User
) -> None:
    assert_no_axe_violations(
        clinician_browser, url_for("symptoms:clinic_summary", shared_patient.public_id)
    )
