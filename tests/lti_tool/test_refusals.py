"""Forged, replayed and malformed launches: each is refused with a 4xx page that says why, a log line, and
nothing created (no account, no placement)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from html import unescape

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model

from lti_tool.data import CLAIM
from lti_tool.models import Deployment, Placement, PlatformLearner, Registration
from tests.lti_tool.conftest import CLIENT_ID, ISSUER, MODULE, start_login
from tests.xblocks.conftest import DEMO_COURSE


@pytest.fixture
def demo_course(demo):
    from xblocks.runtime import api

    return api.import_folder(DEMO_COURSE)


@pytest.fixture
def refused(platform, client, demo_course, caplog):
    """Asserts that a launch was refused for `reason`, with a page saying `says`, logged, nothing created."""
    users_before = get_user_model().objects.count()

    def check(response, reason: str, says: str, *, status: tuple[int, ...] = (400, 403, 404)):
        html = unescape(response.content.decode())
        assert response.status_code in status, html[:400]
        assert says in html
        assert f"Reason code: {reason}" in html
        assert any(f"LTI refused ({reason})" in record.getMessage() for record in caplog.records)
        assert PlatformLearner.objects.count() == 0
        assert Placement.objects.count() == 0
        assert get_user_model().objects.count() == users_before

    caplog.set_level(logging.WARNING, logger="lti_tool")
    return check


def forged(platform, client, claims_of, **sign):
    """A login, then a launch whose token is `claims_of(nonce)` signed with `sign` options."""
    _response, auth = start_login(client)
    token = platform.sign(claims_of(auth["nonce"]), **sign)
    return client.post("/lti/launch/", {"id_token": token, "state": auth["state"]})


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_alg_none_is_refused(platform, client, refused):
    _response, auth = start_login(client)
    token = jwt.encode(platform.claims(auth["nonce"]), None, algorithm="none")
    response = client.post("/lti/launch/", {"id_token": token, "state": auth["state"]})
    refused(response, "alg", "only RS256 is")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_an_hs256_token_keyed_with_what_the_platform_publishes_is_refused(platform, client, refused):
    """The classic confusion attack: an HMAC "signed" with public material, hoping for an RS/HS mix-up."""
    _response, auth = start_login(client)
    secret = json.dumps(platform.jwks()).encode()  # PyJWT itself refuses this key, so the HMAC is made by hand

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = (
        part({"alg": "HS256", "typ": "JWT", "kid": platform.kid}) + "." + part(platform.claims(auth["nonce"]))
    )
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    token = signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    response = client.post("/lti/launch/", {"id_token": token, "state": auth["state"]})
    refused(response, "alg", "only RS256 is")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_token_signed_with_another_key_is_refused(platform, client, refused):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused(forged(platform, client, platform.claims, key=other), "signature", "does not match the platform's key")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_token_whose_claims_were_changed_after_signing_is_refused(platform, client, refused):
    _response, auth = start_login(client)
    token = platform.sign(platform.claims(auth["nonce"]))
    other = platform.sign(platform.claims(auth["nonce"], sub="someone-else"))
    header, _claims, signature = token.split(".")
    tampered = ".".join([header, other.split(".")[1], signature])
    response = client.post("/lti/launch/", {"id_token": tampered, "state": auth["state"]})
    refused(response, "signature", "does not match the platform's key")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_an_unknown_kid_is_refused(platform, client, refused):
    refused(
        forged(platform, client, platform.claims, kid="not-a-platform-key"), "kid", "signing key could not be found"
    )


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_token_without_kid_from_a_platform_with_one_key_is_accepted(platform, client, demo_course):
    response = forged(platform, client, platform.claims, kid=None)
    assert response.status_code == 303


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_wrong_issuer_is_refused(platform, client, refused):
    response = forged(platform, client, lambda nonce: platform.claims(nonce, iss="https://evil.example.org"))
    refused(response, "iss", "another platform")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_an_audience_without_our_client_id_is_refused(platform, client, refused):
    response = forged(platform, client, lambda nonce: platform.claims(nonce, aud=["another-tool"]))
    refused(response, "aud", "addressed to another tool")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_several_audiences_without_azp_are_refused(platform, client, refused):
    response = forged(platform, client, lambda nonce: platform.claims(nonce, aud=[CLIENT_ID, "another-tool"]))
    refused(response, "azp", "authorised for")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_an_azp_naming_another_tool_is_refused(platform, client, refused):
    response = forged(platform, client, lambda nonce: platform.claims(nonce, azp="another-tool"))
    refused(response, "azp", "authorised for")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_several_audiences_with_our_azp_are_accepted(platform, client, demo_course):
    response = forged(
        platform, client, lambda nonce: platform.claims(nonce, aud=[CLIENT_ID, "another-tool"], azp=CLIENT_ID)
    )
    assert response.status_code == 303


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_an_expired_token_is_refused(platform, client, refused):
    now = int(time.time())
    response = forged(platform, client, lambda nonce: platform.claims(nonce, iat=now - 200, exp=now - 61))
    refused(response, "exp", "has expired")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_token_issued_in_the_future_beyond_the_leeway_is_refused(platform, client, refused):
    now = int(time.time())
    response = forged(platform, client, lambda nonce: platform.claims(nonce, iat=now + 120, exp=now + 400))
    refused(response, "iat", "issued in the future")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_token_issued_too_long_ago_is_refused_even_if_not_expired(platform, client, refused):
    now = int(time.time())
    response = forged(platform, client, lambda nonce: platform.claims(nonce, iat=now - 3600, exp=now + 3600))
    refused(response, "too_old", "too old")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_token_without_times_is_refused(platform, client, refused):
    response = forged(platform, client, lambda nonce: platform.claims(nonce, exp=...))
    refused(response, "times", "issue or expiry time")


def test_a_replayed_nonce_is_refused(platform, client, refused, demo_course):
    _response, auth = start_login(client)
    cookies = dict(client.cookies.items())
    token = platform.sign(platform.claims(auth["nonce"]))
    assert client.post("/lti/launch/", {"id_token": token, "state": auth["state"]}).status_code == 303
    PlatformLearner.objects.all().delete()
    Placement.objects.all().delete()
    get_user_model().objects.filter(username__startswith="lti-").delete()
    client.logout()
    for name, morsel in cookies.items():
        client.cookies[name] = morsel.value  # the state cookie the launch cleared, put back by the attacker
    response = client.post("/lti/launch/", {"id_token": token, "state": auth["state"]})
    refused(response, "nonce", "used already")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_nonce_that_is_not_the_one_we_issued_is_refused(platform, client, refused):
    response = forged(platform, client, lambda nonce: platform.claims("a-nonce-of-the-attacker"))
    refused(response, "nonce", "nonce differs")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_state_we_did_not_sign_is_refused(platform, client, refused):
    _response, auth = start_login(client)
    token = platform.sign(platform.claims(auth["nonce"]))
    response = client.post("/lti/launch/", {"id_token": token, "state": auth["state"][:-4] + "AAAA"})
    refused(response, "state", "not ours")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_launch_in_another_browser_than_the_login_is_refused(platform, client, refused):
    _response, auth = start_login(client)
    token = platform.sign(platform.claims(auth["nonce"]))
    client.cookies.clear()
    response = client.post("/lti/launch/", {"id_token": token, "state": auth["state"]})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Open the module in a new window" in html
    assert PlatformLearner.objects.count() == 0


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_forged_storage_value_is_refused(platform, client, refused):
    _response, auth = start_login(client)
    token = platform.sign(platform.claims(auth["nonce"]))
    client.cookies.clear()
    response = client.post("/lti/launch/", {"id_token": token, "state": auth["state"], "lti_storage_value": "guessed"})
    refused(response, "state", "not started in this browser")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_an_unknown_deployment_is_refused(platform, client, refused):
    response = forged(platform, client, lambda nonce: platform.claims(nonce, **{CLAIM + "deployment_id": "other"}))
    refused(response, "deployment", "unknown or switched off")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_an_inactive_deployment_is_refused(platform, client, refused):
    _response, auth = start_login(client)
    Deployment.objects.update(active=False)
    token = platform.sign(platform.claims(auth["nonce"]))
    response = client.post("/lti/launch/", {"id_token": token, "state": auth["state"]})
    refused(response, "deployment", "unknown or switched off")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_switched_off_registration_is_refused(platform, client, refused):
    _response, auth = start_login(client)
    Registration.objects.update(active=False)
    token = platform.sign(platform.claims(auth["nonce"]))
    response = client.post("/lti/launch/", {"id_token": token, "state": auth["state"]})
    refused(response, "registration", "switched off")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_wrong_lti_version_is_refused(platform, client, refused):
    response = forged(platform, client, lambda nonce: platform.claims(nonce, **{CLAIM + "version": "1.1"}))
    refused(response, "version", "version 1.3.0")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_an_unsupported_message_type_is_refused(platform, client, refused):
    response = forged(
        platform, client, lambda nonce: platform.claims(nonce, **{CLAIM + "message_type": "LtiSubmissionReviewRequest"})
    )
    refused(response, "message_type", "kind of LTI message")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_missing_roles_are_refused(platform, client, refused):
    response = forged(platform, client, lambda nonce: platform.claims(nonce, **{CLAIM + "roles": ...}))
    refused(response, "roles", "roles")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_missing_resource_link_is_refused(platform, client, refused):
    response = forged(platform, client, lambda nonce: platform.claims(nonce, **{CLAIM + "resource_link": {}}))
    refused(response, "resource_link", "resource link")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_missing_sub_is_refused(platform, client, refused):
    response = forged(platform, client, lambda nonce: platform.claims(nonce, sub=...))
    refused(response, "sub", "who the user is")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_foreign_target_link_uri_in_the_token_is_refused(platform, client, refused):
    response = forged(
        platform,
        client,
        lambda nonce: platform.claims(nonce, **{CLAIM + "target_link_uri": "https://evil.example.org/lti/launch/"}),
    )
    refused(response, "target_link_uri", "not Tosca's")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_login_towards_a_foreign_target_link_uri_is_not_redirected(platform, client, refused):
    response, auth = start_login(client, target_link_uri="https://evil.example.org/phish")
    assert not auth
    refused(response, "target_link_uri", "not Tosca's")
    assert "Location" not in response.headers


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_login_from_an_unknown_platform_is_refused(platform, client, refused):
    response, _auth = start_login(client, iss="https://unknown.example.org")
    refused(response, "registration", "not registered")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_login_for_an_unknown_deployment_is_refused(platform, client, refused):
    response, _auth = start_login(client, lti_deployment_id="nope")
    refused(response, "deployment", "unknown or switched off")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_login_without_login_hint_is_refused(platform, client, refused):
    response, _auth = start_login(client, login_hint=None)
    refused(response, "login", "login_hint")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_malformed_token_is_refused(platform, client, refused):
    _response, auth = start_login(client)
    response = client.post("/lti/launch/", {"id_token": "not.a.jwt!", "state": auth["state"]})
    refused(response, "malformed", "not a signed JSON Web Token")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_our_own_deep_linking_response_posted_as_a_launch_is_refused(platform, client, refused):
    """A deep-linking response (signed by us, for the platform) replayed at our launch URL."""
    from lti_tool import deep_linking

    _response, auth = start_login(client)
    token = deep_linking.response_token(
        client_id=CLIENT_ID, issuer=ISSUER, deployment_id="deployment-1", data=None, choices=[], launch_url="x"
    )
    response = client.post("/lti/launch/", {"id_token": token, "state": auth["state"]})
    refused(response, "iss", "another platform")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_link_to_a_module_that_does_not_exist_is_refused(platform, client, refused):
    response = forged(
        platform, client, lambda nonce: platform.claims(nonce, **{CLAIM + "custom": {"module": MODULE + "-gone"}})
    )
    refused(response, "module", "does not name a Tosca module")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_deep_linking_request_from_a_learner_is_refused(platform, client, refused):
    def claims(nonce):
        found = platform.deep_linking_claims(nonce)
        found[CLAIM + "roles"] = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
        return found

    refused(forged(platform, client, claims), "roles", "Only the course's teachers")


@pytest.mark.storage_only  # a token check: the database only holds the registration
def test_a_platform_error_answer_is_shown(platform, client, refused):
    _response, auth = start_login(client)
    response = client.post(
        "/lti/launch/", {"error": "login_required", "error_description": "Not signed in", "state": auth["state"]}
    )
    refused(response, "platform_error", "Not signed in")
