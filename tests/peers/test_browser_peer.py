"""The headless browser peer: Chromium drives pages, and axe-core tells accessible pages from inaccessible ones.

The pages are served from memory by a small HTTP server on 127.0.0.1, so these tests need no Django view.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.peers.browser import (
    BrowserUnavailable,
    axe_violations,
    chromium_driver,
    clear_browser_state,
    describe_violations,
    ensure_axe,
)

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

# Harmless once tests/conftest.py loads the plugin too: pytest registers a plugin module once.

ACCESSIBLE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Find a course</title></head>
<body>
<main>
  <h1>Find a course</h1>
  <form id="search" onsubmit="event.preventDefault();
      document.getElementById('result').textContent = 'Searching for ' + this.query.value;">
    <label for="query">Course name</label>
    <input id="query" name="query" type="text">
    <button type="submit">Search</button>
  </form>
  <p id="result" aria-live="polite"></p>
</main>
</body>
</html>
"""

INACCESSIBLE = """<!doctype html>
<html>
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, user-scalable=no"></head>
<body>
  <img src="x.png">
  <div id="form">
    <input type="text">
    <button></button>
  </div>
  <p style="color: #ddd; background: #fff">Hard to read</p>
</body>
</html>
"""

PAGES = {"/accessible.html": ACCESSIBLE, "/inaccessible.html": INACCESSIBLE}


