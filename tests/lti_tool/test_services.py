"""The course roster for teachers (NRPS, page after page), dynamic registration with a platform, and the
rotation of the tool's own keys."""

from __future__ import annotations

import json
from datetime import timedelta
from html import unescape
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from lti_tool import keys
from lti_tool.data import CLAIM
from lti_tool.models import Deployment, Registration, ToolKey
from tests.lti_tool.conftest import INSTRUCTOR, launch
from tests.xblocks.conftest import DEMO_COURSE


@pytest.fixture
def demo_course(demo):
    from xblocks.runtime import api

    return api.import_folder(DEMO_COURSE)


def roster_routes(server) -> None:
    server.routes[("POST", "/token")] = lambda handler, body: (200, {}, {"access_token": "t", "expires_in": 600})
    page_two = server.url + "/nrps/members2"
    server.routes[("GET", "/nrps/members")] = lambda handler, body: (
        200,
        {"Link": f'<{page_two}>; rel="next"'},
        {"id": "x", "members": [{"user_id": "learner-42", "name": "Anna Rossi", "roles": ["Learner"]}]},
    )
    server.routes[("GET", "/nrps/members2")] = lambda handler, body: (
        200,
        {},
        {
            "id": "x",
            "members": [{"user_id": "learner-43", "given_name": "Bruno", "family_name": "Bianchi", "roles": []}],
        },
    )


def test_a_teacher_sees_everyone_in_the_course_across_roster_pages_with_their_progress(
    platform, client, demo_course, http_server
):
    roster_routes(http_server)
    launch(client, platform)  # Anna opens the module
    client.logout()
    response, _state, _nonce = launch(client, platform, sub="teacher-1", **{CLAIM + "roles": [INSTRUCTOR]})
    module_page = unescape(client.get(response["Location"]).content.decode())
    assert "Learners of this course and their progress" in module_page
    roster = client.get(response["Location"] + "learners/")
    html = unescape(roster.content.decode())
    assert roster.status_code == 200
    assert "Anna Rossi" in html and "Bruno Bianchi" in html
    assert "started" in html and "not opened yet" in html
    members = [request for request in http_server.requests if request["path"].startswith("/nrps/")]
    assert [request["path"] for request in members] == ["/nrps/members", "/nrps/members2"]
    assert members[0]["headers"]["Accept"] == "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


def test_a_learner_cannot_open_the_roster(platform, client, demo_course, http_server):
    roster_routes(http_server)
    response, _state, _nonce = launch(client, platform)
    roster = client.get(response["Location"] + "learners/")
    assert roster.status_code == 403


# -- dynamic registration -------------------------------------------------------------------------------------


@pytest.fixture
def registering_platform(http_server):
    issuer = http_server.url
    http_server.registered = []
    http_server.routes[("GET", "/.well-known/openid-configuration")] = lambda handler, body: (
        200,
        {},
        {
            "issuer": issuer,
            "authorization_endpoint": issuer + "/auth",
            "token_endpoint": issuer + "/token",
            "jwks_uri": issuer + "/jwks",
            "registration_endpoint": issuer + "/register",
            "authorization_server": issuer + "/token-audience",
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {"product_family_code": "moodle"},
        },
    )

    def register(handler, body):
        http_server.registered.append({"body": json.loads(body), "auth": handler.headers.get("Authorization")})
        return (
            200,
            {},
            {
                "client_id": "dyn-client",
                "https://purl.imsglobal.org/spec/lti-tool-configuration": {"deployment_id": "7"},
            },
        )

    http_server.routes[("POST", "/register")] = register
    return http_server


