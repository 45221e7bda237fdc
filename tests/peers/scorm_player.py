"""A SCORM 1.2 / 2004 "LMS" for tests: scorm-again's run-time API in a player page that frames a package's SCO.

scorm-again is a real, widely used SCORM run-time written in JavaScript. It is an npm package, installed on first
use under ``.venv/peers/scorm-again`` (git-ignored), like axe-core in tests/peers/browser.py. ``ScormPlayer`` serves
on 127.0.0.1 (an ephemeral port, a daemon thread):

- ``/package/<path>``: the files of an extracted SCORM package (404 for missing files and paths leaving it);
- ``/scorm-again.js``: the run-time (``dist/scorm-again.js``, which defines ``window.Scorm12API`` and
  ``window.Scorm2004API``);
- ``/player.html?launch=<href>``: the page an LMS would show. It creates ``window.API`` (1.2) or
  ``window.API_1484_11`` (2004), loads the CMI data given for the launch (a resume, a learner's name...), and only
  then frames the SCO in ``<iframe id="sco" src="/package/<href>">``, which finds the API in ``window.parent``;
- ``POST /commit``: where scorm-again sends every commit (``lmsCommitUrl``), recorded in ``player.commits``;
- ``/left.html``: a blank page, to go to when the learner leaves (``player.leave(driver)``).

    player = ScormPlayer(folder, "1.2")
    player.open(browser, "index.html")
    wait_for_call(browser, "LMSFinish")
    state = runtime_state(browser)
    assert state["cmi"]["cmi.core.lesson_status"] == "passed"
    assert ["LMSCommit"] in state["calls"]
    assert player.commits[-1]["cmi"]["core"]["lesson_status"] == "passed"
    player.close()

Every call the SCO makes to the API (except GetLastError, GetErrorString and GetDiagnostic, which only read the
error state) is recorded in order in the player page's ``window.toscaPlayerLog``, as ``[name, *arguments]``; the
empty-string argument of Initialize/Commit/Finish/Terminate is left out, so ``["LMSInitialize"]``,
``["LMSSetValue", "cmi.core.lesson_status", "passed"]``, ``["LMSGetValue", "cmi.core.entry"]``. What each call
returned and the error code it left are in ``window.toscaPlayerOutcomes``, one entry per call.

The helpers read the player page through ``window.top``, so they work whether the driver is in the top document or
in the SCO's frame. To look inside the SCO, ``driver.switch_to.frame("sco")``; to come back,
``driver.switch_to.default_content()``.
"""

from __future__ import annotations

import functools
import html
import json
import mimetypes
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from tests.peers.browser import ensure_npm_package

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

SCORM_AGAIN_VERSION = "3.4.3"
SCORM_AGAIN_REQUIREMENT = f"scorm-again@{SCORM_AGAIN_VERSION}"
REPO_ROOT = Path(__file__).resolve().parents[2]
PEER_DIR = REPO_ROOT / ".venv" / "peers" / "scorm-again"
# The browser bundle of both run-times (an IIFE that sets window.Scorm12API and window.Scorm2004API). scorm-again
# 3.x also ships one bundle per version (dist/scorm12.js, dist/scorm2004.js), minified ones (*.min.js) and ES
# modules (dist/esm/). The names differ between majors (1.x's main file is dist/scorm-again.min.js): the path goes
# with the pinned version.
BUNDLE = Path("node_modules") / "scorm-again" / "dist" / "scorm-again.js"

VERSIONS = ("1.2", "2004")
API_NAMES = {"1.2": "API", "2004": "API_1484_11"}
CONSTRUCTORS = {"1.2": "Scorm12API", "2004": "Scorm2004API"}
# The API functions the player records; GetLastError, GetErrorString and GetDiagnostic only read the error state.
FUNCTIONS = {
    "1.2": ("LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit"),
    "2004": ("Initialize", "Terminate", "GetValue", "SetValue", "Commit"),
}
STATES = {0: "not initialized", 1: "initialized", 2: "terminated"}

