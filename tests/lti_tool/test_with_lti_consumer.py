"""Tosca launched by a real LTI 1.3 platform: lti-consumer-xblock, running standalone on 127.0.0.1 (its own
code signs the launches, checks our deep-linking response and keeps the line items and scores)."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
import requests
from django.core.management import call_command

from lti_tool import api
from sync import api as sync
from tests.lti_tool.conftest import MODULE
from tests.peers.lti_platform import INSTRUCTOR, LEARNER, parse_auto_submit_form
from tests.xblocks.conftest import usage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.storage_only]


@pytest.fixture
def tosca(live_server, settings):
    settings.TOSCA_DESTINATIONS = [{"name": "local", "type": "local"}]
    call_command("load_demo", verbosity=0)
    return live_server.url


@pytest.fixture
def platform(lti_platform, tosca):
    """The platform with Tosca registered in it, and it registered in Tosca."""
    registration = lti_platform.register_tool(
        login_url=tosca + "/lti/login/",
        launch_url=tosca + "/lti/launch/",
        keyset_url=tosca + "/lti/jwks/",
        deep_link_url=tosca + "/lti/launch/",
    )
    api.add_registration(
        registration["issuer"],
        registration["client_id"],
        auth_login_url=registration["auth_url"],
        auth_token_url=registration["token_url"],
        keyset_url=registration["keyset_url"],
        deployments=[registration["deployment_id"]],
    )
    return registration


def english_browser() -> requests.Session:
    browser = requests.Session()
    browser.headers["Accept-Language"] = "en"
    return browser


def follow_launch(browser: requests.Session, initiation: dict) -> requests.Response:
    """What the learner's browser does: the platform's login initiation to Tosca, Tosca's redirect to the
    platform's sign-in, and the form the platform answers with, posted back to Tosca."""
    login = browser.get(initiation["url"], params=initiation["params"], allow_redirects=False, timeout=30)
    assert login.status_code == 302, login.text[:500]
    for cookie in browser.cookies:
        # Tosca's state cookie is Secure (browsers keep Secure cookies of http://localhost); requests does not.
        cookie.secure = False
    answer = browser.get(login.headers["Location"], timeout=30)
    assert answer.status_code == 200, answer.text[:500]
    form = parse_auto_submit_form(answer.text)
    return browser.post(form.action, data=form.fields, allow_redirects=False, timeout=30)


def test_a_learner_launched_from_lti_consumer_completes_the_module_and_the_platform_gets_the_score(
    lti_platform, platform, tosca
):
    browser = english_browser()
    initiation = lti_platform.launch(
        platform["config_id"], user_id="peer-learner-1", roles=[LEARNER], custom={"module": MODULE}, name="Anna"
    )
    launched = follow_launch(browser, initiation)
    assert launched.status_code == 303, launched.text[:800]
    page = browser.get(tosca + launched.headers["Location"], timeout=30)
    assert page.status_code == 200 and "Co-progettare un progetto FSE+" in unescape(page.text)

    csrf = browser.cookies.get("csrftoken")
    for kind, name, handler, payload in [
        ("tosca_html", "m1-intro", "mark_viewed", {}),
        ("tosca_video", "m1-video", "mark_watched", {}),
        ("tosca_html", "m1-more", "mark_viewed", {}),
        ("tosca_quiz", "m1-quiz", "submit", {"selected": ["b"]}),
    ]:
        answer = browser.post(
            f"{tosca}/xblock/handler/{usage(kind, name)}/{handler}/",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json", "X-CSRFToken": csrf or "", "Referer": tosca + "/"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text[:300]
    sync.deliver_due()

    (status,) = [row for row in sync.status() if row.destination == "lti-ags"]
    assert (status.delivered, status.dead, status.pending) == (1, 0, 0)
    scores = [score for item in lti_platform.results(platform["config_id"]) for score in item["scores"]]
    (score,) = [score for score in scores if score["userId"] == "peer-learner-1"]
    assert score["scoreGiven"] == 100 and score["scoreMaximum"] == 100
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"

    # Tosca's own AGS client reads the result back from the platform's results service.
    from lti_tool import services
    from lti_tool.models import Placement

    placement = Placement.objects.select_related("deployment__registration").get(learner__sub="peer-learner-1")
    (result,) = services.results(placement.deployment.registration, placement.lineitem_url, user_id="peer-learner-1")
    assert (result.user_id, result.score_given, result.score_maximum) == ("peer-learner-1", 100, 100)


def test_a_designer_picks_a_module_and_lti_consumer_accepts_the_deep_linking_response(lti_platform, platform, tosca):
    browser = english_browser()
    initiation = lti_platform.launch(
        platform["config_id"],
        user_id="peer-designer-1",
        roles=[INSTRUCTOR],
        message_type="LtiDeepLinkingRequest",
        data="opaque-42",
    )
    launched = follow_launch(browser, initiation)
    assert launched.status_code == 303, launched.text[:800]
    picker_url = tosca + launched.headers["Location"]
    picker = browser.get(picker_url, timeout=30)
    assert "Co-progettare un progetto FSE+" in unescape(picker.text)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', picker.text).group(1)
    sent = browser.post(
        picker_url,
        data={"module": [MODULE], "csrfmiddlewaretoken": csrf},
        headers={"Referer": picker_url},
        timeout=30,
    )
    assert sent.status_code == 200, sent.text[:500]
    form = parse_auto_submit_form(sent.text)
    assert form.action == platform["deep_link_return_url"]
    verdict = lti_platform.check_deep_link_response(platform["config_id"], form.fields["JWT"])
    assert verdict["lti_consumer_ok"], verdict
    assert verdict["ok"], verdict  # the stricter checks too: aud, iss, nonce, deployment, version, data echoed
    (item,) = verdict["content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["custom"] == {"module": MODULE}
    assert item["lineItem"]["resourceId"] == MODULE


def test_a_launch_that_lti_consumer_signs_for_another_tool_is_refused(lti_platform, platform, tosca):
    other = lti_platform.register_tool(
        login_url=tosca + "/lti/login/", launch_url=tosca + "/lti/launch/", keyset_url=tosca + "/lti/jwks/"
    )
    browser = english_browser()
    initiation = lti_platform.launch(other["config_id"], user_id="peer-learner-2", custom={"module": MODULE})
    login = browser.get(initiation["url"], params=initiation["params"], allow_redirects=False, timeout=30)
    assert login.status_code == 403  # the other tool's client id is not registered in Tosca
    assert "not registered with Tosca" in unescape(login.text)