class Site:
    """Static pages on 127.0.0.1, remembering the Accept-Language header of the last request."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.accept_language: str | None = None

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.accept_language = self.headers.get("Accept-Language")
            body = PAGES.get(self.path)
            if body is None:
                self.send_error(404)
                return
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site = Site(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def rule_ids(violations: list[dict]) -> set[str]:
    return {violation["id"] for violation in violations}


# Accessibility checks


def test_accessible_page_has_no_serious_or_critical_violations(browser: WebDriver, axe: Path, site: Site) -> None:
    browser.get(site.url("/accessible.html"))

    violations = axe_violations(browser)

    assert violations == [], describe_violations(violations)


def test_inaccessible_page_reports_missing_alt_text_unnamed_button_unlabelled_input_and_low_contrast(
    browser: WebDriver, axe: Path, site: Site
) -> None:
    browser.get(site.url("/inaccessible.html"))

    violations = axe_violations(browser)

    assert {"image-alt", "button-name", "label", "color-contrast"} <= rule_ids(violations)
    assert {violation["impact"] for violation in violations} <= {"serious", "critical"}


def test_minor_and_moderate_violations_are_left_out_unless_asked_for(browser: WebDriver, axe: Path, site: Site) -> None:
    browser.get(site.url("/inaccessible.html"))

    every_impact = rule_ids(axe_violations(browser, impacts=("minor", "moderate", "serious", "critical")))
    default = rule_ids(axe_violations(browser))

    assert "meta-viewport" in every_impact - default  # zooming disabled: a moderate WCAG 2 AA violation


def test_a_context_limits_the_check_to_part_of_the_page(browser: WebDriver, axe: Path, site: Site) -> None:
    browser.get(site.url("/inaccessible.html"))

    violations = axe_violations(browser, context="#form")

    assert rule_ids(violations) == {"button-name", "label"}


def test_the_report_names_each_rule_and_the_offending_elements(browser: WebDriver, axe: Path, site: Site) -> None:
    browser.get(site.url("/inaccessible.html"))

    report = describe_violations(axe_violations(browser))

    assert "image-alt (critical): Images must have alternative text" in report
    assert 'at img: <img src="x.png">' in report
    assert "https://dequeuniversity.com/rules/axe/" in report


def test_a_report_of_no_violations_says_so() -> None:
    assert describe_violations([]) == "no accessibility violations"


def test_the_report_shows_three_elements_per_rule_and_counts_the_rest() -> None:
    nodes = [{"target": [f"#field-{number}"], "html": f'<input id="field-{number}">'} for number in range(5)]
    violation = {"id": "label", "impact": "critical", "help": "Form elements must have labels", "nodes": nodes}

    report = describe_violations([violation])

    assert "#field-2" in report
    assert "#field-3" not in report
    assert "... and 2 more element(s)" in report


def test_an_unknown_impact_is_refused_rather_than_matching_nothing(browser: WebDriver) -> None:
    with pytest.raises(ValueError, match="severe"):
        axe_violations(browser, impacts=("severe",))


# Driving pages


def test_the_browser_types_into_a_form_clicks_and_reads_what_the_page_wrote(browser: WebDriver, site: Site) -> None:
    browser.get(site.url("/accessible.html"))

    browser.find_element(By.ID, "query").send_keys("Sicurezza sul lavoro")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    assert browser.find_element(By.ID, "result").text == "Searching for Sicurezza sul lavoro"


def test_the_browser_asks_for_english_pages_by_default(browser: WebDriver, site: Site) -> None:
    browser.get(site.url("/accessible.html"))

    assert site.accept_language is not None and site.accept_language.startswith("en")
    assert browser.execute_script("return navigator.language").startswith("en")


def test_a_driver_for_italian_asks_for_italian_pages(site: Site) -> None:
    try:
        driver = chromium_driver(lang="it")
    except BrowserUnavailable as error:
        from tests.peers.browser_fixtures import _unavailable

        _unavailable(str(error))
    try:
        driver.get(site.url("/accessible.html"))
        assert site.accept_language is not None and site.accept_language.startswith("it")
    finally:
        driver.quit()


def test_clearing_the_browser_state_forgets_cookies_and_storage_before_the_next_test(
    browser: WebDriver, site: Site
) -> None:
    browser.get(site.url("/accessible.html"))
    browser.add_cookie({"name": "sessionid", "value": "left-over"})
    browser.execute_script("localStorage.setItem('draft', 'left-over')")

    clear_browser_state(browser)  # what the browser fixture does before each test
    browser.get(site.url("/accessible.html"))

    assert browser.get_cookies() == []
    assert browser.execute_script("return localStorage.getItem('draft')") is None


# Failing clearly


def test_a_missing_chromium_is_reported_as_unavailable(tmp_path: Path) -> None:
    with pytest.raises(BrowserUnavailable, match="apt install chromium"):
        chromium_driver(binary=tmp_path / "chromium")


def test_a_driver_that_cannot_start_is_reported_as_unavailable() -> None:
    with pytest.raises(BrowserUnavailable, match="did not start through /bin/false"):
        chromium_driver(driver_path=Path("/bin/false"))


def test_a_missing_npm_is_reported_as_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.peers.browser.PEER_DIR", tmp_path / "axe")
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(BrowserUnavailable, match="npm is not on PATH"):
        ensure_axe()


def test_a_failing_npm_install_reports_the_command_and_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    npm = tmp_path / "npm"
    npm.write_text("#!/bin/sh\necho 'npm error 404 Not Found - axe-core' >&2\nexit 1\n")
    npm.chmod(0o755)
    monkeypatch.setattr("tests.peers.browser.PEER_DIR", tmp_path / "axe")
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(BrowserUnavailable, match=r"(?s)npm install --prefix .* failed with exit status 1:.*404"):
        ensure_axe()


def test_an_unavailable_browser_skips_the_test_but_fails_it_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.peers import availability, browser_fixtures

    monkeypatch.setattr(availability, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="unavailable: no chromium"):
        browser_fixtures._unavailable("no chromium")

    monkeypatch.setattr(availability, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true but the headless browser test peer is unavailable"):
        browser_fixtures._unavailable("no chromium")


def test_a_test_that_leaves_an_alert_open_does_not_break_the_next_one(browser: WebDriver, site: Site) -> None:
    from tests.peers.browser_fixtures import _SessionBrowser

    session = _SessionBrowser()
    session.driver = browser  # the session's driver, as the next test's fixture would find it
    browser.get(site.url("/accessible.html"))
    browser.execute_script("setTimeout(() => alert('left open'), 0)")
    WebDriverWait(browser, 5).until(expected_conditions.alert_is_present())

    driver = session.fresh()

    assert driver is browser
    assert driver.current_url == "about:blank"


def test_a_browser_that_stopped_answering_is_replaced(browser: WebDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.peers.browser_fixtures import _SessionBrowser

    class DeadDriver:
        quitted = False

        def __getattr__(self, name: str) -> object:
            raise WebDriverException("chrome not reachable")

        def quit(self) -> None:
            DeadDriver.quitted = True

    session = _SessionBrowser()
    session.driver = DeadDriver()
    monkeypatch.setattr("tests.peers.browser.chromium_driver", lambda lang: browser)  # saves starting a Chromium

    driver = session.fresh()

    assert driver is browser
    assert DeadDriver.quitted
