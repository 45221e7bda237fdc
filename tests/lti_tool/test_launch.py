"""A platform launches a Tosca module: OIDC login, id_token, a platform-scoped learner, the module in its frame."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from lti_tool.data import CLAIM
from lti_tool.models import Placement, PlatformLearner
from tests.lti_tool.conftest import (
    AUTH_URL,
    CLIENT_ID,
    DEPLOYMENT,
    ISSUER,
    LAUNCH_URL,
    MODULE,
    launch,
    start_login,
)
from tests.xblocks.conftest import DEMO_COURSE


@pytest.fixture
def demo_course(demo):
    from xblocks.runtime import api

    return api.import_folder(DEMO_COURSE)


def test_login_initiation_redirects_to_the_platform_with_an_openid_authentication_request(platform, client):
    response, auth = start_login(client)
    assert response.status_code == 302
    assert response["Location"].startswith(AUTH_URL + "?")
    assert auth["scope"] == "openid"
    assert auth["response_type"] == "id_token"
    assert auth["response_mode"] == "form_post"
    assert auth["prompt"] == "none"
    assert auth["client_id"] == CLIENT_ID
    assert auth["redirect_uri"] == LAUNCH_URL
    assert auth["login_hint"] == "learner-42"
    assert auth["lti_message_hint"] == "hint-1"
    assert auth["state"] and auth["nonce"]
    cookie = next(value for name, value in response.cookies.items() if name.startswith("lti_state_"))
    assert cookie["httponly"] and cookie["path"] == "/lti/launch/"


def test_login_initiation_by_post_with_deployment_id_and_no_client_id_is_accepted(platform, client):
    response, _auth = start_login(
        client, method="post", client_id=None, lti_deployment_id=None, deployment_id=DEPLOYMENT
    )
    assert response.status_code == 302


def test_each_registration_has_its_own_login_url(platform, client):
    response, auth = start_login(client, path=f"/lti/login/{platform.registration.uuid}/", client_id=None)
    assert response.status_code == 302 and auth["client_id"] == CLIENT_ID


def test_a_platform_with_two_registrations_must_name_its_client_id_on_the_shared_login(platform, client):
    from lti_tool import api

    api.add_registration(ISSUER, "second-client", auth_login_url=AUTH_URL, keyset_url=platform.keyset_url)
    response, _auth = start_login(client, client_id=None)
    assert response.status_code == 400
    assert "client_id" in response.content.decode()
    response, _auth = start_login(client, path=f"/lti/login/{platform.registration.uuid}/", client_id=None)
    assert response.status_code == 302


def test_a_resource_link_launch_signs_in_a_platform_scoped_learner_and_opens_the_module(platform, client, demo_course):
    response, _state, _nonce = launch(client, platform)
    assert response.status_code == 303, response.content.decode()[:500]
    learner = PlatformLearner.objects.get()
    assert (learner.issuer, learner.deployment_id, learner.sub, learner.name) == (
        ISSUER,
        DEPLOYMENT,
        "learner-42",
        "Anna Rossi",
    )
    assert not learner.user.has_usable_password()
    placement = Placement.objects.get()
    assert placement.module == MODULE and placement.context_title == "Inclusione 2026"
    assert placement.lineitems_url.endswith("/ags/lineitems?course=7")
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Co-progettare un progetto FSE+" in html
    assert "X-Frame-Options" not in page.headers
    assert "frame-ancestors 'self' https://lms.example.org" in page["Content-Security-Policy"]


def test_the_same_person_launching_again_keeps_their_account(platform, client, demo_course):
    launch(client, platform)
    client.logout()
    launch(client, platform)
    assert PlatformLearner.objects.count() == 1
    assert Placement.objects.count() == 1


def test_the_same_sub_in_another_deployment_is_another_learner(platform, client, demo_course):
    from lti_tool import api

    api.add_registration(
        ISSUER, CLIENT_ID, auth_login_url=AUTH_URL, keyset_url=platform.keyset_url, deployments=["deployment-2"]
    )
    launch(client, platform)
    client.logout()
    _response, _auth = start_login(client, lti_deployment_id="deployment-2")
    token = platform.sign(platform.claims(_auth["nonce"], **{CLAIM + "deployment_id": "deployment-2"}))
    assert client.post("/lti/launch/", {"id_token": token, "state": _auth["state"]}).status_code == 303
    assert PlatformLearner.objects.count() == 2


def test_a_token_within_the_clock_leeway_is_accepted(platform, client, demo_course):
    def claims(nonce):
        found = platform.claims(nonce)
        found["iat"] += 45  # the platform's clock is 45 s ahead: within the 60 s leeway
        found["exp"] = found["iat"] + 300
        return found

    response, _state, _nonce = launch(client, platform, claims=claims)
    assert response.status_code == 303


def test_a_platform_that_rotated_its_key_is_read_again_once(platform, client, demo_course, http_server, settings):
    settings.TOSCA_LTI = {**settings.TOSCA_LTI, "jwks_refetch_interval": 0.001}
    launch(client, platform)  # caches the first key
    client.logout()
    from cryptography.hazmat.primitives.asymmetric import rsa

    platform.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    platform.kid = "platform-key-2"
    fetches = sum(1 for request in http_server.requests if request["path"] == "/jwks")
    response, _state, _nonce = launch(client, platform)
    assert response.status_code == 303
    assert sum(1 for request in http_server.requests if request["path"] == "/jwks") == fetches + 1


def test_the_keyset_is_read_once_for_many_launches(platform, client, demo_course, http_server):
    for _ in range(3):
        launch(client, platform)
        client.logout()
    assert sum(1 for request in http_server.requests if request["path"] == "/jwks") == 1


def test_the_platform_language_is_used_for_the_module_page(platform, client, demo_course):
    client.cookies.pop("django_language", None)
    response, _state, _nonce = launch(
        client, platform, **{CLAIM + "launch_presentation": {"locale": "en-GB", "document_target": "iframe"}}
    )
    page = client.get(response["Location"])
    assert '<html lang="en' in page.content.decode()


def test_the_module_page_is_only_for_the_learner_who_launched_it(platform, client, demo_course, django_user_model):
    response, _state, _nonce = launch(client, platform)
    url = response["Location"]
    other = django_user_model.objects.create_user("someone", password="pw")
    client.force_login(other)
    page = client.get(url)
    assert page.status_code == 403
    assert "Open this module again from your course" in page.content.decode()


def test_the_jwks_endpoint_publishes_the_tool_keys(db, client):
    keyset = client.get("/lti/jwks/").json()
    assert len(keyset["keys"]) == 2  # the signing key and the next one, published ahead
    assert all(key["kty"] == "RSA" and key["alg"] == "RS256" and "d" not in key for key in keyset["keys"])


def test_the_configuration_page_shows_the_urls_and_the_json_for_manual_registration(db, client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/lti/")
    html = page.content.decode()
    for url in ("http://testserver/lti/login/", "http://testserver/lti/launch/", "http://testserver/lti/jwks/"):
        assert url in html
    config = client.get("/lti/configuration.json").json()
    assert config["initiate_login_uri"] == "http://testserver/lti/login/"
    assert config["jwks_uri"] == "http://testserver/lti/jwks/"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in config["scope"].split()


def test_the_login_redirect_carries_no_foreign_redirect_uri(platform, client):
    _response, auth = start_login(client)
    assert urlsplit(auth["redirect_uri"]).netloc == "testserver"
    assert parse_qs(urlsplit(AUTH_URL).query) == {}
    assert json.loads(json.dumps(auth))  # plain strings only


def test_unknown_kids_in_quick_succession_do_not_make_the_tool_fetch_the_keyset_each_time(
    platform, client, demo_course, http_server
):
    launch(client, platform)
    client.logout()
    fetches = sum(1 for request in http_server.requests if request["path"] == "/jwks")
    for kid in ("forged-1", "forged-2", "forged-3"):
        _response, auth = start_login(client)
        token = platform.sign(platform.claims(auth["nonce"]), kid=kid)
        assert client.post("/lti/launch/", {"id_token": token, "state": auth["state"]}).status_code == 400
    assert sum(1 for request in http_server.requests if request["path"] == "/jwks") == fetches


def test_a_platform_language_tosca_has_no_translation_for_keeps_the_browsers_choice(platform, client, demo_course):
    response, _state, _nonce = launch(client, platform, **{CLAIM + "launch_presentation": {"locale": "de-DE"}})
    assert response.status_code == 303
    page = client.get(response["Location"])
    assert page.status_code == 200 and '<html lang="en' in page.content.decode()
