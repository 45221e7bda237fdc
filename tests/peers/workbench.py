"""The xblock-sdk workbench, a second and independent XBlock runtime, as a test peer.

``WorkbenchServer`` runs the SDK's real workbench (PyPI ``xblock-sdk``, Django project ``workbench``) in its own
process on 127.0.0.1, with Tosca's apps installed as plugin apps (``tests/peers/workbench_settings.py``) and every
installed XBlock, Tosca's included, found through its ``xblock.v1`` entry point. Tests drive it over HTTP as a
browser would, through ``WorkbenchSession``: render a scenario for a student, find the blocks on the page, call
their handlers (with Django's CSRF protection on, as in the LMS).

The workbench knows no accounts: the student is the ``student`` query parameter of each request, and
``StaffAwareUserService`` (tests/peers/workbench_services.py) tells blocks that ids starting with "staff" are
course staff. Block state lives in the peer's own SQLite file, for the whole session: use fresh student ids.

This module is also the peer's entry point: ``python -m tests.peers.workbench serve --port N`` (run from the
checkout, with DJANGO_SETTINGS_MODULE=tests.peers.workbench_settings) migrates the database, checks that every
XBlock entry point loads, optionally imports Tosca's demo repertory, then serves, all in one process.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import secrets
import string
import subprocess
import sys
import threading
import time
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from tests.peers.ralph import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
SETTINGS_MODULE = "tests.peers.workbench_settings"
USER_SERVICE = "tests.peers.workbench_services.StaffAwareUserService"
DEMO_CSV = REPO_ROOT / "tosca" / "demo" / "repertorio-toscana-demo.csv"
XBLOCK_GROUP, ASIDE_GROUP = "xblock.v1", "xblock_asides.v1"
CSRF_COOKIE, CSRF_HEADER = "csrftoken", "X-CSRFToken"
# Variables of the test process that must not reach the peer: it has its own database and settings.
PRIVATE_VARIABLES = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "WORKBENCH_DATABASES", "EXCLUDE_SAMPLE_XBLOCKS"}


class WorkbenchError(RuntimeError):
    """The workbench answered a request with an error; the message carries the answer and the peer's log."""


class WorkbenchUnavailable(WorkbenchError):
    """The workbench could not be started; the message says which step failed and why."""