def test_dynamic_registration_stores_the_platform_and_closes_the_window(db, client, registering_platform, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    server = registering_platform
    config_url = server.url + "/.well-known/openid-configuration"
    page = client.get("/lti/register/", {"openid_configuration": config_url, "registration_token": "reg-token"})
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert "moodle" in html
    ticket = html.split('name="ticket" value="')[1].split('"')[0]
    done = client.post("/lti/register/", {"ticket": ticket})
    assert done.status_code == 200
    assert "org.imsglobal.lti.close" in done.content.decode()
    (sent,) = server.registered
    assert sent["auth"] == "Bearer reg-token"
    assert sent["body"]["initiate_login_uri"] == "http://testserver/lti/login/"
    assert sent["body"]["redirect_uris"] == ["http://testserver/lti/launch/"]
    assert sent["body"]["jwks_uri"] == "http://testserver/lti/jwks/"
    registration = Registration.objects.get()
    assert (registration.issuer, registration.client_id) == (server.url, "dyn-client")
    assert registration.token_audience == server.url + "/token-audience"
    assert Deployment.objects.get().deployment_id == "7"


def test_dynamic_registration_refuses_a_configuration_naming_another_issuer(db, client, registering_platform, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    server = registering_platform
    original = server.routes[("GET", "/.well-known/openid-configuration")]

    def lying(handler, body):
        status, headers, document = original(handler, body)
        return status, headers, {**document, "issuer": "https://moodle.example.org"}

    server.routes[("GET", "/.well-known/openid-configuration")] = lying
    page = client.get("/lti/register/", {"openid_configuration": server.url + "/.well-known/openid-configuration"})
    assert page.status_code == 400
    assert "names the issuer https://moodle.example.org" in unescape(page.content.decode())
    assert Registration.objects.count() == 0 and server.registered == []


def test_dynamic_registration_can_be_switched_off(db, client, settings):
    settings.TOSCA_LTI = {**settings.TOSCA_LTI, "dynamic_registration": "off"}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/lti/register/", {"openid_configuration": "https://lms.example.org/.well-known/x"})
    assert page.status_code == 403
    assert "switched off" in unescape(page.content.decode())


def test_a_tampered_registration_ticket_is_refused(db, client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post("/lti/register/", {"ticket": "forged"})
    assert page.status_code == 400


# -- the tool's keys ----------------------------------------------------------------------------------------


def published_kids(client) -> set[str]:
    return {key["kid"] for key in client.get("/lti/jwks/").json()["keys"]}


def test_a_new_key_is_published_before_it_signs_and_retired_keys_go_later(db, client, settings):
    settings.LANGUAGE_CODE = "en"  # what the command prints
    keys.ensure_keys()
    signing_kid, _key = keys.signing_key()
    next_kid = ToolKey.objects.get(state=ToolKey.State.NEXT).kid
    assert published_kids(client) == {signing_kid, next_kid}

    out = StringIO()
    call_command("lti", "rotate-keys", stdout=out)  # the next key was published a moment ago: too soon
    assert keys.signing_key()[0] == signing_kid
    assert "not been published long enough" in out.getvalue()

    ToolKey.objects.filter(kid=next_kid).update(changed_at=timezone.now() - timedelta(days=2))
    call_command("lti", "rotate-keys", stdout=StringIO())
    assert keys.signing_key()[0] == next_kid  # published for a day: it signs now
    newest = ToolKey.objects.get(state=ToolKey.State.NEXT).kid
    assert published_kids(client) == {signing_kid, next_kid, newest}  # the old one is retired, still published

    ToolKey.objects.filter(kid=signing_kid).update(changed_at=timezone.now() - timedelta(days=8))
    call_command("lti", "rotate-keys", "--now", stdout=StringIO())
    assert signing_kid not in published_kids(client)
    assert keys.signing_key()[0] == newest


def test_lti_add_registers_a_platform_by_hand(db):
    out = StringIO()
    call_command(
        "lti",
        "add",
        "--issuer",
        "https://moodle.example.org",
        "--client-id",
        "abc",
        "--deployment",
        "1",
        "--auth-url",
        "https://moodle.example.org/mod/lti/auth.php",
        "--token-url",
        "https://moodle.example.org/mod/lti/token.php",
        "--keyset-url",
        "https://moodle.example.org/mod/lti/certs.php",
        stdout=out,
    )
    registration = Registration.objects.get()
    assert registration.deployments.get().deployment_id == "1"
    assert f"/lti/login/{registration.uuid}/" in out.getvalue()
