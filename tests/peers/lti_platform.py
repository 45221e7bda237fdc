"""A real LTI 1.3 Advantage platform, lti-consumer-xblock's (Open edX's), as a test peer.

lti-consumer-xblock (PyPI ``lti-consumer-xblock``, module ``lti_consumer``) is the LTI 1.3 platform side of
Open edX. Its Django models and views run here without edx-platform, in a minimal Django project
(``tests/peers/lti_platform_server``, two run-time patches listed in its ``serve.py``), in its own virtual
environment under ``.venv/peers/lti-platform`` (git-ignored), created on first use. ``LtiPlatform`` starts it on
127.0.0.1 and is also the client of its JSON control API:

    platform = LtiPlatform().start(workdir)
    tool = platform.register_tool(login_url=..., launch_url=..., keyset_url=..., deep_link_url=...)
    login = platform.launch(tool["config_id"], user_id="learner-1", roles=[LEARNER])
    # login == {"method": "GET", "url": <the tool's login_url>, "params": {iss, login_hint, target_link_uri,
    #           lti_message_hint, client_id, lti_deployment_id}}: send it to the tool as a browser would.

The tool then sends its authentication request to ``tool["auth_url"]`` and gets lti_consumer's auto-submitting
form back (``parse_auto_submit_form``); AGS calls go to the URLs of the id_token's AGS claim with a bearer token
from ``tool["token_url"]``. Tools are registered ``strict`` unless told otherwise: the platform then also refuses
what the OIDC and LTI security specifications require and lti_consumer lets through (its refusals say
``strict peer check``); ``strict=False`` leaves lti_consumer's own checks alone.

lti_consumer's ways a tool meets here, as they are in Open edX:
- launch data is cached for 10 minutes under (user_id, resource_link_id), and that key is the lti_message_hint:
  a second login initiation for the same pair replaces the first (in any tool: the first tool's authentication
  request is then refused for its client_id). The hint is never spent, so one can be answered twice.
- the deployment_id is always "1"; the id_token's AGS claim always names the tool's first line item.
- AGS: line items are ``{lineitems_url}/{id}``, scores ``{lineitem}/scores``, results ``{lineitem}/results``.
  Creating a line item needs Content-Type ``application/vnd.ims.lis.v2.lineitem+json``, and a ``resourceLinkId``
  must be an Open edX usage key (the default resource_link_id of ``launch`` is one); scores and results ignore
  the media types. A score's activityProgress/gradingProgress outside the AGS vocabulary answers 500.
- NRPS: the claim is sent, but the memberships endpoint needs the LMS and answers 500.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import requests

from tests.peers.venvs import ensure_venv

LTI_CONSUMER_REQUIREMENT = "lti-consumer-xblock==11.4.4"
# lti-consumer-xblock 11.4.4 declares its dependencies unpinned (and not cryptography, which PyJWT needs for RS256);
# these are the versions it was run with here. Django 6 would be picked otherwise.
PEER_REQUIREMENTS = (
    LTI_CONSUMER_REQUIREMENT,
    "Django==5.2.19",
    "djangorestframework==3.18.3",
    "django-filter==26.2",
    "edx-django-utils==8.1.0",
    "edx-opaque-keys==4.0.1",
    "openedx-events==11.2.0",
    "openedx-filters==3.16.0",
    "PyJWT==2.15.1",
    "cryptography==50.0.2",
)
REPO_ROOT = Path(__file__).resolve().parents[2]
PEER_VENV = REPO_ROOT / ".venv" / "peers" / "lti-platform"
LAUNCHER = Path(__file__).with_name("lti_platform_server") / "serve.py"
# Variables of the test process that must not reach the peer: it has its own interpreter, settings and database.
PRIVATE_VARIABLES = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
AGS_SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
)
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
LINE_ITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINE_ITEMS_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
RESULTS_MEDIA_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"


class LtiPlatformUnavailable(RuntimeError):
    """The platform could not be installed or started; the message says which step failed and why."""


class LtiPlatformError(RuntimeError):
    """The control API answered with an error; the message carries the answer and the end of the peer's log."""


def ensure_platform_python() -> Path:
    """The python of the platform's own virtual environment, created and installed on first use."""
    return ensure_venv(PEER_VENV, PEER_REQUIREMENTS, unavailable=LtiPlatformUnavailable, timeout=600)