# What scorm-again is told unless a launch's settings say otherwise: commits are sent one at a time and
# synchronously (so the SCO's Commit answers what the server answered), nothing is committed behind the SCO's back
# (no autocommit), the whole data model goes in each commit, and only warnings and errors are logged (logLevel 3),
# to window.toscaPlayerMessages instead of the console.
# scorm-again sends the commit of LMSFinish/Terminate with navigator.sendBeacon, as text/plain, so that it survives
# the page going away; every other commit is a synchronous XMLHttpRequest of application/json.
BASE_SETTINGS: dict[str, Any] = {
    "autocommit": False,
    "useAsynchronousCommits": False,
    "sendFullCommit": True,
    "logLevel": 3,
}

# Whatever the caller's settings say: the harness receives the commits, and parses them as JSON.
FIXED_SETTINGS: dict[str, Any] = {"lmsCommitUrl": "/commit", "dataCommitFormat": "json"}

COMMIT_SUCCESS: dict[str, Any] = {"result": True, "errorCode": 0}

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xhtml": "application/xhtml+xml; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".xsd": "application/xml",
    ".dtd": "application/xml-dtd",
    ".txt": "text/plain; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".oga": "audio/ogg",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
}

LEFT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Left the course</title></head>
<body><p>The learner left the course.</p></body></html>
"""

# The player page. Its configuration is a JSON document (see ScormPlayer._player_page), put in place of __CONFIG__.
PLAYER_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SCORM test player</title>
<style>html, body { margin: 0; height: 100%; } iframe { border: 0; width: 100%; height: 100%; display: block; }</style>
<script src="/scorm-again.js"></script>
<script type="application/json" id="tosca-player-config">__CONFIG__</script>
</head>
<body>
<script>
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("tosca-player-config").textContent);
  window.toscaPlayerVersion = config.version;
  window.toscaPlayerLog = [];
  window.toscaPlayerOutcomes = [];
  window.toscaPlayerMessages = [];
  window.toscaPlayerError = null;
  try {
    const settings = Object.assign({}, config.settings, {
      onLogMessage: function (level, message) { window.toscaPlayerMessages.push([String(level), String(message)]); },
    });
    const api = new window[config.constructor](settings);
    window[config.apiName] = api;
    if (Object.keys(config.cmi).length) {
      try {
        api.loadFromFlattenedJSON(config.cmi);
      } catch (error) {
        const code = error && error.errorCode !== undefined ? " (error " + error.errorCode + ")" : "";
        throw new Error("scorm-again refused the CMI data to load: " + (error && error.message || error) + code);
      }
      if (String(api.lastErrorCode) !== "0") {
        throw new Error("scorm-again refused the CMI data to load: error " + api.lastErrorCode + " " +
                        api.getLmsErrorMessageDetails(api.lastErrorCode, true));
      }
    }
    // Values scorm-again would refuse (cmi.mode ""...): the element's getter answers them from now on, while its
    // setter still validates what the SCO writes (and, for a read-only element, refuses it).
    for (const [element, value] of Object.entries(config.unvalidated)) {
      const path = element.split(".");
      const name = path.pop();
      let owner = api;
      for (const part of path) { owner = owner == null ? owner : owner[part]; }
      let holder = owner;
      let descriptor;
      while (holder != null && !(descriptor = Object.getOwnPropertyDescriptor(holder, name))) {
        holder = Object.getPrototypeOf(holder);
      }
      if (!descriptor || !descriptor.get) { throw new Error("no such element in scorm-again: " + element); }
      Object.defineProperty(owner, name, {
        configurable: true,
        enumerable: descriptor.enumerable,
        get: function () { return value; },
        set: function (newValue) { if (descriptor.set) { descriptor.set.call(this, newValue); } },
      });
    }
    const parameterless = new Set(config.parameterless);
    for (const name of config.functions) {
      const original = api[name];
      api[name] = function (...args) {
        const call = [name, ...args.map(String)];
        if (parameterless.has(name) && call.length === 2 && call[1] === "") { call.pop(); }
        window.toscaPlayerLog.push(call);
        const outcome = {call: call, returned: null, error: "0"};
        window.toscaPlayerOutcomes.push(outcome);
        const returned = original.apply(api, args);
        outcome.returned = returned === undefined ? null : String(returned);
        outcome.error = String(api.lastErrorCode);
        if (outcome.error !== "0") {
          outcome.message = api.getLmsErrorMessageDetails(api.lastErrorCode, false);
        }
        return returned;
      };
    }
  } catch (error) {
    window.toscaPlayerError = String(error && error.stack ? error.stack : error);
    const message = document.createElement("p");
    message.id = "player-error";
    message.textContent = "The player could not start: " + window.toscaPlayerError;
    document.body.appendChild(message);
    return;
  }
  const frame = document.createElement("iframe");
  frame.id = "sco";
  frame.name = "sco";
  frame.title = "Course";
  frame.src = config.src;
  document.body.appendChild(frame);
})();
</script>
</body>
</html>
"""

