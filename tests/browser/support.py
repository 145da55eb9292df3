"""What browser tests use: keyboard input, focus checks and the axe-core accessibility check.

Everything here takes a Selenium ``WebDriver`` (the ``browser`` or ``patient_browser`` fixture
from ``tests/browser/conftest.py``), so a new page needs one line::

    assert_no_axe_violations(patient_browser, url_for("symptoms:checkin"))
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from selenium.common.exceptions import (
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

# WCAG 2.0, 2.1 and 2.2 at levels A and AA: the target the project commits to. axe-core has no
# "wcag22a" tag; the one WCAG 2.2 level-A criterion it could test is covered by older tags.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The oldest axe-core that knows the wcag22aa tag (target-size, 2.5.8).
MINIMUM_AXE_VERSION = (4, 8)
WAIT_SECONDS = 10


@cache
def axe_source() -> str:
    """axe.min.js from the pinned selenium-axe-python package (see pyproject.toml).

    Only its script is used, not its Python wrapper: the package is the way to get a pinned
    axe-core from PyPI without Node.js.
    """
    spec = importlib.util.find_spec("selenium_axe_python")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("selenium-axe-python is not installed: run `make test` once")
    script = Path(next(iter(spec.submodule_search_locations))) / "axe-core" / "axe.min.js"
    return script.read_text(encoding="utf-8")


# Runs inside the page. Only the fields a report needs travel back over WebDriver.
_RUN_AXE = """
const [options, done] = arguments;
axe.run(document, options).then(
  (results) => done({
    version: axe.version,
    violations: results.violations.map((rule) => ({
      id: rule.id,
      impact: rule.impact,
      help: rule.help,
      helpUrl: rule.helpUrl,
      nodes: rule.nodes.map((node) => ({
        target: node.target,
        html: node.html,
        summary: node.failureSummary,
      })),
    })),
  }),
  (error) => done({error: String(error)}),
);
"""

# A page whose stylesheet did not load has other colours and sizes than the real one: its
# contrast and target-size results would mean nothing.
_UNLOADED_STYLESHEETS = """
return Array.from(document.querySelectorAll('link[rel~="stylesheet"]'))
  .filter((link) => {
    try { return !link.sheet || link.sheet.cssRules.length === 0; } catch (e) { return true; }
  })
  .map((link) => link.href);
"""


def inject_axe(driver: WebDriver) -> None:
    """Load axe-core into the current page (WebDriver scripts are not subject to its CSP)."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(axe_source())


def run_axe(driver: WebDriver, tags: list[str] | None = None) -> dict[str, Any]:
    """axe-core's violations on the current page, limited to the WCAG 2.2 A and AA rules."""
    inject_axe(driver)
    options = {
        "runOnly": {"type": "tag", "values": tags or WCAG_TAGS},
        "resultTypes": ["violations"],
    }
    results: dict[str, Any] = driver.execute_async_script(_RUN_AXE, options)
    if "error" in results:
        raise RuntimeError(f"axe-core failed on {driver.current_url}: {results['error']}")
    return results


def _target(target: list[Any]) -> str:
    # A selector per frame or shadow root; nested lists for shadow DOM.
    return " >>> ".join(" > ".join(part) if isinstance(part, list) else part for part in target)


def format_violations(url: str, version: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"axe-core {version}: {len(violations)} WCAG 2.2 A/AA violation(s) on {url}"]
    for rule in violations:
        lines.append("")
        lines.append(f"{rule['id']} ({rule['impact']}): {rule['help']}")
        lines.append(f"  {rule['helpUrl']}")
        for node in rule["nodes"]:
            lines.append(f"  - {_target(node['target'])}")
            lines.append(f"    {node['html']}")
            lines.extend(f"    {line}" for line in (node["summary"] or "").splitlines())
    return "\n".join(lines)


def assert_no_axe_violations(driver: WebDriver, url: str | None = None) -> None:
    """Open ``url`` (a full URL, e.g. ``url_for("accounts:profile")``), or check the page the
    browser is on when it is None (a form showing errors, say), and fail with every violated
    rule, its impact, its help text and each failing element."""
    if url is not None:
        driver.get(url)
    unloaded = driver.execute_script(_UNLOADED_STYLESHEETS)
    assert not unloaded, f"stylesheets did not load on {driver.current_url}: {unloaded}"
    results = run_axe(driver)
    version = tuple(int(part) for part in results["version"].split(".")[:2])
    assert version >= MINIMUM_AXE_VERSION, f"axe-core {results['version']} is too old"
    violations = results["violations"]
    assert not violations, format_violations(driver.current_url, results["version"], violations)


# --- Keyboard and focus ---------------------------------------------------------------------


def press(driver: WebDriver, *keys: str) -> None:
    """Key presses sent to whatever has focus, as a keyboard would (not to a chosen element)."""
    ActionChains(driver).send_keys(*keys).perform()


def select_all(driver: WebDriver) -> None:
    """Ctrl+A in the focused field, so what is typed next replaces its value."""
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).perform()


def focused(driver: WebDriver) -> WebElement:
    return driver.switch_to.active_element


def wait_for_focus(driver: WebDriver, selector: str) -> WebElement:
    """The focused element once it matches the CSS ``selector``. ``autofocus`` is applied at the
    first rendering after load, which can come after ``driver.get()`` has returned."""
    try:
        WebDriverWait(driver, WAIT_SECONDS).until(
            lambda d: d.execute_script(
                "return !!document.activeElement?.matches(arguments[0])", selector
            )
        )
    except TimeoutException:
        raise AssertionError(
            f"{selector} should have focus; {describe(focused(driver))} has it"
        ) from None
    return focused(driver)


def describe(element: WebElement) -> str:
    html: str = element.get_attribute("outerHTML") or ""
    return html if len(html) <= 160 else html[:157] + "..."


def tab_to(driver: WebDriver, selector: str, limit: int = 40) -> int:
    """Press Tab until the focused element matches the CSS ``selector``; fail, listing the focus
    order seen, if it is not reached within ``limit`` presses. Returns the number of presses."""
    seen = []
    for presses in range(1, limit + 1):
        press(driver, Keys.TAB)
        element = focused(driver)
        if driver.execute_script("return arguments[0].matches(arguments[1])", element, selector):
            return presses
        seen.append(describe(element))
    order = "\n".join(seen)
    raise AssertionError(f"{selector} not reached by Tab in {limit} presses:\n{order}")


def press_and_wait_for_page(driver: WebDriver, *keys: str) -> None:
    """Press keys that submit a form or follow a link, and wait until the next page has loaded."""
    old_page = driver.find_element(By.TAG_NAME, "html")
    press(driver, *keys)
    wait = WebDriverWait(driver, WAIT_SECONDS)
    wait.until(lambda _: _is_gone(old_page))
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")


def _is_gone(element: WebElement) -> bool:
    """Whether the page holding ``element`` has been replaced. Besides a stale reference,
    Chromium sometimes answers mid-navigation that the node "does not belong to the document";
    that means the same thing."""
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        return "does not belong to the document" in str(error)
    return False
