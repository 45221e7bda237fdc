"""A simulated LTI 1.3 platform for `bench/lti.py`, and the round-trip driver both tools are measured with.

Imported by the orchestrator (the project's venv) and by the reference tool's runner (its own venv, which has
django-lti's `lti_tool` instead of ours), so it needs only the standard library, PyJWT, cryptography and, for the
driver, Django's test client; it never imports the repository's apps.

The platform holds an RSA key. `JwksServer` (run by the orchestrator) publishes its public half over HTTP on
127.0.0.1, so that both tools fetch keys over the network as they would from a real platform, and counts the
fetches. `Platform` (run in each tool's process, from the private key file the orchestrator wrote) checks the
tool's authentication request the way a platform does and answers it with a signed LtiResourceLinkRequest
id_token carrying the request's nonce.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import statistics
import sys
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
LEARNER_ROLES = [
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student",
    "http://purl.imsglobal.org/vocab/lis/v2/system/person#User",
]
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
ENVIRONMENT_VARIABLE = "BENCH_LTI_PLATFORM"


@dataclass(frozen=True)
class PlatformConfig:
    """Everything a tool's process needs to know about the simulated platform (passed as JSON in the environment)."""

    issuer: str
    client_id: str
    deployment_id: str
    auth_login_url: str
    auth_token_url: str
    keyset_url: str
    stats_url: str
    kid: str
    private_key_file: str
    target_link_uri: str
    module: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_environment(cls) -> PlatformConfig:
        return cls(**json.loads(os.environ[ENVIRONMENT_VARIABLE]))


# -- keys and the JWKS server (orchestrator side) ----------------------------------------------------------


def new_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_private_key(key: rsa.RSAPrivateKey, path: str) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with open(path, "wb") as file:
        file.write(pem)
    os.chmod(path, 0o600)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict:
    numbers = key.public_key().public_numbers()

    def b64(number: int) -> str:
        raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": b64(numbers.n), "e": b64(numbers.e)}


class JwksServer:
    """The platform's JWKS at /jwks.json on 127.0.0.1 (threaded), and /stats with the number of fetches so far.

    A second, unused key is published too, as platforms that rotate keys do, so that a tool has to pick by kid.
    """

    def __init__(self, jwks: dict) -> None:
        self.body = json.dumps(jwks).encode("utf-8")
        self.fetches = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/jwks.json":
                    with server._lock:
                        server.fetches += 1
                    self._answer(200, server.body)
                elif path == "/stats":
                    self._answer(200, json.dumps({"jwks_fetches": server.fetches}).encode("ascii"))
                else:
                    self._answer(404, b'{"error": "not found"}')

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "max-age=3600")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="jwks-server", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# -- the platform (tool-process side) ---------------------------------------------------------------------


class AuthenticationRequestRefused(AssertionError):
    """The tool's answer to the login initiation is not a valid OIDC authentication request to this platform."""