class WorkbenchServer:
    """One workbench process on 127.0.0.1, its database, logs and files kept under ``workdir``.

    Use as ``server = WorkbenchServer().start(tmp_path)``, then ``server.session("alice").render("thumbs.0")``,
    and ``server.stop()`` at the end.
    """

    host = "127.0.0.1"
    start_timeout = 60.0
    port_attempts = 3

    def __init__(self, *, load_demo: bool = True) -> None:
        self.load_demo = load_demo
        self.port: int | None = None
        self.workdir: Path | None = None
        self.process: subprocess.Popen | None = None
        self.report: dict[str, Any] = {}
        self.startup_seconds: float | None = None
        self._output = None

    # -- life cycle ---------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's base URL, without a trailing slash (also the platform id of its learners)."""
        return f"http://{self.host}:{self.port}"

    @property
    def database(self) -> Path:
        """The peer's SQLite file: block state, and Tosca's tables as the blocks left them."""
        return self._dir / "workbench.sqlite3"

    @property
    def log_path(self) -> Path:
        """The Django log of the peer: errors with their tracebacks, and what the blocks log."""
        return self._dir / "workbench.log"

    @property
    def output_path(self) -> Path:
        """What the process wrote to stdout and stderr (start-up problems, one line per request)."""
        return self._dir / "server-output.log"

    @property
    def _dir(self) -> Path:
        if self.workdir is None:
            raise WorkbenchError("the workbench was not started")
        return self.workdir

    @property
    def _report_path(self) -> Path:
        return self._dir / "start-report.json"

    def environment(self) -> dict[str, str]:
        """The environment of the peer process: the test run's, minus what belongs to the test run alone."""
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in PRIVATE_VARIABLES and (key.startswith("TOSCA_WORKBENCH_") or not key.startswith("TOSCA_"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
                "TOSCA_WORKBENCH_DB": str(self.database),
                "TOSCA_WORKBENCH_DIR": str(self._dir),
                "TOSCA_BASE_URL": self.url,
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def start(self, workdir: Path) -> WorkbenchServer:
        """Migrate the peer's database, check the XBlocks, start serving and wait until the index answers.

        Raises ``WorkbenchUnavailable`` with the reason (and the peer's log) when any step fails.
        """
        if self.process is not None:
            raise WorkbenchError("this WorkbenchServer is already running")
        for module in ("workbench", "xblock", "django"):
            if importlib.util.find_spec(module) is None:
                raise WorkbenchUnavailable(
                    f"the {module!r} package is not installed in {sys.executable}'s environment "
                    "(xblock-sdk comes with the test extra: pip install -e '.[test]')"
                )
        self.workdir = Path(workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        for attempt in range(1, self.port_attempts + 1):
            try:
                self._start_once(started)
            except _PortTaken:
                self.stop()
                if attempt == self.port_attempts:
                    raise WorkbenchUnavailable(
                        f"no free port for the workbench after {attempt} attempts:\n{self.log_tail()}"
                    ) from None
                continue
            except BaseException:
                self.stop()
                raise
            break
        self.startup_seconds = time.monotonic() - started
        if self.report.get("broken_asides"):
            # The runtime skips asides it cannot load without a word: their blocks render without them.
            warnings.warn(
                "the workbench runs without these asides, whose entry points cannot be imported: "
                + "; ".join(f"{entry}: {error}" for entry, error in self.report["broken_asides"].items()),
                stacklevel=2,
            )
        return self

    def _start_once(self, started: float) -> None:
        self.port = free_port()
        self._report_path.unlink(missing_ok=True)
        command = [sys.executable, "-m", "tests.peers.workbench", "serve", "--port", str(self.port)]
        if self.load_demo:
            command.append("--demo")
        self._output = open(self.output_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
            env=self.environment(),
            start_new_session=True,
        )
        self._wait_until_ready(started)

    def _wait_until_ready(self, started: float) -> None:
        last_error = "no answer yet"
        while time.monotonic() - started < self.start_timeout:
            if self.process.poll() is not None:
                self._raise_start_failure()
            if self._report_path.exists():
                try:
                    response = requests.get(f"{self.url}/", timeout=10)
                except requests.RequestException as error:
                    last_error = str(error)
                else:
                    if response.status_code == 200:
                        self.report = json.loads(self._report_path.read_text(encoding="utf-8"))
                        return
                    raise WorkbenchUnavailable(
                        f"the workbench index answered {response.status_code}: its scenarios cannot be loaded "
                        f"(an installed XBlock's workbench_scenarios() fails?):\n{self.log_tail()}"
                    )
            time.sleep(0.1)
        raise WorkbenchUnavailable(
            f"the workbench did not answer on {self.url} within {self.start_timeout:.0f} s ({last_error}):\n"
            f"{self.log_tail()}"
        )

    def _raise_start_failure(self) -> None:
        output = self.output_path.read_text(encoding="utf-8", errors="replace")[-20000:]
        if "port is already in use" in output:
            raise _PortTaken()
        try:
            report = json.loads(self._report_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = {}
        broken = report.get("broken_xblocks")
        if broken:
            entries = "; ".join(f"{entry}: {error}" for entry, error in broken.items())
            raise WorkbenchUnavailable(
                f"these xblock.v1 entry points cannot be imported: {entries} (the workbench loads every installed "
                "XBlock class with XBlock.load_classes(fail_silently=False), so no scenario can be shown)"
            )
        if report.get("error"):
            raise WorkbenchUnavailable(f"the workbench could not start: {report['error']}\n{self.log_tail()}")
        raise WorkbenchUnavailable(
            f"the workbench exited with status {self.process.returncode} while starting:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after 10 s). The workdir is left to its owner."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
            self.process = None
        if self._output is not None:
            self._output.close()
            self._output = None

    def __enter__(self) -> WorkbenchServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log_tail(self, size: int = 6000) -> str:
        """The end of the peer's output and of its Django log, for error messages."""
        parts = []
        for path in (self.output_path, self.log_path):
            try:
                text = path.read_bytes()[-size:].decode("utf-8", "replace").strip()
            except (OSError, WorkbenchError):
                continue
            if text:
                parts.append(f"--- {path.name} ---\n{text}")
        return "\n".join(parts) or "(the workbench wrote nothing)"

    # -- client ---------------------------------------------------------------------------------------------

    def session(self, student: str) -> WorkbenchSession:
        """A browser-like client acting as `student` (ids starting with "staff" are course staff)."""
        return WorkbenchSession(self, student)

    def scenario_ids(self) -> list[str]:
        """The ids of the scenarios listed on the workbench's index page (``<block type>.<n>``), in its order."""
        response = requests.get(f"{self.url}/", timeout=30)
        if response.status_code != 200:
            raise WorkbenchError(f"GET / answered {response.status_code}:\n{self.log_tail()}")
        return _ScenarioLinks.parse(response.text)

    def reset_state(self) -> None:
        """Delete all block state of every student and reload the scenarios (the workbench's "Reset State")."""
        response = requests.post(
            f"{self.url}/reset_state", headers={"Referer": f"{self.url}/"}, allow_redirects=False, timeout=60
        )
        if response.status_code != 302:
            raise WorkbenchError(f"POST /reset_state answered {response.status_code}:\n{self.log_tail()}")


class _PortTaken(Exception):
    """The port chosen for the workbench was taken before it bound it: try another one."""


class WorkbenchSession:
    """One student's browser on the workbench: renders scenarios and calls handlers as the page's JS would."""

    timeout = 30.0

    def __init__(self, server: WorkbenchServer, student: str) -> None:
        if not student or "/" in student:
            raise ValueError(f"a workbench student id must be a non-empty string without '/', not {student!r}")
        self.server = server
        self.student = student
        self.http = requests.Session()

    def page_url(self, scenario_id: str, view: str = "student_view") -> str:
        """The URL of a scenario's page, rendered with `view`, for this student."""
        return f"{self.server.url}/scenario/{quote(scenario_id, safe='')}/{quote(view, safe='')}/?" + _student(
            self.student
        )

    def render(self, scenario_id: str, view: str = "student_view") -> str:
        """The HTML page of a scenario rendered for this student (the answer also sets the CSRF cookie)."""
        response = self.http.get(self.page_url(scenario_id, view), timeout=self.timeout)
        if response.status_code == 404:
            raise WorkbenchError(
                f"the workbench has no scenario {scenario_id!r}; it has: {', '.join(self.server.scenario_ids())}"
            )
        if response.status_code != 200:
            raise WorkbenchError(
                f"rendering {scenario_id!r} ({view}) for {self.student!r} answered {response.status_code}:\n"
                f"{self.server.log_tail()}"
            )
        return response.text

    def handler_url(self, usage_id: str, handler: str, *, suffix: str = "", aside: bool = False) -> str:
        """The absolute URL of a block's handler (an aside's with ``aside=True``) for this student."""
        kind = "aside_handler" if aside else "handler"
        path = f"/{kind}/{quote(usage_id, safe='')}/{quote(handler, safe='')}/{quote(suffix)}"
        return f"{self.server.url}{path}?{_student(self.student)}"

    def call(
        self,
        usage_id: str,
        handler: str,
        payload: dict | None = None,
        *,
        json: bool = True,
        suffix: str = "",
        aside: bool = False,
        csrf: bool = True,
    ) -> requests.Response:
        """POST to a handler as the block's JavaScript does, and return the answer whatever its status.

        The payload goes as a JSON body (``json=True``, what ``XBlock.json_handler`` reads) or as form fields.
        The CSRF token travels as Django expects (cookie, ``X-CSRFToken`` header, same-origin Origin and Referer);
        ``csrf=False`` leaves the header out, to check that the workbench refuses such a request.
        """
        headers = {"Origin": self.server.url, "Referer": f"{self.server.url}/"}
        if csrf:
            headers[CSRF_HEADER] = self.csrf_token()
        kwargs: dict[str, Any] = {"headers": headers, "timeout": self.timeout}
        if json:
            kwargs["data"] = _json_body(payload if payload is not None else {})
            headers["Content-Type"] = "application/json"
        else:
            kwargs["data"] = payload or {}
        return self.http.post(self.handler_url(usage_id, handler, suffix=suffix, aside=aside), **kwargs)

    def call_json(self, usage_id: str, handler: str, payload: dict | None = None, **options: Any) -> Any:
        """``call`` a JSON handler and return its decoded answer; raise ``WorkbenchError`` unless it is a 200."""
        response = self.call(usage_id, handler, payload, **options)
        if response.status_code != 200:
            raise WorkbenchError(
                f"{handler} of {usage_id} for {self.student!r} answered {response.status_code}: "
                f"{response.text[:1000]}\n{self.server.log_tail()}"
            )
        return response.json()

    def csrf_token(self) -> str:
        """The CSRF secret of this browser: the cookie the workbench set, or one minted as a browser may hold."""
        host = urlsplit(self.server.url).hostname
        token = self.http.cookies.get(CSRF_COOKIE, domain=host)
        if not token:
            # Django accepts any well-formed secret the client holds in its cookie, as long as the header matches.
            alphabet = string.ascii_letters + string.digits
            token = "".join(secrets.choice(alphabet) for _ in range(32))
            self.http.cookies.set(CSRF_COOKIE, token, domain=host, path="/")
        return token

    @staticmethod
    def find_usage_ids(html: str, block_type: str) -> list[str]:
        """Usage ids of the blocks (or asides) of `block_type` in a rendered page, in document order."""
        return find_usage_ids(html, block_type)


def find_usage_ids(html: str, block_type: str) -> list[str]:
    """Usage ids of the blocks of `block_type` in `html`, from the ``data-usage``/``data-block-type`` attributes
    with which the XBlock runtime wraps each rendered block (``xblock.runtime.Runtime._wrap_ele``)."""
    parser = _BlockWrappers()
    parser.feed(html)
    parser.close()
    return [usage for kind, usage in parser.blocks if kind == block_type]


class _BlockWrappers(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("data-block-type") and attributes.get("data-usage"):
            self.blocks.append((attributes["data-block-type"], attributes["data-usage"]))


class _ScenarioLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        parts = (dict(attrs).get("href") or "").split("/")
        if len(parts) == 4 and parts[0] == "" and parts[1] == "scenario" and parts[3] == "":
            self.ids.append(parts[2])

    @classmethod
    def parse(cls, html: str) -> list[str]:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser.ids


def _student(student: str) -> str:
    return "student=" + quote(student, safe="")


def _json_body(payload: dict) -> str:
    return json.dumps(payload)


# -- the peer process ---------------------------------------------------------------------------------------


def serve(port: int, *, demo: bool, report_path: Path) -> None:
    """Inside the peer process: prepare the database, check the XBlocks, then run the development server."""
    started = time.monotonic()
    report: dict[str, Any] = {"pid": os.getpid(), "seconds": {}}

    def lap(step: str) -> None:
        report["seconds"][step] = round(time.monotonic() - started, 2)

    import django

    django.setup()
    from django.core.management import call_command

    lap("django_setup")
    try:
        call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
        lap("migrate")
        report["broken_xblocks"] = _broken_entry_points(XBLOCK_GROUP)
        report["broken_asides"] = _broken_entry_points(ASIDE_GROUP)
        lap("entry_points")
        if report["broken_xblocks"]:
            _write(report_path, report)
            sys.exit(3)
        report["user_service"] = _user_service_check()
        if demo:
            report["demo"] = _load_demo()
            lap("demo")
    except SystemExit:
        raise
    except Exception as error:
        report["error"] = f"{type(error).__name__}: {error}"
        _write(report_path, report)
        raise
    _write(report_path, report)
    _exit_with_parent()
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True, skip_checks=True)


def _broken_entry_points(group: str) -> dict[str, str]:
    """Entry points of `group` that cannot be loaded, with the error each raises."""
    from importlib.metadata import entry_points

    broken = {}
    for entry_point in entry_points(group=group):
        try:
            entry_point.load()
        except Exception as error:
            broken[f"{entry_point.name} = {entry_point.value}"] = f"{type(error).__name__}: {error}"
    return broken


def _user_service_check() -> str:
    """Which user service the workbench runtime gives blocks; ours, or the start fails (the SDK hides errors)."""
    from workbench.runtime import WorkbenchRuntime

    service = WorkbenchRuntime("staff-start-check")._services.get("user")
    name = f"{type(service).__module__}.{type(service).__qualname__}"
    if name != USER_SERVICE:
        raise RuntimeError(f"the workbench runtime uses {name} as its user service instead of {USER_SERVICE}")
    if not service.get_current_user().opt_attrs.get("edx-platform.user_is_staff"):
        raise RuntimeError(f"{USER_SERVICE} does not make 'staff-start-check' a staff member")
    return name


def _load_demo() -> str:
    """Import Tosca's demo repertory as `tosca load_demo` does (the tosca site app is not installed here)."""
    from repertory import api
    from repertory.data import Format

    report = api.import_framework(DEMO_CSV, source_format=Format.RRFP_CSV)
    return f"{report.framework}: {len(report.added)} added, {len(report.changed)} changed"


def _exit_with_parent() -> None:
    """End this process when the test run that started it is gone (a killed pytest leaves no server behind)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _write(path: Path, report: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(report, indent=2), encoding="utf-8")
    temporary.replace(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.peers.workbench", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="prepare the peer's database and serve on 127.0.0.1")
    serve_parser.add_argument("--port", type=int, required=True)
    serve_parser.add_argument("--demo", action="store_true", help="import Tosca's demo repertory first")
    arguments = parser.parse_args(argv)
    directory = os.environ.get("TOSCA_WORKBENCH_DIR") or str(Path(os.environ["TOSCA_WORKBENCH_DB"]).parent)
    serve(arguments.port, demo=arguments.demo, report_path=Path(directory) / "start-report.json")


if __name__ == "__main__":
    main()