_RUNTIME_STATE = """
const player = window.top;
const api = player[arguments[0]];
if (!api) { return {error: "no " + arguments[0] + " in the player page " + player.location.href}; }
return JSON.parse(JSON.stringify({
  version: player.toscaPlayerVersion,
  state: api.currentState,
  cmi: api.getFlattenedCMI(),
  tree: api.renderCMIToJSONObject(),
  calls: player.toscaPlayerLog,
  outcomes: player.toscaPlayerOutcomes,
  messages: player.toscaPlayerMessages,
  error: player.toscaPlayerError,
}));
"""

_PLAYER_VERSION = "return window.top.toscaPlayerVersion === undefined ? null : window.top.toscaPlayerVersion;"
_PLAYER_CALLS = "return window.top.toscaPlayerLog === undefined ? null : window.top.toscaPlayerLog;"
_PLAYER_STARTED = """
const player = window.top;
if (player.toscaPlayerError) { return {error: player.toscaPlayerError}; }
const frame = player.document.getElementById("sco");
if (!frame || !frame.contentDocument) { return {ready: false}; }
// Until the SCO's document replaces it, the frame holds an initial about:blank that is already "complete".
const loaded = frame.contentWindow.location.pathname.startsWith("/package/");
return {ready: loaded && frame.contentDocument.readyState === "complete"};
"""


class ScormPlayerError(RuntimeError):
    """The player page could not start the run-time or the SCO, or what it holds could not be read."""


# -- scorm-again -----------------------------------------------------------------------------------------------------


def ensure_scorm_again() -> Path:
    """The path of scorm-again's browser bundle, installed with npm under ``.venv/peers/scorm-again`` on first use.

    Raises ``BrowserUnavailable`` when npm is missing or the install fails (another pytest process installing at
    the same time is waited for, under a file lock).
    """
    return ensure_npm_package(SCORM_AGAIN_REQUIREMENT, PEER_DIR, PEER_DIR / BUNDLE)


@functools.cache
def _script_bytes(path: Path) -> bytes:
    return path.read_bytes()


# -- the player ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitRequest:
    """One POST to /commit: the parsed JSON body (None if it was not JSON), its Content-Type, query and raw text.

    scorm-again sends ``application/json;charset=UTF-8`` for LMSCommit/Commit and ``text/plain;charset=UTF-8``
    (a beacon) for the commit of LMSFinish/Terminate.
    """

    payload: Any
    content_type: str
    query: str
    body: str
    received: float = field(default_factory=time.monotonic)

    @property
    def is_beacon(self) -> bool:
        """True for the commit scorm-again sends with navigator.sendBeacon: the one of LMSFinish/Terminate."""
        return self.content_type.split(";")[0].strip().lower() == "text/plain"


@dataclass(frozen=True)
class _Launch:
    cmi: dict[str, Any]
    settings: dict[str, Any]
    unvalidated: dict[str, Any]


