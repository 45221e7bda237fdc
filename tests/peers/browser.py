"""A headless Chromium, driven by Selenium, and axe-core, for end-to-end and accessibility tests.

The browser is Debian's ``chromium`` with its matching ``chromium-driver``: both paths are given to Selenium, so
Selenium Manager never looks for (or downloads) a browser or a driver. axe-core is an npm package; it is installed
on first use under ``.venv/peers/axe`` (git-ignored) and injected into the page under test.

    driver = chromium_driver(lang="it")
    driver.get(url)
    violations = axe_violations(driver)
    assert not violations, describe_violations(violations)

Every failure to get either tool raises ``BrowserUnavailable`` with a message that says what failed and why.
"""

from __future__ import annotations

import fcntl
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WINDOW_SIZE = (1280, 900)
PAGE_LOAD_TIMEOUT = 30
SCRIPT_TIMEOUT = 30

AXE_VERSION = "4.14.1"
AXE_REQUIREMENT = f"axe-core@{AXE_VERSION}"
REPO_ROOT = Path(__file__).resolve().parents[2]
PEER_DIR = REPO_ROOT / ".venv" / "peers" / "axe"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
IMPACTS = ("minor", "moderate", "serious", "critical")

# Runs inside the page. axe.run resolves with results whose nodes are plain JSON, so they cross to Python as is;
# only violations are asked for (resultTypes), which keeps the run and the answer small.
_RUN_AXE = """
const [context, options, done] = arguments;
window.axe.run(context === null ? document : context, options).then(
    (results) => done({violations: results.violations}),
    (error) => done({error: String(error && error.stack ? error.stack : error)}),
);
"""


class BrowserUnavailable(RuntimeError):
    """Chromium, its driver or axe-core could not be found, installed or started; the message says which and why."""


class AxeError(RuntimeError):
    """axe-core was injected but its run failed inside the page."""


def chromium_driver(
    lang: str = "en",
    *,
    binary: Path | None = None,
    driver_path: Path | None = None,
) -> WebDriver:
    """A new headless Chromium (1280x900) whose pages and Accept-Language header prefer `lang` ("en", "it"...).

    `binary` and `driver_path` default to Debian's /usr/bin/chromium and /usr/bin/chromedriver, which must be of
    the same version. The caller owns the driver and must ``quit()`` it.
    """
    binary = binary or CHROMIUM
    driver_path = driver_path or CHROMEDRIVER
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
    except ImportError as error:
        raise BrowserUnavailable(f"selenium is not installed in {sys.prefix}: {error}") from error
    for path, package in ((binary, "chromium"), (driver_path, "chromium-driver")):
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise BrowserUnavailable(f"{path} is missing or not executable (Debian: apt install {package})")

    options = webdriver.ChromeOptions()
    options.binary_location = str(binary)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # the tests may run as root (containers), where Chromium's sandbox refuses to start
        "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        f"--window-size={WINDOW_SIZE[0]},{WINDOW_SIZE[1]}",
        f"--lang={lang}",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    service = Service(str(driver_path))
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except WebDriverException as error:
        raise BrowserUnavailable(f"{binary} did not start through {driver_path}: {error.msg or error}") from error
    except OSError as error:
        raise BrowserUnavailable(f"{driver_path} could not be run: {error}") from error
    driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT)
    driver.set_script_timeout(SCRIPT_TIMEOUT)
    return driver


def click_and_wait_for_next_page(driver: WebDriver, element, timeout: float = 20) -> None:
    """Click `element` (a link, a submit button) and wait until the page it leads to has replaced this one and
    finished loading. While the old page goes, ChromeDriver may answer "node does not belong to the document"
    instead of "stale element": both mean the element's page is gone."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def gone(_driver) -> bool:
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
        return False

    element.click()
    wait = WebDriverWait(driver, timeout)
    wait.until(gone)
    wait.until(lambda current: current.execute_script("return document.readyState") == "complete")


def clear_browser_state(driver: WebDriver) -> None:
    """Forget what earlier pages left behind: extra windows, every cookie, the current origin's storage.

    Cookies go for every domain (Selenium's ``delete_all_cookies`` only clears the current page's domain).
    Storage is per origin, so only the origin of the page still open is cleared; the page ends on about:blank.
    """
    handles = driver.window_handles
    for handle in handles[1:]:
        driver.switch_to.window(handle)
        driver.close()
    driver.switch_to.window(handles[0])
    origin = _origin(driver.current_url)
    if origin:
        driver.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.get("about:blank")


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        return None
    return f"{parts.scheme}://{parts.netloc}"


# -- axe-core --------------------------------------------------------------------------------------------------


def ensure_axe() -> Path:
    """The path of axe-core's ``axe.min.js``, installed with npm under ``.venv/peers/axe`` on first use."""
    return ensure_npm_package(AXE_REQUIREMENT, PEER_DIR, PEER_DIR / "node_modules" / "axe-core" / "axe.min.js")


