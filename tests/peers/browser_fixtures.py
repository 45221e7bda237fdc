"""Pytest fixtures for the headless browser peer: ``browser`` (a Selenium driver) and ``axe`` (axe-core's script).

Load with ``pytest_plugins = ["tests.peers.browser_fixtures"]`` in tests/conftest.py. When Chromium, its driver,
Selenium or npm is missing, tests that use these fixtures are skipped with the reason; with CI=true (or 1, yes)
they fail instead, since CI must exercise the real browser.

One Chromium serves the whole session, because starting one costs about a second and many tests need one. What a
test could leak to the next (cookies, the storage of the origin it ended on, extra windows) is cleared before each
test, and a browser that died during a test is replaced, so tests stay independent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.peers.availability import peer_unavailable

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver


def _unavailable(reason: str) -> None:
    peer_unavailable("headless browser test peer", reason)


class _SessionBrowser:
    """The session's Chromium, started on first use and restarted if it stopped answering."""

    def __init__(self) -> None:
        self.driver: WebDriver | None = None

    def fresh(self) -> WebDriver:
        """The driver on about:blank with no state from earlier tests; raises ``BrowserUnavailable``."""
        from tests.peers.browser import chromium_driver, clear_browser_state

        if self.driver is None:
            self.driver = chromium_driver(lang="en")
        from selenium.common.exceptions import WebDriverException

        # A first failure may only be an alert the last test left open (it is dismissed by that failure);
        # a second one means the browser is unusable, so it is replaced.
        for _attempt in range(2):
            try:
                clear_browser_state(self.driver)
            except WebDriverException:
                continue
            return self.driver
        self.quit()
        self.driver = chromium_driver(lang="en")
        clear_browser_state(self.driver)
        return self.driver

    def quit(self) -> None:
        driver, self.driver = self.driver, None
        if driver is not None:
            with contextlib.suppress(Exception):  # the browser may already be gone: nothing left to clean up
                driver.quit()


@pytest.fixture(scope="session")
def _browser_session() -> Iterator[_SessionBrowser]:
    session = _SessionBrowser()
    try:
        yield session
    finally:
        session.quit()


@pytest.fixture
def browser(_browser_session: _SessionBrowser) -> WebDriver:
    """A headless Chromium (English, 1280x900) on about:blank, with no cookies or storage from earlier tests."""
    from tests.peers.browser import BrowserUnavailable

    try:
        return _browser_session.fresh()
    except BrowserUnavailable as error:
        _unavailable(str(error))


@pytest.fixture(scope="session")
def axe() -> Path:
    """The path of axe-core's ``axe.min.js`` (installed with npm on first use); pass pages to ``axe_violations``."""
    from tests.peers.browser import BrowserUnavailable, ensure_axe

    try:
        return ensure_axe()
    except BrowserUnavailable as error:
        _unavailable(str(error))
