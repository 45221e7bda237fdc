"""A platform of our own making for the tool's strict checks: it signs id_tokens as a platform does (and, on
request, as a forger would), and serves its keyset over real HTTP on 127.0.0.1. The lenient real platform,
lti-consumer-xblock, is in tests/peers/lti_platform.py."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import translation

from lti_tool import keys
from lti_tool.data import AGS_CLAIM, CLAIM, DL_CLAIM, NRPS_CLAIM

ISSUER = "https://lms.example.org"
CLIENT_ID = "tosca-client"
DEPLOYMENT = "deployment-1"
AUTH_URL = "https://lms.example.org/mod/lti/auth.php"
LAUNCH_URL = "http://testserver/lti/launch/"
DEMO_KEY = "course-v1:RegioneToscana+TRIO-RETI+2026"
MODULE = "block-v1:RegioneToscana+TRIO-RETI+2026+type@tosca_module+block@m1"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


class Routes(BaseHTTPRequestHandler):
    """Answers what a test put in `server.routes` ({(method, path): callable(handler) -> (status, headers, body)})
    and records every request in `server.requests`."""

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        self.server.requests.append(
            {
                "method": method,
                "path": path,
                "query": parse_qs(urlsplit(self.path).query),
                "headers": dict(self.headers),
                "body": body,
            }
        )
        route = self.server.routes.get((method, path))
        if route is None:
            status, headers, payload = 404, {}, b"not found"
        else:
            status, headers, payload = route(self, body)
        if isinstance(payload, dict | list):
            payload = json.dumps(payload).encode()
            headers = {"Content-Type": "application/json", **headers}
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        self._answer("GET")

    def do_POST(self):
        self._answer("POST")

    def log_message(self, *args):  # quiet
        pass


class LocalServer:
    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Routes)
        self.server.routes = {}
        self.server.requests = []
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def routes(self) -> dict:
        return self.server.routes

    @property
    def requests(self) -> list:
        return self.server.requests

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _KeyPool:
    """RSA keys made once per session: a test gets keys no earlier key of the same test equals, without paying
    a tenth of a second for each (the tool makes one on first use, every platform signer another)."""

    def __init__(self):
        self.keys: list = []
        self.used = 0

    def _take(self):
        while len(self.keys) <= self.used:
            self.keys.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        self.used += 1
        return self.keys[self.used - 1]

    def platform_key(self):
        return self._take()

    def tool_key(self):
        return self._take()


_POOL = _KeyPool()


@pytest.fixture(autouse=True)
def _pooled_rsa_keys(monkeypatch):
    from lti_tool import keys

    _POOL.used = 0
    monkeypatch.setattr(keys, "new_private_key", _POOL.tool_key)


@pytest.fixture
def http_server():
    server = LocalServer()
    yield server
    server.close()


class Platform:
    """Signs launches for the registration the `platform` fixture creates."""

    def __init__(self, server: LocalServer):
        self.server = server
        self.key = _POOL.platform_key()
        self.kid = "platform-key-1"
        self.keyset_url = server.url + "/jwks"
        server.routes[("GET", "/jwks")] = lambda handler, body: (200, {}, self.jwks())

    def jwks(self) -> dict:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def claims(self, nonce: str, **overrides) -> dict:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": "learner-42",
            "name": "Anna Rossi",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": DEPLOYMENT,
            CLAIM + "target_link_uri": LAUNCH_URL,
            CLAIM + "roles": [LEARNER],
            CLAIM + "resource_link": {"id": "link-1", "title": "Modulo 1"},
            CLAIM + "context": {"id": "course-7", "title": "Inclusione 2026"},
            CLAIM + "custom": {"module": MODULE},
            AGS_CLAIM: {
                "scope": [
                    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                ],
                "lineitems": self.server.url + "/ags/lineitems?course=7",
            },
            NRPS_CLAIM: {"context_memberships_url": self.server.url + "/nrps/members", "service_versions": ["2.0"]},
        }
        for name, value in overrides.items():
            if value is ...:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def sign(
        self, claims: dict, *, key=None, kid: str | None = "default", algorithm: str = "RS256", headers=None
    ) -> str:
        header = {"kid": self.kid if kid == "default" else kid, **(headers or {})}
        if header["kid"] is None:
            header.pop("kid")
        return jwt.encode(claims, key or self.key, algorithm=algorithm, headers=header)

    def deep_linking_claims(self, nonce: str, **overrides) -> dict:
        claims = self.claims(nonce, **{CLAIM + "roles": [INSTRUCTOR]})  # a dict: claim names are URLs
        claims[CLAIM + "message_type"] = "LtiDeepLinkingRequest"
        claims.pop(CLAIM + "resource_link")
        claims.pop(AGS_CLAIM)
        claims[DL_CLAIM + "deep_linking_settings"] = {
            "deep_link_return_url": self.server.url + "/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "data": 'opaque "data" {1}',
        }
        claims.update(overrides)
        return claims


@pytest.fixture
def client():
    """A browser that asks for English pages, even once a test clears its cookies or signs out (which forgets
    the language cookie)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_keys():
    """Platform keysets and access tokens are cached per process: every test starts with none."""
    from django.core.cache import cache

    keys.forget_platform_keys()
    cache.clear()
    yield
    keys.forget_platform_keys()
    cache.clear()


@pytest.fixture
def platform(db, http_server, settings, client):
    from lti_tool import api

    settings.TOSCA_DESTINATIONS = [{"name": "local", "type": "local"}]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    signer = Platform(http_server)
    signer.registration = api.add_registration(
        ISSUER,
        CLIENT_ID,
        auth_login_url=AUTH_URL,
        auth_token_url=http_server.url + "/token",
        keyset_url=signer.keyset_url,
        deployments=[DEPLOYMENT],
    )
    return signer


def start_login(client, *, method: str = "get", path: str = "/lti/login/", **params):
    """A platform's login initiation; (response, auth request params) with the params parsed from the redirect."""
    query = {
        "iss": ISSUER,
        "login_hint": "learner-42",
        "target_link_uri": LAUNCH_URL,
        "lti_message_hint": "hint-1",
        "client_id": CLIENT_ID,
        "lti_deployment_id": DEPLOYMENT,
    }
    for name, value in params.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    response = getattr(client, method)(path, query)
    auth = {}
    if response.status_code == 302:
        auth = {name: values[0] for name, values in parse_qs(urlsplit(response["Location"]).query).items()}
    return response, auth


def launch(client, platform: Platform, *, claims=None, **claim_overrides):
    """A complete login and launch; (launch response, state, nonce). `claims(nonce)` builds other claims."""
    _response, auth = start_login(client)
    nonce = auth["nonce"]
    token = platform.sign(claims(nonce) if callable(claims) else platform.claims(nonce, **claim_overrides))
    response = client.post("/lti/launch/", {"id_token": token, "state": auth["state"]})
    return response, auth["state"], nonce


def new_id() -> str:
    return uuid.uuid4().hex
