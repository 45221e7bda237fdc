"""A learner launched from a platform completes the module: the evidence reaches the libretto with the platform
as its source, and the score reaches the platform's gradebook over AGS, even if the platform was down."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import jwt
import pytest

from lti_tool import services
from lti_tool.data import AGS_CLAIM, CLAIM
from sync import api as sync
from tests.lti_tool.conftest import CLIENT_ID, ISSUER, launch
from tests.xblocks.conftest import DEMO_COURSE, usage


@pytest.fixture
def demo_course(demo):
    from xblocks.runtime import api

    return api.import_folder(DEMO_COURSE)


class Gradebook:
    """The platform's token endpoint and AGS line items, on the test's local HTTP server."""

    def __init__(self, server):
        self.server = server
        self.lineitems: list[dict] = []
        self.scores: list[dict] = []
        self.down = False
        self.tokens = 0
        server.routes[("POST", "/token")] = self.token
        server.routes[("GET", "/ags/lineitems")] = self.list_lineitems
        server.routes[("POST", "/ags/lineitems")] = self.create_lineitem
        server.routes[("POST", "/ags/lineitems/1/scores")] = self.score

    def token(self, handler, body):
        self.tokens += 1
        self.assertion = parse_qs(body.decode())
        return 200, {}, {"access_token": f"token-{self.tokens}", "token_type": "Bearer", "expires_in": 3600}

    def list_lineitems(self, handler, body):
        return (503, {}, b"maintenance") if self.down else (200, {}, self.lineitems)

    def create_lineitem(self, handler, body):
        item = {**json.loads(body), "id": self.server.url + "/ags/lineitems/1?course=7"}
        self.lineitems.append(item)
        return 201, {}, item

    def score(self, handler, body):
        if self.down:
            return 503, {}, b"maintenance"
        self.scores.append({"body": json.loads(body), "path": handler.path, "auth": handler.headers["Authorization"]})
        return 200, {}, {}


def complete_m1(client) -> None:
    for kind, name, handler, payload in [
        ("tosca_html", "m1-intro", "mark_viewed", {}),
        ("tosca_video", "m1-video", "mark_watched", {}),
        ("tosca_html", "m1-more", "mark_viewed", {}),
        ("tosca_quiz", "m1-quiz", "submit", {"selected": ["b"]}),
    ]:
        response = client.post(
            f"/xblock/handler/{usage(kind, name)}/{handler}/", json.dumps(payload), content_type="application/json"
        )
        assert response.status_code == 200, response.content


def test_completing_a_launched_module_records_evidence_from_the_platform_and_sends_the_score(
    platform, client, demo_course, http_server
):
    gradebook = Gradebook(http_server)
    response, _state, _nonce = launch(client, platform)
    assert client.get(response["Location"]).status_code == 200
    complete_m1(client)
    report = sync.deliver_due()
    assert report.delivered == 2 and report.dead == 0  # the local libretto and the platform's gradebook

    (status,) = [row for row in sync.status() if row.destination == "lti-ags"]
    assert status.delivered == 1
    from libretto import api as libretto

    user = client.session["_auth_user_id"]
    from django.contrib.auth import get_user_model

    username = get_user_model().objects.get(pk=user).username
    view = libretto.libretto_of(ISSUER, username)
    assert view is not None and view.entries  # the platform is the evidence's source

    (item,) = gradebook.lineitems
    assert item["resourceId"] == "block-v1:RegioneToscana+TRIO-RETI+2026+type@tosca_module+block@m1"
    assert item["tag"] and item["scoreMaximum"] == 100 and item["resourceLinkId"] == "link-1"
    (score,) = gradebook.scores
    assert score["path"] == "/ags/lineitems/1/scores?course=7"  # /scores goes before the query string
    assert score["body"]["userId"] == "learner-42"
    assert score["body"]["scoreGiven"] == 100 and score["body"]["scoreMaximum"] == 100
    assert score["body"]["activityProgress"] == "Completed"
    assert score["body"]["gradingProgress"] == "FullyGraded"
    assert score["body"]["timestamp"].endswith("+00:00")
    assertion = jwt.decode(gradebook.assertion["client_assertion"][0], options={"verify_signature": False})
    assert assertion["iss"] == assertion["sub"] == CLIENT_ID
    assert assertion["aud"] == http_server.url + "/token"
    assert gradebook.assertion["grant_type"] == ["client_credentials"]
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in gradebook.assertion["scope"][0].split()


def test_a_platform_outage_loses_no_score(platform, client, demo_course, http_server):
    gradebook = Gradebook(http_server)
    gradebook.down = True
    _response, _state, _nonce = launch(client, platform)
    complete_m1(client)
    report = sync.deliver_due()
    assert report.retrying == 1  # the platform is down: the score waits in the outbox
    assert gradebook.scores == []
    gradebook.down = False
    from sync.models import Delivery

    Delivery.objects.filter(destination="lti-ags").update(next_attempt_at="2000-01-01T00:00:00Z")
    report = sync.deliver_due()
    assert report.delivered == 1
    assert len(gradebook.scores) == 1


def test_a_line_item_the_platform_names_in_the_launch_is_used_as_it_is(platform, client, demo_course, http_server):
    gradebook = Gradebook(http_server)

    def claims(nonce):
        found = platform.claims(nonce)
        found[AGS_CLAIM]["lineitem"] = http_server.url + "/ags/lineitems/1?course=7"
        return found

    launch(client, platform, claims=claims)
    complete_m1(client)
    sync.deliver_due()
    assert gradebook.lineitems == []  # nothing looked up, nothing created
    assert len(gradebook.scores) == 1


def test_the_token_audience_can_be_set_for_platforms_that_want_another(platform, client, demo_course, http_server):
    from lti_tool.models import Registration

    Registration.objects.update(token_audience="https://auth.brightspace.com/core/connect/token")
    gradebook = Gradebook(http_server)
    launch(client, platform)
    complete_m1(client)
    sync.deliver_due()
    assertion = jwt.decode(gradebook.assertion["client_assertion"][0], options={"verify_signature": False})
    assert assertion["aud"] == "https://auth.brightspace.com/core/connect/token"


def test_tokens_are_reused_for_the_same_scopes(platform, http_server):
    from lti_tool.models import Registration

    gradebook = Gradebook(http_server)
    registration = Registration.objects.get()
    first = services.access_token(registration, ("a", "b"))
    assert services.access_token(registration, ("b", "a")) == first
    services.access_token(registration, ("c",))
    assert gradebook.tokens == 2


def test_a_learner_of_the_catalogue_gets_no_platform_delivery(platform, demo_course, client, django_user_model):
    user = django_user_model.objects.create_user("catalogue-learner", password="pw")
    client.force_login(user)
    client.get("/courses/course-v1:RegioneToscana+TRIO-RETI+2026/m/m1/")
    complete_m1(client)
    assert [row.destination for row in sync.status() if row.pending or row.delivered] == ["local"]


def test_scores_and_results_urls_keep_the_query_string_after_the_path():
    assert services.service_url("https://lms/ags/items/9?x=1&y=2", "scores") == "https://lms/ags/items/9/scores?x=1&y=2"
    assert services.service_url("https://lms/ags/items/9/", "results") == "https://lms/ags/items/9/results"


def test_a_launch_without_a_grade_service_sends_no_score(platform, client, demo_course):
    launch(client, platform, **{AGS_CLAIM: ...})
    complete_m1(client)
    assert [row.destination for row in sync.status() if row.pending or row.delivered] == ["local"]
    assert CLAIM  # the claims module is the one the platform fixture uses