class LtiPlatform:
    """One lti-consumer-xblock platform process on 127.0.0.1, its database and log under ``workdir``.

    Everything a test registers stays for the life of the process: register a tool per test (or per module).
    """

    host = "127.0.0.1"
    start_timeout = 30.0

    def __init__(self) -> None:
        self.port: int | None = None
        self.workdir: Path | None = None
        self.process: subprocess.Popen | None = None
        self.startup_seconds: float | None = None
        self._log = None

    # -- life cycle ---------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The platform's origin, which is also its issuer (``iss``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def log_path(self) -> Path:
        assert self.workdir is not None, "the platform was not started"
        return self.workdir / "lti-platform.log"

    def start(self, workdir: Path) -> LtiPlatform:
        """Start the platform and wait until it answers; raise ``LtiPlatformUnavailable`` (with its log) if not."""
        if self.process is not None:
            raise RuntimeError("this LtiPlatform is already running")
        python = ensure_platform_python()
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {key: value for key, value in os.environ.items() if key not in PRIVATE_VARIABLES}
        command = [
            str(python),
            str(LAUNCHER),
            "--host",
            self.host,
            "--port",
            "0",
            "--data-dir",
            str(self.workdir),
            "--parent-pid",
            str(os.getpid()),
        ]
        started = time.monotonic()
        (self.workdir / "ready.json").unlink(missing_ok=True)
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
        ready = self.workdir / "ready.json"
        last_error = "the port is not bound yet"
        while time.monotonic() - started < self.start_timeout:
            if self.process.poll() is not None:
                raise LtiPlatformUnavailable(
                    f"the platform exited with status {self.process.returncode} while starting:\n{self.log_tail()}"
                )
            if ready.is_file():
                self.port = json.loads(ready.read_text(encoding="utf-8"))["port"]
                try:
                    response = requests.get(f"{self.base_url}/control/health", timeout=2)
                except requests.RequestException as error:
                    last_error = str(error)
                else:
                    if response.status_code == 200 and response.json().get("ok"):
                        return
                    raise LtiPlatformUnavailable(
                        f"/control/health answered {response.status_code}: {response.text[:500]}\n{self.log_tail()}"
                    )
            time.sleep(0.1)
        raise LtiPlatformUnavailable(
            f"the platform did not answer within {self.start_timeout:.0f} s ({last_error}):\n{self.log_tail()}"
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

    def __enter__(self) -> LtiPlatform:
        if self.process is None:
            raise RuntimeError("call start(workdir) first: with LtiPlatform().start(path) as platform: ...")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- control API --------------------------------------------------------------------------------------

    def register_tool(
        self,
        *,
        login_url: str,
        launch_url: str,
        keyset_url: str,
        deep_link_url: str | None = None,
        **options: Any,
    ) -> dict:
        """Register a tool; answers {config_id, issuer, client_id, deployment_id, auth_url, token_url, keyset_url,
        lineitems_url, lineitem_url, memberships_url, deep_link_return_url, strict}.

        ``options``: redirect_uris (list; default launch_url and deep_link_url), strict (default True),
        nrps (default True), tool_public_key (a PEM, instead of keyset_url), line_item_label, score_maximum,
        resource_id (of the line item the platform creates).
        """
        body = {"login_url": login_url, "launch_url": launch_url, "keyset_url": keyset_url, **options}
        if deep_link_url:
            body["deep_link_url"] = deep_link_url
        return self._post("/control/tools", body)

    def launch(
        self,
        config_id: str,
        *,
        user_id: str,
        roles: list[str] | tuple[str, ...] = (LEARNER,),
        resource_link_id: str | None = None,
        message_type: str = RESOURCE_LINK_REQUEST,
        custom: dict[str, str] | None = None,
        target_link_uri: str | None = None,
        deep_link_return_url: str | None = None,
        data: Any = None,
        **options: Any,
    ) -> dict:
        """The login initiation the platform sends the tool: {method: "GET", url, params}.

        ``options``: name, email, preferred_username, context_id, context_title, context_label, return_url.
        ``resource_link_id`` defaults to the tool's block usage key; ``data`` goes in the deep-linking settings.
        """
        body = {
            "config_id": config_id,
            "user_id": user_id,
            "roles": list(roles),
            "message_type": message_type,
            **options,
        }
        for name, value in (
            ("resource_link_id", resource_link_id),
            ("custom", custom),
            ("target_link_uri", target_link_uri),
            ("deep_link_return_url", deep_link_return_url),
            ("data", data),
        ):
            if value is not None:
                body[name] = value
        return self._post("/control/launch", body)

    def check_deep_link_response(self, config_id: str, token: str) -> dict:
        """lti_consumer's verdict on a deep-linking response JWT: {ok, lti_consumer_ok, content_items,
        spec_problems[, error]}. Accepted items are saved as the platform's content items for the tool."""
        return self._post("/control/deep-link-response", {"config_id": config_id, "jwt": token})

    def results(self, config_id: str) -> list[dict]:
        """The tool's line items (id, label, scoreMaximum, resourceId, resourceLinkId, tag...), each with its
        ``scores`` (timestamp, scoreGiven, scoreMaximum, comment, activityProgress, gradingProgress, userId)."""
        return self._get("/control/results", config_id=config_id)["line_items"]

    def content_items(self, config_id: str) -> list[dict]:
        """The deep-linking content items saved for the tool, each {"type": ..., **its validated attributes}."""
        return self._get("/control/content-items", config_id=config_id)["content_items"]

    def jwks(self, registration: dict) -> dict:
        """The platform's public keyset for a registered tool (each tool has its own key pair)."""
        response = requests.get(registration["keyset_url"], timeout=10)
        response.raise_for_status()
        return response.json()

    def _post(self, path: str, body: dict) -> dict:
        return self._answer(requests.post(self.base_url + path, json=body, timeout=30))

    def _get(self, path: str, **params: str) -> dict:
        return self._answer(requests.get(self.base_url + path, params=params, timeout=30))

    def _answer(self, response: requests.Response) -> dict:
        if response.status_code >= 400:
            raise LtiPlatformError(
                f"{response.request.method} {response.url} answered {response.status_code}: "
                f"{response.text[:1000]}\n{self.log_tail(2000)}"
            )
        return response.json()


# -- what a browser does with the platform's pages ----------------------------------------------------------


@dataclass
class AutoSubmitForm:
    """A form a page submits by itself (the platform's authentication response, a tool's deep-linking return)."""

    action: str
    method: str = "post"
    fields: dict[str, str] = field(default_factory=dict)


def parse_auto_submit_form(html: str) -> AutoSubmitForm:
    """The first form of ``html`` with its named input fields (lti_consumer's id_token/state form, for one)."""
    parser = _FormParser()
    parser.feed(html)
    if parser.form is None:
        raise ValueError(f"no form in the page: {html[:500]}")
    return parser.form


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.form: AutoSubmitForm | None = None
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and self.form is None:
            self.form = AutoSubmitForm(attributes.get("action", ""), attributes.get("method", "post").lower())
            self._inside = True
        elif tag in ("input", "textarea") and self._inside and attributes.get("name"):
            self.form.fields[attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
