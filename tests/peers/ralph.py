"""Ralph, a real xAPI LRS, as a test peer.

Ralph (PyPI ``ralph-malph``) pins versions that conflict with the project's, so it lives in its own virtual
environment under ``.venv/peers/ralph`` (git-ignored), created on first use. ``RalphServer`` starts it on
127.0.0.1 with its file-system backend through ``ralph_launcher.py``, which fixes two bugs of Ralph 5.1.0's
file-system LRS backend before serving (see that file).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

import requests

from tests.peers.venvs import ensure_venv

RALPH_REQUIREMENT = "ralph-malph[cli,lrs]==5.1.0"
# ralph.api imports requests (its OIDC module) but no extra of ralph-malph 5.1.0 short of backend-ldp declares it.
PEER_REQUIREMENTS = (RALPH_REQUIREMENT, "requests>=2.32")
REPO_ROOT = Path(__file__).resolve().parents[2]
PEER_VENV = REPO_ROOT / ".venv" / "peers" / "ralph"
LAUNCHER = Path(__file__).with_name("ralph_launcher.py")
XAPI_VERSION = "1.0.3"


class RalphUnavailable(RuntimeError):
    """Ralph could not be installed or started; the message says which step failed and why."""


def ensure_ralph_python() -> Path:
    """The python of Ralph's own virtual environment, created and installed on first use."""
    return ensure_venv(PEER_VENV, PEER_REQUIREMENTS, unavailable=RalphUnavailable)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RalphServer:
    """One Ralph LRS process on 127.0.0.1, its statements kept under ``workdir``.

    Use as ``with RalphServer().start(tmp_path) as ralph: ralph.post_statements([statement])``.
    """

    host = "127.0.0.1"
    username = "tosca"
    start_timeout = 30.0

    def __init__(self) -> None:
        self.password = os.urandom(12).hex()
        self.port: int | None = None
        self.workdir: Path | None = None
        self.process: subprocess.Popen | None = None
        self._log = None
        self.startup_seconds: float | None = None

    # Life cycle

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        """The xAPI base URL (statements are at ``endpoint + "statements"``)."""
        return f"{self.base_url}/xAPI/"

    @property
    def statements_url(self) -> str:
        return f"{self.endpoint}statements"

    @property
    def auth(self) -> tuple[str, str]:
        return (self.username, self.password)

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Experience-API-Version": XAPI_VERSION}

    @property
    def log_path(self) -> Path:
        assert self.workdir is not None, "the server was not started"
        return self.workdir / "ralph.log"

    def start(self, workdir: Path, port: int | None = None) -> RalphServer:
        """Start Ralph and wait until it answers; raise ``RalphUnavailable`` (with its log) if it cannot."""
        if self.process is not None:
            raise RuntimeError("this RalphServer is already running")
        python = ensure_ralph_python()
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        env = {key: value for key, value in os.environ.items() if not key.startswith("RALPH_")}
        env["RALPH_TEST_PASSWORD"] = self.password
        command = [
            str(python),
            str(LAUNCHER),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--data-dir",
            str(self.workdir),
            "--username",
            self.username,
            "--parent-pid",
            str(os.getpid()),
        ]
        started = time.monotonic()
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            env=env,
            start_new_session=True,
        )
        try:
            self._wait_until_ready(started)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _wait_until_ready(self, started: float) -> None:
        last_error = "no answer yet"
        while time.monotonic() - started < self.start_timeout:
            if self.process.poll() is not None:
                raise RalphUnavailable(
                    f"Ralph exited with status {self.process.returncode} while starting:\n{self.log_tail()}"
                )
            try:
                response = requests.get(f"{self.base_url}/whoami", auth=self.auth, timeout=2)
            except requests.RequestException as error:
                last_error = str(error)
            else:
                if response.status_code == 200:
                    return
                raise RalphUnavailable(
                    f"Ralph answered /whoami with {response.status_code}: {response.text[:500]}\n{self.log_tail()}"
                )
            time.sleep(0.2)
        raise RalphUnavailable(
            f"Ralph did not answer on {self.base_url} within {self.start_timeout:.0f} s ({last_error}):\n"
            f"{self.log_tail()}"
        )

    def log_tail(self, size: int = 4000) -> str:
        try:
            return self.log_path.read_bytes()[-size:].decode("utf-8", "replace")
        except (OSError, AssertionError):
            return ""

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after 10 s). The workdir is left to its owner."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> RalphServer:
        if self.process is None:
            raise RuntimeError("call start(workdir) first: with RalphServer().start(path) as ralph: ...")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # xAPI helpers

    def post_statements(self, statements: list[dict], timeout: float = 30) -> requests.Response:
        return requests.post(
            self.statements_url, json=statements, auth=self.auth, headers=self.headers, timeout=timeout
        )

    def get_statement(self, statement_id: str) -> dict | None:
        """The stored statement with this id, or None.

        Ralph 5.1 answers ``?statementId=`` with ``{"statements": [...]}`` (empty when unknown) instead of the
        bare statement or a 404 that xAPI specifies; both shapes are accepted here.
        """
        response = requests.get(
            self.statements_url,
            params={"statementId": statement_id},
            auth=self.auth,
            headers=self.headers,
            timeout=30,
        )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        body = response.json()
        if "statements" not in body:
            return body
        matches = [statement for statement in body["statements"] if statement.get("id") == statement_id]
        return matches[0] if matches else None

    def query_statements(self, **params: str) -> list[dict]:
        """Every statement matching the xAPI query parameters, following the ``more`` links to the end."""
        statements: list[dict] = []
        url, query = self.statements_url, dict(params)
        for _ in range(10_000):
            response = requests.get(url, params=query, auth=self.auth, headers=self.headers, timeout=60)
            response.raise_for_status()
            page = response.json()
            statements.extend(page["statements"])
            more = page.get("more")
            if not more or not page["statements"]:
                return statements
            url, query = urljoin(self.base_url, more), None
        raise RuntimeError("too many pages of statements: is Ralph's 'more' link looping?")

    def all_statements(self) -> list[dict]:
        return self.query_statements()

    def statements_with_verb(self, verb_iri: str) -> list[dict]:
        return self.query_statements(verb=verb_iri)

    def statements_about_activity(self, activity_iri: str, related: bool = False) -> list[dict]:
        params = {"activity": activity_iri}
        if related:
            params["related_activities"] = "true"
        return self.query_statements(**params)


COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def xapi_statement(
    *,
    activity: str | None = None,
    verb: str = COMPLETED,
    learner: str = "learner-1",
    timestamp: str | None = None,
    with_timestamp: bool = True,
    **fields: object,
) -> dict:
    """An xAPI 1.0.3 statement with a fresh uuid4 id: an account actor ``learner`` ``verb``-ed ``activity``."""
    statement = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "https://tosca.example.org", "name": learner}},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {
            "objectType": "Activity",
            "id": activity or f"https://tosca.example.org/modules/{uuid.uuid4()}",
        },
    }
    if with_timestamp:
        statement["timestamp"] = timestamp or datetime.now(UTC).isoformat(timespec="milliseconds")
    statement.update(fields)
    return statement
