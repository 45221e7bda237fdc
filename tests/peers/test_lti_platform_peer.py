"""The LTI 1.3 platform peer (lti-consumer-xblock): the harness works, and the platform behaves as we rely on.

The tests play the tool with PyJWT: an RSA key of their own, its JWKS served from a thread on 127.0.0.1, the
OIDC authentication request, a deep-linking response and a client assertion signed with that key. Each test
registers its own tool, since the platform keeps everything for the session.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.peers.lti_platform import (
    AGS_SCOPES,
    DEEP_LINKING_REQUEST,
    INSTRUCTOR,
    LEARNER,
    LINE_ITEM_MEDIA_TYPE,
    LINE_ITEMS_MEDIA_TYPE,
    RESULTS_MEDIA_TYPE,
    SCORE_MEDIA_TYPE,
    LtiPlatform,
    LtiPlatformError,
    parse_auto_submit_form,
)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
READONLY_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"


# -- the tool side, with PyJWT --------------------------------------------------------------------------


class PlayedTool:
    """A tool's key pair and JWKS (served on a thread), and the messages a tool sends, built with PyJWT."""

    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex
        public_jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        self.jwks = {"keys": [{**public_jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}
        self.jwks_requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name="tool-jwks", daemon=True)
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.login_url = f"{self.base_url}/lti/login"
        self.launch_url = f"{self.base_url}/lti/launch"
        self.deep_link_url = f"{self.base_url}/lti/deep-link"
        self.keyset_url = f"{self.base_url}/lti/jwks.json"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        tool = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/lti/jwks.json":
                    self.send_error(404)
                    return
                tool.jwks_requests += 1
                body = json.dumps(tool.jwks).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def sign(self, claims: dict, key=None) -> str:
        return jwt.encode(claims, key or self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def authentication_request(self, login: dict, **overrides: str | None) -> dict:
        """The OIDC authentication request a tool answers the login initiation with (LTI 1.3 5.1.1.2)."""
        params = login["params"]
        request = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": params["client_id"],
            "redirect_uri": self.launch_url,
            "login_hint": params["login_hint"],
            "lti_message_hint": params["lti_message_hint"],
            "state": uuid.uuid4().hex,
            "nonce": uuid.uuid4().hex,
        }
        request.update(overrides)
        return {name: value for name, value in request.items() if value is not None}

    def deep_linking_response(self, registration: dict, request_claims: dict, items: list[dict], **claims) -> str:
        now = int(time.time())
        message = {
            "iss": registration["client_id"],
            "aud": registration["issuer"],
            "iat": now,
            "exp": now + 300,
            "nonce": uuid.uuid4().hex,
            CLAIM + "deployment_id": request_claims[CLAIM + "deployment_id"],
            CLAIM + "message_type": "LtiDeepLinkingResponse",
            CLAIM + "version": "1.3.0",
            DL_CLAIM + "content_items": items,
        }
        if "data" in request_claims[DL_SETTINGS_CLAIM]:
            message[DL_CLAIM + "data"] = request_claims[DL_SETTINGS_CLAIM]["data"]
        message.update(claims)
        return self.sign(message)

    def client_assertion(self, registration: dict, key=None, **claims) -> str:
        now = int(time.time())
        message = {
            "iss": registration["client_id"],
            "sub": registration["client_id"],
            "aud": registration["token_url"],
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        message.update(claims)
        return self.sign(message, key)

    def token_request(self, registration: dict, scopes=AGS_SCOPES, assertion: str | None = None, **form):
        body = {
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion or self.client_assertion(registration),
            "scope": " ".join(scopes),
            **form,
        }
        return requests.post(registration["token_url"], data=body, timeout=30)

    def access_token(self, registration: dict, scopes=AGS_SCOPES) -> str:
        response = self.token_request(registration, scopes)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]


@pytest.fixture
def tool() -> Iterator[PlayedTool]:
    played = PlayedTool()
    try:
        yield played
    finally:
        played.close()


@pytest.fixture
def registration(lti_platform: LtiPlatform, tool: PlayedTool) -> dict:
    return lti_platform.register_tool(
        login_url=tool.login_url,
        launch_url=tool.launch_url,
        keyset_url=tool.keyset_url,
        deep_link_url=tool.deep_link_url,
    )


@pytest.fixture
def lenient_registration(lti_platform: LtiPlatform, tool: PlayedTool) -> dict:
    """A tool registered with strict=False: only lti_consumer's own checks apply."""
    return lti_platform.register_tool(
        login_url=tool.login_url,
        launch_url=tool.launch_url,
        keyset_url=tool.keyset_url,
        deep_link_url=tool.deep_link_url,
        strict=False,
    )


def authenticate(registration: dict, request: dict, method: str = "POST") -> requests.Response:
    if method == "GET":
        return requests.get(registration["auth_url"], params=request, timeout=30)
    return requests.post(registration["auth_url"], data=request, timeout=30)


def verified_id_token(lti_platform: LtiPlatform, registration: dict, response: requests.Response) -> dict:
    """The id_token of the platform's form, verified as a tool must: signature (platform JWKS), iss, aud, exp."""
    assert response.status_code == 200, response.text
    form = parse_auto_submit_form(response.text)
    signing_key = jwt.PyJWKClient(registration["keyset_url"]).get_signing_key_from_jwt(form.fields["id_token"])
    return jwt.decode(
        form.fields["id_token"],
        signing_key.key,
        algorithms=["RS256"],
        audience=registration["client_id"],
        issuer=lti_platform.issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
    )


def launch_claims(lti_platform: LtiPlatform, registration: dict, tool: PlayedTool, **launch) -> dict:
    """Launch, authenticate and return the verified id_token's claims (the whole happy path)."""
    launch.setdefault("user_id", f"user-{uuid.uuid4().hex[:8]}")
    login = lti_platform.launch(registration["config_id"], **launch)
    return verified_id_token(lti_platform, registration, authenticate(registration, tool.authentication_request(login)))


def tampered(token: str, **changes) -> str:
    """The same signature over a payload with ``changes``: what an attacker editing a JWT in transit sends."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def score(user_id: str, given: float, maximum: float = 10, **fields) -> dict:
    return {
        "timestamp": datetime.now(UTC).isoformat(),
        "scoreGiven": given,
        "scoreMaximum": maximum,
        "comment": "from the peer test",
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "userId": user_id,
        **fields,
    }


# -- the harness --------------------------------------------------------------------------------------------


def test_platform_starts_quickly_and_answers_with_its_issuer(lti_platform: LtiPlatform) -> None:
    health = requests.get(f"{lti_platform.base_url}/control/health", timeout=10).json()

    assert health == {"ok": True, "lti_consumer": "11.4.4", "issuer": lti_platform.issuer}
    assert lti_platform.startup_seconds is not None and lti_platform.startup_seconds < 10


def test_registering_a_tool_answers_its_credentials_and_platform_endpoints(
    lti_platform: LtiPlatform, registration: dict
) -> None:
    base = lti_platform.base_url

    assert registration["issuer"] == lti_platform.issuer
    assert registration["deployment_id"] == "1"
    assert registration["auth_url"] == f"{base}/platform/auth"
    assert registration["token_url"] == f"{base}/platform/{registration['config_id']}/token"
    assert registration["lineitems_url"].startswith(f"{base}/api/lti_consumer/v1/lti/")
    assert registration["lineitem_url"].startswith(registration["lineitems_url"] + "/")
    keys = lti_platform.jwks(registration)["keys"]
    assert [key["kty"] for key in keys] == ["RSA"] and keys[0]["kid"]


def test_each_tool_gets_its_own_client_id_and_platform_key(lti_platform: LtiPlatform, tool: PlayedTool) -> None:
    first, second = (
        lti_platform.register_tool(login_url=tool.login_url, launch_url=tool.launch_url, keyset_url=tool.keyset_url)
        for _ in range(2)
    )

    assert first["client_id"] != second["client_id"]
    assert lti_platform.jwks(first)["keys"][0]["kid"] != lti_platform.jwks(second)["keys"][0]["kid"]


def test_control_api_refuses_a_registration_without_a_tool_key(lti_platform: LtiPlatform, tool: PlayedTool) -> None:
    with pytest.raises(LtiPlatformError, match="keyset_url"):
        lti_platform.register_tool(login_url=tool.login_url, launch_url=tool.launch_url, keyset_url="")


def test_parse_auto_submit_form_reads_action_and_fields() -> None:
    form = parse_auto_submit_form(
        '<form action="https://tool/launch" method="POST"><input name="id_token" value="a.b.c" />'
        '<input name="state" value="s&amp;1"/><input type="submit" value="Go"></form>'
    )

    assert (form.action, form.method, form.fields) == (
        "https://tool/launch",
        "post",
        {"id_token": "a.b.c", "state": "s&1"},
    )


# -- login initiation and launch ----------------------------------------------------------------------------


def test_login_initiation_carries_the_third_party_login_parameters(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    login = lti_platform.launch(registration["config_id"], user_id="learner-7", resource_link_id="link-1")

    assert login["method"] == "GET"
    assert login["url"] == tool.login_url
    params = login["params"]
    assert params["iss"] == lti_platform.issuer
    assert params["login_hint"] == "learner-7"
    assert params["target_link_uri"] == tool.launch_url
    assert params["client_id"] == registration["client_id"]
    assert params["lti_deployment_id"] == "1"
    assert params["lti_message_hint"]


def test_resource_link_launch_answers_a_form_posting_a_platform_signed_id_token_to_the_redirect_uri(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    login = lti_platform.launch(
        registration["config_id"],
        user_id="learner-1",
        roles=[LEARNER, "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"],
        resource_link_id="module-42",
        custom={"module": "42"},
        name="Ada Lovelace",
        email="ada@example.org",
    )
    request = tool.authentication_request(login)

    response = authenticate(registration, request)

    form = parse_auto_submit_form(response.text)
    assert form.action == tool.launch_url
    assert form.fields["state"] == request["state"]
    claims = verified_id_token(lti_platform, registration, response)
    assert claims["nonce"] == request["nonce"]
    assert claims["sub"] == "learner-1"
    assert claims[CLAIM + "message_type"] == "LtiResourceLinkRequest"
    assert claims[CLAIM + "version"] == "1.3.0"
    assert claims[CLAIM + "deployment_id"] == "1"
    assert claims[CLAIM + "target_link_uri"] == tool.launch_url
    assert claims[CLAIM + "resource_link"] == {"id": "module-42"}
    assert claims[CLAIM + "roles"] == [LEARNER, "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"]
    assert claims[CLAIM + "custom"] == {"module": "42"}
    assert claims[CLAIM + "context"]["id"]
    assert (claims["name"], claims["email"]) == ("Ada Lovelace", "ada@example.org")


def test_resource_link_launch_carries_the_ags_and_nrps_claims(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    claims = launch_claims(lti_platform, registration, tool)

    assert claims[AGS_CLAIM] == {
        "scope": list(AGS_SCOPES),
        "lineitems": registration["lineitems_url"],
        "lineitem": registration["lineitem_url"],
    }
    assert claims[NRPS_CLAIM] == {
        "context_memberships_url": registration["memberships_url"],
        "service_versions": ["2.0"],
    }


def test_authentication_request_may_come_as_a_get(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    login = lti_platform.launch(registration["config_id"], user_id="learner-get")

    response = authenticate(registration, tool.authentication_request(login), method="GET")

    assert verified_id_token(lti_platform, registration, response)["sub"] == "learner-get"


def test_target_link_uri_chosen_for_the_launch_reaches_login_and_id_token(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    target = f"{tool.base_url}/modules/7"
    login = lti_platform.launch(registration["config_id"], user_id="learner-t", target_link_uri=target)

    claims = verified_id_token(
        lti_platform, registration, authenticate(registration, tool.authentication_request(login))
    )

    assert login["params"]["target_link_uri"] == target
    assert claims[CLAIM + "target_link_uri"] == target


def test_authentication_request_to_an_unregistered_redirect_uri_is_refused(
    lti_platform: LtiPlatform, lenient_registration: dict, tool: PlayedTool
) -> None:
    login = lti_platform.launch(lenient_registration["config_id"], user_id="learner-2")

    response = authenticate(
        lenient_registration, tool.authentication_request(login, redirect_uri="https://evil.example/launch")
    )

    assert response.status_code == 400
    assert "PreflightRequestValidationFailure" in response.text
    assert "id_token" not in response.text


@pytest.mark.parametrize("missing", ["nonce", "state"])
def test_authentication_request_without_nonce_or_state_is_refused(
    lti_platform: LtiPlatform, lenient_registration: dict, tool: PlayedTool, missing: str
) -> None:
    login = lti_platform.launch(lenient_registration["config_id"], user_id="learner-3")

    response = authenticate(lenient_registration, tool.authentication_request(login, **{missing: None}))

    assert response.status_code == 400


def test_authentication_request_with_an_unknown_message_hint_is_refused(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    login = lti_platform.launch(registration["config_id"], user_id="learner-4")

    response = authenticate(registration, tool.authentication_request(login, lti_message_hint="forged"))

    assert response.status_code == 400
    assert "id_token" not in response.text


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("scope", "profile"),
        ("response_type", "code"),
        ("response_mode", "query"),
        ("prompt", "login"),
        ("login_hint", "someone-else"),
    ],
)
def test_strict_platform_refuses_an_authentication_request_that_lti_consumer_alone_accepts(
    lti_platform: LtiPlatform, registration: dict, lenient_registration: dict, tool: PlayedTool, name, value
) -> None:
    strict_login = lti_platform.launch(registration["config_id"], user_id="learner-5")
    lenient_login = lti_platform.launch(lenient_registration["config_id"], user_id="learner-5")

    strict = authenticate(registration, tool.authentication_request(strict_login, **{name: value}))
    lenient = authenticate(lenient_registration, tool.authentication_request(lenient_login, **{name: value}))

    assert strict.status_code == 400
    assert "strict peer check" in strict.text and name in strict.text
    assert verified_id_token(lti_platform, lenient_registration, lenient)["sub"] == "learner-5"


def test_the_same_login_initiation_can_be_answered_twice_with_the_same_nonce(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    """lti_consumer keeps launch data for 10 minutes and never spends it: what a tool's replay test relies on."""
    login = lti_platform.launch(registration["config_id"], user_id="learner-6")
    request = tool.authentication_request(login)

    first = verified_id_token(lti_platform, registration, authenticate(registration, request))
    second = verified_id_token(lti_platform, registration, authenticate(registration, request))

    assert first["nonce"] == second["nonce"] == request["nonce"]


def test_a_second_login_initiation_for_the_same_user_and_link_replaces_the_first(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    """lti_consumer caches launch data under (user_id, resource_link_id), and that key is the lti_message_hint."""
    first = lti_platform.launch(registration["config_id"], user_id="learner-8", custom={"attempt": "1"})
    second = lti_platform.launch(registration["config_id"], user_id="learner-8", custom={"attempt": "2"})

    claims = verified_id_token(
        lti_platform, registration, authenticate(registration, tool.authentication_request(first))
    )

    assert first["params"]["lti_message_hint"] == second["params"]["lti_message_hint"]
    assert claims[CLAIM + "custom"] == {"attempt": "2"}


# -- deep linking -------------------------------------------------------------------------------------------


def deep_linking_claims(lti_platform: LtiPlatform, registration: dict, tool: PlayedTool, **launch) -> dict:
    launch.setdefault("roles", [INSTRUCTOR])
    return launch_claims(lti_platform, registration, tool, message_type=DEEP_LINKING_REQUEST, **launch)


def test_deep_linking_launch_carries_the_settings_and_no_resource_link(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    return_url = f"{tool.base_url}/return-here"

    claims = deep_linking_claims(lti_platform, registration, tool, deep_link_return_url=return_url, data="opaque-42")

    assert claims[CLAIM + "message_type"] == DEEP_LINKING_REQUEST
    assert claims[CLAIM + "target_link_uri"] == tool.deep_link_url
    assert CLAIM + "resource_link" not in claims
    assert claims[CLAIM + "roles"] == [INSTRUCTOR]
    settings = claims[DL_SETTINGS_CLAIM]
    assert settings["deep_link_return_url"] == return_url
    assert settings["data"] == "opaque-42"
    assert "ltiResourceLink" in settings["accept_types"]
    assert settings["accept_multiple"] is True


def test_deep_linking_return_url_defaults_to_the_platforms_own_response_endpoint(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    claims = deep_linking_claims(lti_platform, registration, tool)

    assert claims[DL_SETTINGS_CLAIM]["deep_link_return_url"] == registration["deep_link_return_url"]


def test_deep_linking_launch_for_a_learner_is_refused(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    login = lti_platform.launch(
        registration["config_id"], user_id="learner-dl", roles=[LEARNER], message_type=DEEP_LINKING_REQUEST
    )

    response = authenticate(registration, tool.authentication_request(login, redirect_uri=tool.deep_link_url))

    assert response.status_code == 403


def test_deep_linking_launch_of_a_tool_without_deep_link_url_is_refused(
    lti_platform: LtiPlatform, tool: PlayedTool
) -> None:
    plain = lti_platform.register_tool(login_url=tool.login_url, launch_url=tool.launch_url, keyset_url=tool.keyset_url)

    with pytest.raises(LtiPlatformError, match="deep_link_url"):
        lti_platform.launch(
            plain["config_id"], user_id="teacher", roles=[INSTRUCTOR], message_type=DEEP_LINKING_REQUEST
        )


RESOURCE_LINK = {
    "type": "ltiResourceLink",
    "title": "Modulo 1 — Sicurezza",
    "url": "https://tosca.example.org/lti/launch/modules/1",
    "custom": {"module": "1"},
    "lineItem": {"label": "Modulo 1", "scoreMaximum": 10, "resourceId": "module-1"},
}


def test_signed_deep_linking_response_is_accepted_with_its_content_items(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    request_claims = deep_linking_claims(lti_platform, registration, tool, data="state-1")
    token = tool.deep_linking_response(registration, request_claims, [RESOURCE_LINK])

    verdict = lti_platform.check_deep_link_response(registration["config_id"], token)

    assert verdict == {"ok": True, "lti_consumer_ok": True, "content_items": [RESOURCE_LINK], "spec_problems": []}
    assert lti_platform.content_items(registration["config_id"]) == [RESOURCE_LINK]


def test_tampered_deep_linking_response_is_refused(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    request_claims = deep_linking_claims(lti_platform, registration, tool)
    token = tool.deep_linking_response(registration, request_claims, [RESOURCE_LINK])
    evil = {**RESOURCE_LINK, "url": "https://evil.example/launch"}

    verdict = lti_platform.check_deep_link_response(
        registration["config_id"], tampered(token, **{DL_CLAIM + "content_items": [evil]})
    )

    assert verdict["ok"] is False and verdict["lti_consumer_ok"] is False
    assert "Signature" in verdict["error"]
    assert lti_platform.content_items(registration["config_id"]) == []


def test_deep_linking_response_signed_with_a_key_outside_the_tool_keyset_is_refused(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    request_claims = deep_linking_claims(lti_platform, registration, tool)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(
        tool.deep_linking_response(registration, request_claims, [RESOURCE_LINK]), options={"verify_signature": False}
    )

    verdict = lti_platform.check_deep_link_response(registration["config_id"], tool.sign(claims, stranger))

    assert verdict["ok"] is False and verdict["lti_consumer_ok"] is False


def test_expired_deep_linking_response_is_refused(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    request_claims = deep_linking_claims(lti_platform, registration, tool)
    token = tool.deep_linking_response(registration, request_claims, [RESOURCE_LINK], exp=int(time.time()) - 60)

    verdict = lti_platform.check_deep_link_response(registration["config_id"], token)

    assert verdict["lti_consumer_ok"] is False
    assert "expired" in verdict["error"].lower()


def test_deep_linking_response_of_an_unsupported_content_type_is_refused(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    request_claims = deep_linking_claims(lti_platform, registration, tool)
    token = tool.deep_linking_response(registration, request_claims, [{"type": "file", "url": "https://x/y.pdf"}])

    verdict = lti_platform.check_deep_link_response(registration["config_id"], token)

    assert verdict["lti_consumer_ok"] is False
    assert "LtiDeepLinkingContentTypeNotSupported" in verdict["error"]


def test_deep_linking_response_with_spec_errors_passes_lti_consumer_but_not_the_strict_platform(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    request_claims = deep_linking_claims(lti_platform, registration, tool, data="must-come-back")
    token = tool.deep_linking_response(
        registration,
        request_claims,
        [RESOURCE_LINK],
        aud="https://some-other-platform.example",
        **{CLAIM + "deployment_id": "99", DL_CLAIM + "data": "changed"},
    )

    verdict = lti_platform.check_deep_link_response(registration["config_id"], token)

    assert verdict["lti_consumer_ok"] is True
    assert verdict["ok"] is False
    problems = " | ".join(verdict["spec_problems"])
    assert "aud" in problems and "deployment_id" in problems and "data" in problems
    assert verdict["error"].startswith("strict peer check")


def test_deep_linking_response_posted_to_the_return_url_is_saved_by_lti_consumers_own_view(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    request_claims = deep_linking_claims(lti_platform, registration, tool)
    token = tool.deep_linking_response(registration, request_claims, [RESOURCE_LINK])

    response = requests.post(request_claims[DL_SETTINGS_CLAIM]["deep_link_return_url"], data={"JWT": token}, timeout=30)

    assert response.status_code == 200, response.text
    assert "successfully saved" in response.text
    assert lti_platform.content_items(registration["config_id"]) == [RESOURCE_LINK]


def test_tampered_deep_linking_response_posted_to_the_return_url_is_refused(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    request_claims = deep_linking_claims(lti_platform, registration, tool)
    token = tool.deep_linking_response(registration, request_claims, [RESOURCE_LINK])

    response = requests.post(
        request_claims[DL_SETTINGS_CLAIM]["deep_link_return_url"],
        data={"JWT": tampered(token, iss="someone-else")},
        timeout=30,
    )

    assert response.status_code == 403
    assert lti_platform.content_items(registration["config_id"]) == []


# -- OAuth2 client credentials ------------------------------------------------------------------------------


def test_signed_client_assertion_gets_a_bearer_token_for_the_ags_scopes(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    response = tool.token_request(registration, scopes=[*AGS_SCOPES, "https://example.org/not-an-lti-scope"])

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["scope"].split() == list(AGS_SCOPES)
    assert tool.jwks_requests >= 1  # the platform fetched the tool's JWKS to check the signature


def test_client_assertion_signed_with_an_unknown_key_is_refused(
    lti_platform: LtiPlatform, lenient_registration: dict, tool: PlayedTool
) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    response = tool.token_request(lenient_registration, assertion=tool.client_assertion(lenient_registration, stranger))

    assert (response.status_code, response.json()) == (400, {"error": "invalid_client"})


def test_token_request_with_another_grant_type_is_refused(
    lti_platform: LtiPlatform, lenient_registration: dict, tool: PlayedTool
) -> None:
    response = tool.token_request(lenient_registration, grant_type="password")

    assert (response.status_code, response.json()) == (400, {"error": "unsupported_grant_type"})


def test_expired_client_assertion_is_refused(
    lti_platform: LtiPlatform, lenient_registration: dict, tool: PlayedTool
) -> None:
    """lti_consumer maps its own TokenSignatureExpired to invalid_grant, but PyJWT raises ExpiredSignatureError,
    which falls through to its catch-all: the refusal is right, the RFC 6749 error code is not."""
    assertion = tool.client_assertion(lenient_registration, exp=int(time.time()) - 60)

    response = tool.token_request(lenient_registration, assertion=assertion)

    assert (response.status_code, response.json()) == (400, {"error": "unidentified_error"})


@pytest.mark.parametrize(
    ("claims", "problem"),
    [
        ({"aud": "https://elsewhere.example/token"}, "aud"),
        ({"iss": "not-the-client"}, "iss"),
        ({"sub": "not-the-client"}, "sub"),
        ({"jti": None}, "jti"),
        ({"exp": None}, "exp"),
    ],
)
def test_strict_platform_refuses_a_client_assertion_that_lti_consumer_alone_accepts(
    lti_platform: LtiPlatform, registration: dict, lenient_registration: dict, tool: PlayedTool, claims, problem
) -> None:
    def assertion_for(target: dict) -> str:
        message = jwt.decode(tool.client_assertion(target), options={"verify_signature": False})
        message.update(claims)
        return tool.sign({name: value for name, value in message.items() if value is not None})

    strict = tool.token_request(registration, assertion=assertion_for(registration))
    lenient = tool.token_request(lenient_registration, assertion=assertion_for(lenient_registration))

    assert strict.status_code == 400
    assert strict.json()["error"] == "invalid_client" and problem in strict.json()["error_description"]
    assert lenient.status_code == 200, lenient.text


def test_strict_platform_refuses_a_replayed_client_assertion(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    assertion = tool.client_assertion(registration)

    first = tool.token_request(registration, assertion=assertion)
    replay = tool.token_request(registration, assertion=assertion)

    assert first.status_code == 200
    assert replay.status_code == 400 and "already used" in replay.json()["error_description"]


# -- assignment and grade services ---------------------------------------------------------------------------


def test_score_posted_to_the_launch_line_item_is_read_back_through_results(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    claims = launch_claims(lti_platform, registration, tool, user_id="learner-ags")
    lineitem = claims[AGS_CLAIM]["lineitem"]
    bearer = {"Authorization": f"Bearer {tool.access_token(registration)}"}

    posted = requests.post(
        f"{lineitem}/scores",
        data=json.dumps(score(claims["sub"], 7.5)),
        headers={**bearer, "Content-Type": SCORE_MEDIA_TYPE},
        timeout=30,
    )
    results = requests.get(f"{lineitem}/results", headers={**bearer, "Accept": RESULTS_MEDIA_TYPE}, timeout=30)

    assert posted.status_code == 201, posted.text
    assert results.status_code == 200, results.text
    assert results.headers["Content-Type"].startswith(RESULTS_MEDIA_TYPE)
    [result] = results.json()
    assert (result["userId"], result["resultScore"], result["resultMaximum"]) == ("learner-ags", 7.5, 10.0)
    assert result["scoreOf"] == lineitem
    [line_item] = lti_platform.results(registration["config_id"])
    assert line_item["id"] == lineitem
    assert [(s["userId"], s["scoreGiven"], s["gradingProgress"]) for s in line_item["scores"]] == [
        ("learner-ags", 7.5, "FullyGraded")
    ]


def test_a_later_score_replaces_the_earlier_one_and_an_older_one_is_refused(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    headers = {"Authorization": f"Bearer {tool.access_token(registration)}", "Content-Type": SCORE_MEDIA_TYPE}
    url = registration["lineitem_url"] + "/scores"
    earlier = datetime.now(UTC) - timedelta(minutes=5)

    first = requests.post(
        url, data=json.dumps(score("l-1", 3, timestamp=earlier.isoformat())), headers=headers, timeout=30
    )
    second = requests.post(url, data=json.dumps(score("l-1", 9)), headers=headers, timeout=30)
    stale = requests.post(
        url, data=json.dumps(score("l-1", 1, timestamp=earlier.isoformat())), headers=headers, timeout=30
    )

    assert (first.status_code, second.status_code, stale.status_code) == (201, 201, 400)
    [line_item] = lti_platform.results(registration["config_id"])
    assert [s["scoreGiven"] for s in line_item["scores"]] == [9.0]


def test_score_without_the_score_scope_is_forbidden(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    token = tool.access_token(registration, scopes=[READONLY_SCOPE])

    response = requests.post(
        registration["lineitem_url"] + "/scores",
        data=json.dumps(score("l-2", 5)),
        headers={"Authorization": f"Bearer {token}", "Content-Type": SCORE_MEDIA_TYPE},
        timeout=30,
    )

    assert response.status_code == 403
    assert lti_platform.results(registration["config_id"])[0]["scores"] == []


def test_ags_request_without_a_platform_token_is_refused(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    forged = tool.sign({"iss": lti_platform.issuer, "sub": registration["client_id"], "scopes": SCORE_SCOPE})
    url = registration["lineitem_url"] + "/scores"

    anonymous = requests.post(
        url, data=json.dumps(score("l-3", 5)), headers={"Content-Type": SCORE_MEDIA_TYPE}, timeout=30
    )
    self_signed = requests.post(
        url,
        data=json.dumps(score("l-3", 5)),
        headers={"Authorization": f"Bearer {forged}", "Content-Type": SCORE_MEDIA_TYPE},
        timeout=30,
    )

    assert anonymous.status_code in (401, 403) and self_signed.status_code in (401, 403)


def test_token_of_one_tool_does_not_open_another_tools_line_items(
    lti_platform: LtiPlatform, registration: dict, tool: PlayedTool
) -> None:
    other = lti_platform.register_tool(login_url=tool.login_url, launch_url=tool.launch_url, keyset_url=tool.keyset_url)

    response = requests.post(
        other["lineitem_url"] + "/scores",
        data=json.dumps(score("l-4", 5)),
        headers={"Authorization": f"Bearer {tool.access_token(registration)}", "Content-Type": SCORE_MEDIA_TYPE},
        timeout=30,
    )

    assert response.status_code in (401, 403)


def test_tool_can_list_and_create_line_items(lti_platform: LtiPlatform, registration: dict, tool: PlayedTool) -> None:
    headers = {"Authorization": f"Bearer {tool.access_token(registration)}"}

    created = requests.post(
        registration["lineitems_url"],
        data=json.dumps({"label": "Quiz 2", "scoreMaximum": 20, "resourceId": "quiz-2", "tag": "grade"}),
        headers={**headers, "Content-Type": LINE_ITEM_MEDIA_TYPE, "Accept": LINE_ITEM_MEDIA_TYPE},
        timeout=30,
    )
    listed = requests.get(
        registration["lineitems_url"], headers={**headers, "Accept": LINE_ITEMS_MEDIA_TYPE}, timeout=30
    )

    assert created.status_code == 201, created.text
    assert created.json()["id"].startswith(registration["lineitems_url"] + "/")
    assert [item["label"] for item in listed.json()] == ["Tosca module", "Quiz 2"]
    assert [item["label"] for item in lti_platform.results(registration["config_id"])] == ["Tosca module", "Quiz 2"]
