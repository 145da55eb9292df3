"""Installable and offline (docs/offline.md), on a phone's screen: the manifest and the service
worker are found and the worker controls the page; a check-in saved with the network off
says "Waiting to send", and once the network is back it is sent, once; logging out leaves
nothing personal on the device. The network is switched off with DevTools' emulation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import User
from symptoms.models import Report, ReportDraft
from symptoms.reports import services as report_services
from tests.browser.support import (
    assert_no_axe_violations,
    focused,
    press,
    press_and_wait_for_page,
    tab_to,
)

pytestmark = pytest.mark.browser

PHONES = [(390, 844), (320, 640)]
WAIT_SECONDS = 15

# Arrow presses from each group's first option (0), as in test_checkin.py.
PRESSES = {"fatigue": 4, "mobility": 6, "cognition": 12}


WORKER_SESSIONS: dict[str, str] = {}  # service worker target id -> DevTools session id


def set_offline(driver: WebDriver, offline: bool) -> None:
    """Network emulation for the page and for the service worker. The page's emulation does
    not reach the worker's own fetches (a worker is a DevTools target of its own), so the same
    command is sent to the worker through a session attached to it."""
    conditions = {
        "offline": offline,
        "latency": 0,
        "downloadThroughput": -1,
        "uploadThroughput": -1,
    }
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", conditions)
    for target in driver.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]:
        if target["type"] != "service_worker":
            continue
        # Emulation belongs to the session that set it: the same session must lift it.
        session = WORKER_SESSIONS.get(target["targetId"])
        if session is None:
            session = driver.execute_cdp_cmd(
                "Target.attachToTarget", {"targetId": target["targetId"], "flatten": False}
            )["sessionId"]
            WORKER_SESSIONS[target["targetId"]] = session
        commands = [("Network.enable", {}), ("Network.emulateNetworkConditions", conditions)]
        for number, (method, params) in enumerate(commands, start=1):
            message = {"id": number, "method": method, "params": params}
            driver.execute_cdp_cmd(
                "Target.sendMessageToTarget",
                {"sessionId": session, "message": json.dumps(message)},
            )


def wait_until(driver: WebDriver, script: str, *args: Any) -> Any:
    """Wait until the async ``script`` (its last argument is the callback) gives a true value."""
    result = None

    def done(d: WebDriver) -> bool:
        nonlocal result
        result = d.execute_async_script(script, *args)
        return bool(result)

    WebDriverWait(driver, WAIT_SECONDS).until(done)
    return result


def wait_for_service_worker(driver: WebDriver) -> str:
    """The script URL of the service worker controlling the page, once there is one."""
    return str(
        wait_until(
            driver,
            """const done = arguments[arguments.length - 1];
            navigator.serviceWorker.ready.then(() => done(
                navigator.serviceWorker.controller && navigator.serviceWorker.controller.scriptURL
            ));""",
        )
    )


def outbox(driver: WebDriver) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const request = indexedDB.open("mst-offline", 1);
        request.onupgradeneeded = () => request.result.createObjectStore(
            "outbox", {keyPath: "client_id"});
        request.onsuccess = () => {
            const get = request.result.transaction("outbox").objectStore("outbox").getAll();
            get.onsuccess = () => { request.result.close(); done(get.result); };
        };
        request.onerror = () => done(null);"""
    )
    return entries


