"""A designer launches Tosca from their course with a Deep Linking request, finds modules by words or by
competence, and sends them back to the platform as signed resource links with line items."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

import jwt
import pytest

from lti_tool.data import CLAIM, DL_CLAIM
from tests.lti_tool.conftest import CLIENT_ID, ISSUER, MODULE, launch
from tests.xblocks.conftest import DEMO_COURSE

M2 = MODULE.replace("block@m1", "block@m2")
UC_1027 = "urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-1027"


@pytest.fixture
def demo_course(demo):
    from xblocks.runtime import api

    return api.import_folder(DEMO_COURSE)


@pytest.fixture
def picker(platform, client, demo_course):
    response, _state, _nonce = launch(client, platform, claims=platform.deep_linking_claims)
    assert response.status_code == 303, response.content.decode()[:400]
    return response["Location"]


def sent_jwt(response) -> str:
    html = response.content.decode()
    assert 'action="http://127.0.0.1:' in html
    return unescape(re.search(r'name="JWT" value="([^"]+)"', html).group(1))


def verify(client, token: str) -> dict:
    keyset = client.get("/lti/jwks/").json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.algorithms.RSAAlgorithm.from_jwk(next(key for key in keyset["keys"] if key["kid"] == kid))
    return jwt.decode(token, key, algorithms=["RS256"], audience=ISSUER, issuer=CLIENT_ID)


def test_the_picker_lists_the_published_modules_with_their_competences(client, picker):
    page = client.get(picker)
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert "Choose Tosca modules for Inclusione 2026" in html
    assert "Co-progettare un progetto FSE+" in html
    assert "Reti per l'inclusione lavorativa" in html
    assert 'type="checkbox"' in html


def test_the_picker_filters_by_competence(client, picker):
    found = client.get(picker, {"cq": "UC-1027"})
    assert "?competence=" + quote(UC_1027, safe="") in unescape(found.content.decode())
    filtered = unescape(client.get(picker, {"competence": UC_1027}).content.decode())
    assert "Reti per l'inclusione lavorativa" in filtered
    assert "Co-progettare un progetto FSE+" not in filtered


def test_the_chosen_modules_go_back_as_signed_resource_links_with_line_items_and_the_data_echoed(client, picker):
    response = client.post(picker, {"module": [MODULE, M2]})
    assert response.status_code == 200
    claims = verify(client, sent_jwt(response))
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[CLAIM + "version"] == "1.3.0"
    assert claims[CLAIM + "deployment_id"] == "deployment-1"
    assert claims[DL_CLAIM + "data"] == 'opaque "data" {1}'
    items = claims[DL_CLAIM + "content_items"]
    assert [item["custom"]["module"] for item in items] == [MODULE, M2]
    assert all(item["type"] == "ltiResourceLink" and item["url"] == "http://testserver/lti/launch/" for item in items)
    assert items[1]["lineItem"]["resourceId"] == M2
    assert "UC-1027" in items[1]["lineItem"]["tag"].split(",")
    assert items[1]["lineItem"]["scoreMaximum"] == 100


def test_a_choice_is_sent_once(client, picker):
    assert client.post(picker, {"module": [MODULE]}).status_code == 200
    again = client.post(picker, {"module": [MODULE]})
    assert again.status_code == 400
    assert "sent already" in unescape(again.content.decode())


def test_choosing_nothing_asks_again(client, picker):
    response = client.post(picker, {})
    assert response.status_code == 400
    assert "Choose at least one module" in unescape(response.content.decode())
    assert client.post(picker, {"module": [MODULE]}).status_code == 200  # the request is still open


def test_a_request_without_data_sends_none_back(platform, client, demo_course):
    def claims(nonce):
        found = platform.deep_linking_claims(nonce)
        del found[DL_CLAIM + "deep_linking_settings"]["data"]
        found[DL_CLAIM + "deep_linking_settings"]["accept_multiple"] = False
        return found

    response, _state, _nonce = launch(client, platform, claims=claims)
    url = response["Location"]
    assert 'type="radio"' in client.get(url).content.decode()
    assert client.post(url, {"module": [MODULE, M2]}).status_code == 400
    claims_sent = verify(client, sent_jwt(client.post(url, {"module": [MODULE]})))
    assert DL_CLAIM + "data" not in claims_sent