class ScormPlayer:
    """An LMS's player for one extracted SCORM package, with scorm-again as its run-time, on 127.0.0.1.

    `folder` holds the extracted package (imsmanifest.xml and the SCO's files); `version` is "1.2" or "2004".
    `cmi` is CMI data loaded before the SCO starts, as flattened element names (``{"cmi.core.entry": "resume",
    "cmi.suspend_data": "..."}``: what an LMS knows of the learner and of the previous attempt); `settings` are
    extra scorm-again settings (e.g. ``{"useAsynchronousCommits": True}``, ``{"mastery_override": False}``);
    `unvalidated` writes values that scorm-again itself refuses straight into its data model, to imitate LMSs that
    answer them (e.g. ``{"cmi.mode": ""}`` or ``{"cmi.core.lesson_mode": ""}``). Each may also be given per launch
    to ``url``/``open``, where it replaces the player's.

    The server starts at once; ``close()`` stops it (a ``with`` block does too).
    """

    def __init__(
        self,
        folder: Path,
        version: str,
        *,
        script: Path | None = None,
        cmi: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
        unvalidated: Mapping[str, Any] | None = None,
    ) -> None:
        if version not in VERSIONS:
            raise ValueError(f"unknown SCORM version {version!r}: use one of {VERSIONS}")
        folder = Path(folder).resolve()
        if not folder.is_dir():
            raise ValueError(f"{folder} is not a folder holding an extracted SCORM package")
        self.folder = folder
        self.version = version
        self.script = script or ensure_scorm_again()
        self._default = _Launch(dict(cmi or {}), dict(settings or {}), dict(unvalidated or {}))
        self._launches: dict[int, _Launch] = {}
        self._lock = threading.Lock()
        self._requests: list[CommitRequest] = []
        self.commit_answer: tuple[int, Any] = (200, COMMIT_SUCCESS)
        """What /commit answers: an HTTP status and a JSON body (scorm-again reads ``result`` and ``errorCode``).
        Set it to e.g. ``(200, {"result": False, "errorCode": 101})`` or ``(500, {})`` to imitate a failing LMS."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _PlayerHandler)
        self._server.daemon_threads = True
        self._server.player = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, name="scorm-player", daemon=True)
        self._thread.start()
        self._closed = False

    # -- addresses

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def left_url(self) -> str:
        """A blank page of this server: go there to leave the course (``leave``)."""
        return f"{self.base_url}/left.html"

    def url(
        self,
        launch: str,
        *,
        cmi: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
        unvalidated: Mapping[str, Any] | None = None,
    ) -> str:
        """The player page for the SCO at `launch` (the manifest's href, relative to the package, with any query).

        `cmi`, `settings` and `unvalidated` replace the player's own for this launch only (see the class).
        """
        path = urlsplit(launch).path
        if launch.startswith("/") or "://" in launch or ".." in Path(unquote(path)).parts:
            raise ValueError(f"the launch href must be relative to the package, not {launch!r}")
        url = f"{self.base_url}/player.html?launch={quote(launch, safe='')}"
        if cmi is None and settings is None and unvalidated is None:
            return url
        default = self._default
        chosen = _Launch(
            dict(default.cmi if cmi is None else cmi),
            dict(default.settings if settings is None else settings),
            dict(default.unvalidated if unvalidated is None else unvalidated),
        )
        with self._lock:
            number = len(self._launches) + 1
            self._launches[number] = chosen
        return f"{url}&config={number}"

    def open(self, driver: WebDriver, launch: str, *, timeout: float = 20, **launch_options: Any) -> None:
        """Load the player for `launch` in `driver` and wait until the SCO's frame has loaded.

        Takes the options of ``url``. Raises ``ScormPlayerError`` if `launch` is not a file of the package or the
        player could not start the run-time (e.g. scorm-again refused the CMI data to load). The driver is left in
        the top document.
        """
        url = self.url(launch, **launch_options)
        if self._package_file(urlsplit(launch).path) is None:
            raise ScormPlayerError(f"{launch!r} is not a file of the package in {self.folder}")
        driver.switch_to.default_content()
        driver.get(url)
        state: dict[str, Any] = {}

        def started(current: WebDriver) -> bool:
            state.update(current.execute_script(_PLAYER_STARTED) or {})
            return bool(state.get("error") or state.get("ready"))

        _wait(driver, started, timeout, lambda: f"the SCO {launch!r} did not load in the player within {timeout}s")
        if state.get("error"):
            raise ScormPlayerError(f"the player could not start {launch!r}: {state['error']}")

    def leave(self, driver: WebDriver) -> None:
        """The learner leaves: the top window goes to a blank page, so the SCO gets ``pagehide`` and ``unload``.

        What the SCO commits then arrives asynchronously (a beacon): ``wait_for_commits`` waits for it.
        """
        driver.switch_to.default_content()
        driver.get(self.left_url)

    # -- what the run-time sent

    @property
    def requests(self) -> list[CommitRequest]:
        """Every POST to /commit so far, in order of arrival (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def commits(self) -> list[Any]:
        """The parsed JSON body of every commit so far, in order of arrival (a copy)."""
        return [request.payload for request in self.requests]

    def wait_for_commits(self, count: int = 1, timeout: float = 10) -> list[Any]:
        """The commits, once at least `count` have arrived; raises ``TimeoutError`` after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            commits = self.commits
            if len(commits) >= count:
                return commits
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(commits)} commit(s) arrived within {timeout}s, expected at least {count}")
            time.sleep(0.05)

    def _record(self, request: CommitRequest) -> None:
        with self._lock:
            self._requests.append(request)

    # -- life

    def close(self) -> None:
        """Stop the server (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ScormPlayer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- pages

    def _launch(self, number: str | None) -> _Launch | None:
        if number is None:
            return self._default
        with self._lock:
            return self._launches.get(int(number)) if number.isdigit() else None

    def _player_page(self, launch: str, options: _Launch) -> bytes:
        config = {
            "version": self.version,
            "apiName": API_NAMES[self.version],
            "constructor": CONSTRUCTORS[self.version],
            "settings": {**BASE_SETTINGS, **options.settings, **FIXED_SETTINGS},
            "cmi": options.cmi,
            "unvalidated": options.unvalidated,
            "functions": list(FUNCTIONS[self.version]),
            "parameterless": [name for name in FUNCTIONS[self.version] if not name.endswith("Value")],
            "src": "/package/" + quote(launch, safe="/?&=#%;:@+,"),
        }
        # In a <script> element only "</" can end it early; JSON allows escaping "/".
        text = json.dumps(config).replace("</", "<\\/")
        return PLAYER_PAGE.replace("__CONFIG__", text).encode("utf-8")

    def _package_file(self, relative: str) -> Path | None:
        candidate = (self.folder / unquote(relative)).resolve()
        if not candidate.is_relative_to(self.folder) or not candidate.is_file():
            return None
        return candidate


def content_type(path: Path) -> str:
    """The Content-Type the player serves `path` with."""
    suffix = path.suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _encoding = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


class _PlayerHandler(BaseHTTPRequestHandler):
    server_version = "ToscaScormPlayer/1"

    @property
    def player(self) -> ScormPlayer:
        return self.server.player  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        self._get(send_body=True)

    def do_HEAD(self) -> None:
        self._get(send_body=False)

    def _get(self, *, send_body: bool) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        if path == "/player.html":
            query = parse_qs(parts.query)
            launch = query.get("launch", [None])[0]
            options = self.player._launch(query.get("config", [None])[0])
            if not launch or options is None:
                self.send_error(400, "player.html needs ?launch=<href> (and a config this player gave)")
                return
            self._send(200, "text/html; charset=utf-8", self.player._player_page(launch, options), send_body)
        elif path == "/scorm-again.js":
            self._send(200, "text/javascript; charset=utf-8", _script_bytes(self.player.script), send_body)
        elif path == "/left.html":
            self._send(200, "text/html; charset=utf-8", LEFT_PAGE.encode("utf-8"), send_body)
        elif path.startswith("/package/"):
            file = self.player._package_file(path.removeprefix("/package/"))
            if file is None:
                self.send_error(404, "not in the package")
                return
            self._send_file(file, send_body)
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != "/commit":
            self.send_error(404)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        self.player._record(CommitRequest(payload, self.headers.get("Content-Type", ""), parts.query, body))
        if payload is None:
            self._send(400, "application/json", b'{"result": false, "errorCode": 101}', True)
            return
        status, answer = self.player.commit_answer
        self._send(status, "application/json", json.dumps(answer).encode("utf-8"), True)

    def _send_file(self, file: Path, send_body: bool) -> None:
        data = file.read_bytes()
        kind = content_type(file)
        span = _byte_range(self.headers.get("Range"), len(data))
        if span is None:
            self._send(200, kind, data, send_body, {"Accept-Ranges": "bytes"})
        elif span == "unsatisfiable":
            self._send(416, kind, b"", send_body, {"Content-Range": f"bytes */{len(data)}"})
        else:
            start, end = span
            headers = {"Accept-Ranges": "bytes", "Content-Range": f"bytes {start}-{end}/{len(data)}"}
            self._send(206, kind, data[start : end + 1], send_body, headers)

    def _send(
        self, status: int, kind: str, data: bytes, send_body: bool, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        body = f"<!doctype html><title>{code}</title><p>{html.escape(message or self.responses[code][0])}</p>"
        self._send(code, "text/html; charset=utf-8", body.encode("utf-8"), self.command != "HEAD")

    def log_message(self, format: str, *args: object) -> None:  # keep the test output quiet
        pass


def _byte_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """The (start, end) of a single "bytes=" Range, "unsatisfiable", or None to send the whole file."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header.removeprefix("bytes=").strip().partition("-")
    try:
        if first == "":
            length = int(last)
            start, end = max(size - length, 0), size - 1
        else:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
    except ValueError:
        return None
    if start >= size or start > end:
        return "unsatisfiable"
    return start, end


# -- a later attempt -------------------------------------------------------------------------------------------------


def resume_data(commit: Mapping[str, Any], version: str) -> dict[str, str]:
    """The CMI data an LMS gives the next launch after `commit` (a payload of ``player.commits``), for ``cmi=``.

    What persists across sessions (the location, suspend_data, statuses, score, total time and objectives), and
    cmi.core.entry / cmi.entry "resume" when the SCO exited with "suspend". Otherwise the entry is left out, and
    scorm-again answers "" for it; add ``"ab-initio"`` yourself to imitate an LMS that says so for a new attempt.
    """
    if version not in VERSIONS:
        raise ValueError(f"unknown SCORM version {version!r}: use one of {VERSIONS}")
    flat = _flatten(commit.get("cmi", {}), "cmi")
    if version == "1.2":
        kept = ("cmi.core.lesson_location", "cmi.suspend_data", "cmi.core.lesson_status", "cmi.core.total_time")
        scores = ("cmi.core.score.",)
        exit_element, entry_element, objective_fields = "cmi.core.exit", "cmi.core.entry", ("id", "status", "score")
    else:
        kept = (
            "cmi.location",
            "cmi.suspend_data",
            "cmi.completion_status",
            "cmi.success_status",
            "cmi.progress_measure",
            "cmi.total_time",
        )
        scores = ("cmi.score.",)
        exit_element, entry_element = "cmi.exit", "cmi.entry"
        objective_fields = ("id", "success_status", "completion_status", "progress_measure", "score")
    data = {
        element: value
        for element, value in flat.items()
        if value not in ("", None)
        and (
            element in kept
            or element.startswith(scores)
            or (element.startswith("cmi.objectives.") and element.split(".")[3] in objective_fields)
        )
    }
    if data.get("cmi.core.lesson_status") == "not attempted":
        del data["cmi.core.lesson_status"]
    if flat.get(exit_element) == "suspend":
        data[entry_element] = "resume"
    return data


def _flatten(value: Any, prefix: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}"))
        return flat
    if isinstance(value, list):
        return _flatten(dict(enumerate(value)), prefix)
    return {prefix: value}


# -- reading the player page -----------------------------------------------------------------------------------------


def runtime_state(driver: WebDriver, version: str | None = None) -> dict[str, Any]:
    """What the run-time in the player page holds, as plain JSON.

    - ``cmi``: the data model flattened (``{"cmi.core.lesson_status": "passed", "cmi.objectives.0.id": ...}``);
      ``tree``: the same as scorm-again's nested ``{"cmi": {...}}``, the shape of its commits;
    - ``state``: "not initialized", "initialized" or "terminated";
    - ``calls``: the SCO's API calls in order (``[["LMSInitialize"], ["LMSSetValue", "cmi.core.lesson_status",
      "passed"], ...]``);
    - ``outcomes``: one ``{"call", "returned", "error"}`` per call (and ``message`` when error is not "0");
      ``errors``: those whose error is not "0";
    - ``messages``: scorm-again's own warnings and errors, as ``[level, text]``.

    `version` ("1.2"/"2004") is the player's; by default it is read from the page. Works from the top document or
    the SCO's frame.
    """
    version = version or _page_version(driver)
    if version not in VERSIONS:
        raise ValueError(f"unknown SCORM version {version!r}: use one of {VERSIONS}")
    state = driver.execute_script(_RUNTIME_STATE, API_NAMES[version])
    if not isinstance(state, dict) or "cmi" not in state:
        raise ScormPlayerError(f"cannot read the SCORM {version} run-time in {driver.current_url}: {state}")
    if state["version"] != version:
        raise ScormPlayerError(f"the player page runs SCORM {state['version']}, not {version}")
    state["state"] = STATES.get(state["state"], str(state["state"]))
    state["errors"] = [outcome for outcome in state["outcomes"] if outcome["error"] != "0"]
    return state


def calls_of(state: Mapping[str, Any], *names: str) -> list[list[str]]:
    """The calls of `state` (``runtime_state``) to the API functions named, e.g. ``calls_of(state, "LMSSetValue")``;
    all but GetValue calls when no name is given (reading is noise in most assertions about order)."""
    if names:
        return [call for call in state["calls"] if call[0] in names]
    return [call for call in state["calls"] if not call[0].endswith("GetValue")]


def api_calls(driver: WebDriver) -> list[list[str]]:
    """The SCO's API calls so far (``window.toscaPlayerLog`` of the player page)."""
    calls = driver.execute_script(_PLAYER_CALLS)
    if calls is None:
        raise ScormPlayerError(f"{driver.current_url} is not a player page (no window.toscaPlayerLog)")
    return calls


def wait_for_call(driver: WebDriver, name: str, *arguments: str, timeout: float = 10) -> list[list[str]]:
    """Wait until the SCO has called `name` (e.g. "LMSFinish", "Terminate"), with these first `arguments` if given
    (``wait_for_call(driver, "LMSSetValue", "cmi.core.lesson_status")``); returns the calls so far."""
    wanted = [name, *arguments]

    def called(current: WebDriver) -> bool:
        return any(call[: len(wanted)] == wanted for call in api_calls(current))

    _wait(driver, called, timeout, lambda: f"no {wanted} call within {timeout}s; calls: {api_calls(driver)}")
    return api_calls(driver)


def wait_until(driver: WebDriver, script: str, *arguments: Any, timeout: float = 10) -> Any:
    """Wait until `script` (a JavaScript function body run in the current document, e.g. ``"return
    window.top.API.cmi.core.lesson_status === 'passed'"``) returns something truthy; returns it."""
    result: list[Any] = [None]

    def holds(current: WebDriver) -> bool:
        result[0] = current.execute_script(script, *arguments)
        return bool(result[0])

    _wait(driver, holds, timeout, lambda: f"this did not hold within {timeout}s: {script}")
    return result[0]


def _page_version(driver: WebDriver) -> str:
    version = driver.execute_script(_PLAYER_VERSION)
    if version is None:
        raise ScormPlayerError(f"{driver.current_url} is not a player page (no window.toscaPlayerVersion)")
    return version


def _wait(
    driver: WebDriver, condition: Callable[[WebDriver], bool], timeout: float, describe: Callable[[], str]
) -> None:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition)
    except TimeoutException:
        raise TimeoutError(describe()) from None