def cached_urls(driver: WebDriver) -> list[str]:
    urls: list[str] = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        (async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                for (const request of await (await caches.open(name)).keys()) {
                    urls.push(new URL(request.url).pathname);
                }
            }
            return urls;
        })().then(done);"""
    )
    return urls


def status_text(driver: WebDriver) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, "[data-offline-status]").text)


def page_width(driver: WebDriver) -> int:
    return int(driver.execute_script("return document.documentElement.scrollWidth"))


@pytest.fixture
def device(browser: WebDriver, live_server: Any) -> Iterator[WebDriver]:
    """The browser with nothing from this site on it, and the network back on afterwards."""

    def forget() -> None:
        set_offline(browser, False)
        browser.execute_cdp_cmd(
            "Storage.clearDataForOrigin", {"origin": live_server.url, "storageTypes": "all"}
        )

    forget()
    yield browser
    forget()
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def as_phone(driver: WebDriver, width: int, height: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
    )


@pytest.mark.parametrize(("width", "height"), PHONES)
def test_it_is_installable(
    device: WebDriver, url_for: Callable[..., str], width: int, height: int
) -> None:
    as_phone(device, width, height)
    device.get(url_for("accounts:login"))

    assert wait_for_service_worker(device) == url_for("accounts:service_worker")
    manifest_url = device.find_element(By.CSS_SELECTOR, "link[rel=manifest]").get_attribute("href")
    manifest = device.execute_cdp_cmd("Page.getAppManifest", {})
    assert manifest["url"] == manifest_url
    assert manifest["errors"] == []
    parsed = manifest["data"]
    for field in ("name", "short_name", "start_url", "display", "theme_color", "icons"):
        assert f'"{field}"' in parsed
    # Every icon the manifest names is there, as an image.
    icons = device.execute_async_script(
        """const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then((r) => r.json()).then((m) => Promise.all(m.icons.map(
            (icon) => fetch(icon.src).then(
                (r) => [icon.src, r.status, r.headers.get("Content-Type")])
        ))).then(done);""",
        manifest_url,
    )
    assert len(icons) >= 3
    for src, status, content_type in icons:
        assert status == 200, src
        assert content_type.startswith("image/"), src
    # What Chromium itself checks before offering "Install app".
    errors = device.execute_cdp_cmd("Page.getInstallabilityErrors", {})["installabilityErrors"]
    assert errors == []
    # The worker keeps the offline pages and static files, nothing else.
    cached = cached_urls(device)
    pages = [url for url in cached if not url.startswith("/static/")]
    assert sorted(pages) == ["/check-in/offline/", "/offline/"]  # both about nobody
    assert page_width(device) <= width


@pytest.mark.parametrize(("width", "height"), PHONES)
def test_a_check_in_saved_offline_is_sent_once_when_back_online(
    device: WebDriver,
    patient_browser: WebDriver,
    patient: User,
    url_for: Callable[..., str],
    width: int,
    height: int,
) -> None:
    driver = patient_browser
    as_phone(driver, width, height)
    driver.get(url_for("symptoms:checkin"))
    wait_for_service_worker(driver)

    set_offline(driver, True)
    assert driver.execute_script("return navigator.onLine") is False
    # The emulation reaches the service worker's own fetches too: a static file not yet kept
    # (the worker fetches it from the network) fails, as a request from the page does.
    assert (
        driver.execute_async_script(
            """const done = arguments[arguments.length - 1];
        fetch("/static/accounts/icons/icon-512.png?probe").then(
            () => done("reached"), () => done("failed"));"""
        )
        == "failed"
    )

    for item, presses in PRESSES.items():
        tab_to(driver, f"input[type=radio][name={item}]", limit=60)
        press(driver, *[Keys.ARROW_RIGHT] * presses)
        assert focused(driver).get_attribute("checked") == "true", item
    tab_to(driver, "button[type=submit]", limit=20)
    press(driver, Keys.ENTER)

    WebDriverWait(driver, WAIT_SECONDS).until(lambda d: "Waiting to send" in status_text(d))
    assert driver.current_url == url_for("symptoms:checkin")  # the page stays, answers and all
    status = driver.find_element(By.CSS_SELECTOR, "[data-offline-status]")
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("aria-live") == "polite"
    assert "will be sent by themselves when the connection returns" in status.text
    assert focused(driver) == status
    [kept] = outbox(driver)
    assert kept["body"]["answers"] == {"fatigue": 4, "mobility": 6, "cognition": "too_tired"}
    assert kept["body"]["instrument"] == "daily"
    assert Report.objects.filter(patient=patient).count() == 0
    assert_no_axe_violations(driver)
    assert page_width(driver) <= width

    set_offline(driver, False)

    WebDriverWait(driver, WAIT_SECONDS).until(lambda d: "Sent" in status_text(d))
    assert "Your answers are saved." in status_text(driver)
    stored = Report.objects.get(patient=patient)
    assert str(stored.client_id) == kept["client_id"]
    assert stored.answers == kept["body"]["answers"]
    assert outbox(driver) == []
    link = driver.find_element(By.CSS_SELECTOR, "[data-offline-status] a")
    assert link.get_attribute("href") == url_for("symptoms:report", public_id=stored.public_id)
    assert_no_axe_violations(driver)
    assert page_width(driver) <= width
    # Opening pages again sends nothing more.
    driver.get(url_for("accounts:home"))
    driver.get(url_for("symptoms:checkin"))
    assert Report.objects.filter(patient=patient).count() == 1


def test_questionnaire_answers_sent_offline_are_sent_once_when_back_online(
    device: WebDriver, patient_browser: WebDriver, patient: User, url_for: Callable[..., str]
) -> None:
    # Each question's answer is saved in the draft as the person goes; sending the last page
    # offline keeps the whole questionnaire on the device under the draft's client_id.
    answers = {"1": 2, "9": 3, "10": 1, "17": 0, "19": 4}
    draft = report_services.draft_save(
        patient=patient, instrument="mfis5", answers=answers, position=5
    )
    driver = patient_browser
    as_phone(driver, *PHONES[0])
    driver.get(url_for("symptoms:review", code="mfis5"))
    wait_for_service_worker(driver)
    set_offline(driver, True)

    tab_to(driver, "main button[type=submit]", limit=40)
    press(driver, Keys.ENTER)

    WebDriverWait(driver, WAIT_SECONDS).until(lambda d: "Waiting to send" in status_text(d))
    [kept] = outbox(driver)
    assert kept["client_id"] == str(draft.client_id)
    assert kept["body"]["answers"] == answers
    assert_no_axe_violations(driver)

    set_offline(driver, False)

    WebDriverWait(driver, WAIT_SECONDS).until(lambda d: "Sent" in status_text(d))
    stored = Report.objects.get(patient=patient)
    assert (stored.instrument, stored.answers) == ("mfis5", answers)
    assert str(stored.client_id) == kept["client_id"]
    assert not ReportDraft.objects.filter(patient=patient).exists()
    # Sending the page again, online, finds the report the outbox stored.
    driver.refresh()
    assert Report.objects.filter(patient=patient).count() == 1


def test_a_check_in_opened_offline_is_kept_and_sent_once_later(
    device: WebDriver, patient_browser: WebDriver, patient: User, url_for: Callable[..., str]
) -> None:
    driver = patient_browser
    as_phone(driver, *PHONES[1])
    driver.get(url_for("accounts:home"))
    wait_for_service_worker(driver)
    set_offline(driver, True)

    # No signal: the check-in opens all the same, blank, from the service worker's cache.
    driver.get(url_for("symptoms:checkin"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Today's check-in"
    assert "You are offline." in driver.find_element(By.CSS_SELECTOR, ".status-box").text
    assert_no_axe_violations(driver)
    assert page_width(driver) <= PHONES[1][0]
    tab_to(driver, "input[type=radio][name=fatigue]", limit=20)
    press(driver, *[Keys.ARROW_RIGHT] * 5)
    tab_to(driver, "button[type=submit]", limit=40)
    press(driver, Keys.ENTER)

    WebDriverWait(driver, WAIT_SECONDS).until(lambda d: "Waiting to send" in status_text(d))
    [kept] = outbox(driver)
    assert kept["user"] == str(patient.public_id)
    assert kept["body"]["answers"] == {"fatigue": 5}
    assert kept["label"].startswith("Check-in of ")
    assert_no_axe_violations(driver)

    set_offline(driver, False)
    driver.get(url_for("accounts:home"))  # the next page opened online sends it

    WebDriverWait(driver, WAIT_SECONDS).until(lambda d: "Sent" in status_text(d))
    stored = Report.objects.get(patient=patient)
    assert str(stored.client_id) == kept["client_id"]
    assert stored.answers == {"fatigue": 5}
    driver.get(url_for("accounts:home"))
    assert Report.objects.filter(patient=patient).count() == 1


def test_a_page_opened_offline_is_the_offline_page(
    device: WebDriver, patient_browser: WebDriver, url_for: Callable[..., str]
) -> None:
    driver = patient_browser
    driver.get(url_for("accounts:home"))
    wait_for_service_worker(driver)
    set_offline(driver, True)

    driver.get(url_for("symptoms:history"))

    assert driver.find_element(By.TAG_NAME, "h1").text == "You are offline"
    assert "Pat" not in driver.find_element(By.TAG_NAME, "body").text
    assert_no_axe_violations(driver)


PUT_IN_OUTBOX = """
const [entry, done] = arguments;
const request = indexedDB.open("mst-offline", 1);
request.onupgradeneeded = () => request.result.createObjectStore("outbox", {keyPath: "client_id"});
request.onsuccess = () => {
    const transaction = request.result.transaction("outbox", "readwrite");
    transaction.objectStore("outbox").put(entry);
    transaction.oncomplete = () => { request.result.close(); done(true); };
};
"""

# Someone else's answers, waiting on this device since their session ended: not sent under the
# signed-in person's session, and not counted as theirs when they log out.
ANOTHER_PERSONS_ENTRY = {
    "client_id": "3f1a1c39-9a8f-4b33-8b59-2d8b6f3e2a10",
    "user": "00000000-0000-0000-0000-000000000001",
    "url": "/api/v1/reports/",
    "label": "Check-in",
    "body": {"instrument": "daily", "answers": {"pain": 9}},
}


@pytest.fixture
def kept_on_device(
    device: WebDriver, patient_browser: WebDriver, url_for: Callable[..., str]
) -> WebDriver:
    """The signed-in patient on their home page, with another person's answers in the outbox
    and a page about the patient in the cache (as a careless worker might have kept it)."""
    driver = patient_browser
    driver.get(url_for("accounts:home"))
    wait_for_service_worker(driver)
    driver.execute_async_script(PUT_IN_OUTBOX, ANOTHER_PERSONS_ENTRY)
    driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        caches.open("mst-static-v1").then((cache) => cache.add("/check-in/")).then(done);"""
    )
    assert "/check-in/" in cached_urls(driver)
    return driver