class Platform:
    """Answers a tool's OIDC authentication request with a signed LtiResourceLinkRequest id_token."""

    def __init__(self, config: PlatformConfig) -> None:
        self.config = config
        with open(config.private_key_file, "rb") as file:
            self._key = serialization.load_pem_private_key(file.read(), password=None)  # once: about 50 ms

    def login_parameters(self, learner: str) -> dict[str, str]:
        """The third-party login initiation the platform sends the tool (here by GET)."""
        return {
            "iss": self.config.issuer,
            "login_hint": learner,
            "target_link_uri": self.config.target_link_uri,
            "lti_message_hint": json.dumps({"resource_link": "rl-m1", "user": learner}),
            "client_id": self.config.client_id,
            "lti_deployment_id": self.config.deployment_id,
        }

    def authenticate(self, location: str, learner: str) -> dict[str, str]:
        """Check the authentication request at `location` and answer it: the form fields to POST to the
        redirect_uri (which must be the registered target link URI)."""
        parts = urlsplit(location)
        if f"{parts.scheme}://{parts.netloc}{parts.path}" != self.config.auth_login_url:
            raise AuthenticationRequestRefused(f"redirected to {location!r}, not to the platform's auth URL")
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        expected = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": self.config.client_id,
            "login_hint": learner,
        }
        wrong = {name: query.get(name) for name, value in expected.items() if query.get(name) != value}
        if wrong:
            raise AuthenticationRequestRefused(f"authentication request parameters {wrong} in {location!r}")
        if query.get("redirect_uri") != self.config.target_link_uri:
            raise AuthenticationRequestRefused(f"redirect_uri {query.get('redirect_uri')!r} is not registered")
        if not query.get("nonce") or not query.get("state"):
            raise AuthenticationRequestRefused(f"no nonce or state in {location!r}")
        return {"id_token": self.id_token(query["nonce"], learner), "state": query["state"]}

    def claims(self, nonce: str, learner: str) -> dict:
        """An LtiResourceLinkRequest as Open edX or Moodle send it (about 3.8 KB once signed)."""
        now = int(time.time())
        course = "course-v1:Regione+LTI-BENCH+2026"
        number = int(hashlib.sha256(learner.encode()).hexdigest()[:6], 16)
        return {
            "iss": self.config.issuer,
            "aud": self.config.client_id,
            "azp": self.config.client_id,
            "sub": learner,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "name": f"Learner {number}",
            "given_name": "Learner",
            "family_name": str(number),
            "email": f"{learner}@platform.example.org",
            "locale": "it-IT",
            LTI + "deployment_id": self.config.deployment_id,
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "target_link_uri": self.config.target_link_uri,
            LTI + "roles": LEARNER_ROLES,
            LTI + "resource_link": {
                "id": "rl-m1",
                "title": "Modulo 1",
            },
            LTI + "context": {
                "id": course,
                "label": "LTI-BENCH",
                "title": "Progettazione di reti (corso di prova)",
                "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            },
            LTI + "tool_platform": {
                "guid": "platform-bench-0001",
                "name": "Piattaforma simulata",
                "contact_email": "admin@platform.example.org",
                "product_family_code": "bench-sim",
                "version": "1.0",
                "url": self.config.issuer,
            },
            LTI + "launch_presentation": {
                "document_target": "iframe",
                "return_url": f"{self.config.issuer}/courses/{course}/return",
                "locale": "it-IT",
            },
            LTI + "custom": {"module": self.config.module},
            AGS: {
                "scope": AGS_SCOPES,
                "lineitems": f"{self.config.issuer}/api/lti/ags/{course}/lineitems",
                "lineitem": f"{self.config.issuer}/api/lti/ags/{course}/lineitems/rl-m1",
            },
            NRPS: {
                "context_memberships_url": f"{self.config.issuer}/api/lti/nrps/{course}/memberships",
                "service_versions": ["2.0"],
            },
        }

    def id_token(self, nonce: str, learner: str) -> str:
        return jwt.encode(self.claims(nonce, learner), self._key, algorithm="RS256", headers={"kid": self.config.kid})


# -- the round trips (tool-process side, inside the tool's Django) ------------------------------------------


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def microseconds_per_call(function, *, budget: float = 1.0, minimum: int = 20) -> float:
    """Median microseconds of `function()` over about `budget` seconds (at least `minimum` calls)."""
    function()
    samples: list[float] = []
    deadline = time.perf_counter() + budget
    while len(samples) < minimum or time.perf_counter() < deadline:
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6


def stats_fetches(config: PlatformConfig) -> int:
    from urllib.request import urlopen

    with urlopen(config.stats_url, timeout=5) as response:
        return json.load(response)["jwks_fetches"]


class RoundTrips:
    """Login initiation -> authentication request -> signed id_token -> launch, through django.test.Client.

    Each round trip is a new browser (a fresh Client, so a fresh cookie jar) of one of `pool` learners, who all
    launched once during the warm-up: the timed launches are those of returning learners.
    """

    def __init__(self, config: PlatformConfig, *, login_path: str, launch_path: str, expect_location) -> None:
        from django.test import Client

        self.config = config
        self.platform = Platform(config)
        self.login_path = login_path
        self.launch_path = launch_path
        if urlsplit(config.target_link_uri).path != launch_path:
            raise ValueError(f"the target link URI {config.target_link_uri} is not the launch path {launch_path}")
        self.expect_location = expect_location  # callable(location) -> bool: the tool's success answer
        self.client_class = Client

    def one(self, learner: str) -> tuple[float, float, object, object]:
        """One round trip: (seconds in all, seconds in the tool's two requests, the client, the launch response)."""
        client = self.client_class()
        started = time.perf_counter()
        login = client.get(self.login_path, self.platform.login_parameters(learner))
        after_login = time.perf_counter()
        if login.status_code not in (302, 303):
            raise AssertionError(f"login answered {login.status_code}: {login.content[:500]!r}")
        fields = self.platform.authenticate(login["Location"], learner)
        before_launch = time.perf_counter()
        launch = client.post(self.launch_path, fields)
        finished = time.perf_counter()
        if launch.status_code not in (302, 303) or not self.expect_location(launch.get("Location", "")):
            raise AssertionError(
                f"launch answered {launch.status_code} {launch.get('Location', '')!r}: {launch.content[:800]!r}"
            )
        return finished - started, (after_login - started) + (finished - before_launch), client, launch

    def _count_queries(self, learners: list[str], log: str | None = None) -> tuple[int, int]:
        """SQL statements of the login and of the launch requests, summed over one round trip per learner; the
        statements of the first learner's round trip are written to the file `log` when given."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        login_queries = launch_queries = 0
        for learner in learners:
            client = self.client_class()
            with CaptureQueriesContext(connection) as captured:
                login = client.get(self.login_path, self.platform.login_parameters(learner))
            login_queries += len(captured)
            fields = self.platform.authenticate(login["Location"], learner)
            with CaptureQueriesContext(connection) as captured:
                launch = client.post(self.launch_path, fields)
            launch_queries += len(captured)
            if log is not None and learner == learners[0]:
                with open(log, "w", encoding="utf-8") as file:
                    file.write(f"-- launch of {learner}: {len(captured)} statements\n")
                    file.writelines(query["sql"] + ";\n" for query in captured.captured_queries)
            if launch.status_code not in (302, 303):
                raise AssertionError(f"launch answered {launch.status_code}: {launch.content[:800]!r}")
        return login_queries, launch_queries

    def warm_up(self, pool: int, check_page=None) -> float:
        """One launch per learner of the pool (their first); seconds taken."""
        self.learners = [f"learner-{number:04d}" for number in range(pool)]
        self.next_learner = 0
        started = time.perf_counter()
        for index, learner in enumerate(self.learners):
            _, _, client, launch = self.one(learner)
            if index == 0 and check_page is not None:
                check_page(client, launch)  # the page the launch sends the learner to, once, untimed
        return time.perf_counter() - started

    def batch(self, launches: int) -> dict:
        """`launches` timed round trips of returning learners, and the JWKS fetches they made."""
        fetches_before = stats_fetches(self.config)
        round_trips, tool_times = [], []
        started = time.perf_counter()
        for _ in range(launches):
            total, tool, _, _ = self.one(self.learners[self.next_learner % len(self.learners)])
            self.next_learner += 1
            round_trips.append(total)
            tool_times.append(tool)
        elapsed = time.perf_counter() - started
        return {
            "seconds": elapsed,
            "round_trips": round_trips,
            "tool": tool_times,
            "jwks_fetches": stats_fetches(self.config) - fetches_before,
        }

    def counts(self, sql_log: str | None = None, samples: int = 5) -> dict:
        """SQL per request on a few more (untimed) round trips: returning learners, then new ones."""
        login_queries, launch_queries = self._count_queries(
            self.learners[:samples], sql_log and sql_log + "-launch.sql"
        )
        _, first_launch_queries = self._count_queries(
            [f"new-learner-{number}" for number in range(samples)], sql_log and sql_log + "-first-launch.sql"
        )
        return {
            "sql_per_login": login_queries / samples,
            "sql_per_launch": launch_queries / samples,
            "sql_per_first_launch": first_launch_queries / samples,
            "id_token_bytes": len(self.platform.id_token("n" * 32, self.learners[0])),
        }


PROTOCOL = "BENCH-LTI "


def serve(trips: RoundTrips, *, pool: int, check_page=None, sql_log: str | None = None, finish=None) -> None:
    """The tool process's side of the orchestrator's protocol, on stdin and stdout (lines starting PROTOCOL;
    anything else a command prints is ignored): warm up, say "ready", then answer "batch N" with N timed round
    trips' figures and "finish" with the SQL counts and `finish()`'s figures, then return."""

    def say(value: dict) -> None:
        sys.stdout.write(PROTOCOL + json.dumps(value) + "\n")
        sys.stdout.flush()

    say({"ready": True, "warmup_seconds": trips.warm_up(pool, check_page)})
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "batch":
            say(trips.batch(int(argument)))
        elif command == "finish":
            result = trips.counts(sql_log)
            if finish is not None:
                result.update(finish())
            say(result)
            return
        else:
            raise SystemExit(f"unknown command {line!r}")