def ensure_npm_package(requirement: str, folder: Path, script: Path) -> Path:
    """`script`, after `npm install requirement` into `folder` (once: a marker records what was installed, and a
    file lock makes another pytest process installing at the same time wait). BrowserUnavailable says why not."""
    marker = folder / ".installed"
    if _installed(marker, script, requirement):
        return script
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f"{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another pytest process may be installing: wait for it
        try:
            if _installed(marker, script, requirement):
                return script
            npm = shutil.which("npm")
            if npm is None:
                raise BrowserUnavailable(f"npm is not on PATH, so {requirement} cannot be installed")
            command = [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", requirement]
            _run(command)
            if not script.is_file():
                raise BrowserUnavailable(f"{' '.join(command)} succeeded but {script} does not exist")
            marker.write_text(requirement + "\n", encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return script


def _installed(marker: Path, script: Path, requirement: str) -> bool:
    return marker.is_file() and marker.read_text(encoding="utf-8").strip() == requirement and script.is_file()


def _run(command: list[str]) -> None:
    what = " ".join(command)
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BrowserUnavailable(f"{what} failed: {error}") from error
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()[-3000:]
        raise BrowserUnavailable(f"{what} failed with exit status {result.returncode}:\n{output}")


def axe_violations(
    driver: WebDriver,
    *,
    impacts: Collection[str] = ("serious", "critical"),
    context: str | dict[str, Any] | None = None,
    axe_script: Path | None = None,
) -> list[dict[str, Any]]:
    """The WCAG 2.1 A/AA violations axe-core finds in the current page, keeping those whose impact is in `impacts`.

    `context` narrows the check as ``axe.run`` accepts it: a CSS selector, or ``{"include": [...], "exclude": [...]}``.
    Each violation is axe's own dict: ``id``, ``impact``, ``help``, ``helpUrl``, ``tags`` and ``nodes`` (each with
    ``target`` selectors and ``html``). axe is injected into the top document only: content inside iframes is
    not checked.
    """
    unknown = set(impacts) - set(IMPACTS)
    if unknown:
        raise ValueError(f"unknown axe impact(s) {sorted(unknown)}: use some of {IMPACTS}")
    driver.execute_script(_axe_source(axe_script or ensure_axe()))
    options = {"runOnly": {"type": "tag", "values": list(WCAG_TAGS)}, "resultTypes": ["violations"]}
    answer = driver.execute_async_script(_RUN_AXE, context, options)
    if not isinstance(answer, dict) or "error" in answer:
        raise AxeError(f"axe.run failed in {driver.current_url}: {answer}")
    return [violation for violation in answer["violations"] if violation.get("impact") in impacts]


@functools.cache
def _axe_source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def describe_violations(violations: Iterable[dict[str, Any]], *, nodes_per_rule: int = 3) -> str:
    """A readable report of axe violations, for assertion messages: each rule, then its first offending elements."""
    violations = list(violations)
    if not violations:
        return "no accessibility violations"
    lines = [f"{len(violations)} accessibility violation(s):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation.get('help', '')}")
        if violation.get("helpUrl"):
            lines.append(f"    {violation['helpUrl']}")
        nodes = violation.get("nodes", [])
        for node in nodes[:nodes_per_rule]:
            target = " ".join(_selector(part) for part in node.get("target", []))
            lines.append(f"    at {target}: {_shorten(node.get('html', ''))}")
        if len(nodes) > nodes_per_rule:
            lines.append(f"    ... and {len(nodes) - nodes_per_rule} more element(s)")
    return "\n".join(lines)


def _selector(part: str | list[str]) -> str:
    # A target part is a list of selectors when the element is inside a shadow root or an iframe.
    return " >>> ".join(part) if isinstance(part, list) else part


def _shorten(html: str, limit: int = 200) -> str:
    html = " ".join(html.split())
    return html if len(html) <= limit else html[: limit - 1] + "…"