def test_it_never_sends_another_persons_answers(
    kept_on_device: WebDriver, url_for: Callable[..., str]
) -> None:
    kept_on_device.get(url_for("accounts:home"))  # online, signed in: the outbox is sent

    assert len(outbox(kept_on_device)) == 1
    assert Report.objects.count() == 0


def test_logging_out_clears_the_outbox_and_the_caches(
    kept_on_device: WebDriver, url_for: Callable[..., str]
) -> None:
    driver = kept_on_device

    tab_to(driver, "button.link-button", limit=80)  # "Log out", in the menu
    press_and_wait_for_page(driver, Keys.ENTER)

    assert driver.current_url == url_for("accounts:login")
    assert outbox(driver) == []
    assert "/check-in/" not in cached_urls(driver)


def test_the_logout_response_alone_clears_the_device_and_the_worker(
    kept_on_device: WebDriver,
) -> None:
    # Clear-Site-Data works without the page's script: it also unregisters the service worker
    # (the next page registers it again).
    driver = kept_on_device

    status = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
        fetch("/logout/", {method: "POST", headers: {"X-CSRFToken": token}, redirect: "manual"})
            .then((r) => done(r.type));"""
    )

    assert status == "opaqueredirect"
    assert outbox(driver) == []
    assert cached_urls(driver) == []
    registrations = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        navigator.serviceWorker.getRegistrations().then((r) => done(r.length));"""
    )
    assert registrations == 0
