"""REST API /api/libretto/v1/: remote platforms write their learners' evidence; holders and operators read."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from libretto import api
from libretto.data import evidence_id
from libretto.models import EvidenceRecord

PLATFORM = "https://moodle.comune.example.it"
URL = "/api/libretto/v1/evidence/"


@pytest.fixture
def token(db):
    return api.add_client("moodle-comune", PLATFORM)


def item(units, *, learner="anna", module="modulo-7", attempt="1", **changes) -> dict:
    body = {
        "id": str(evidence_id(PLATFORM, learner, module, attempt)),
        "platform": PLATFORM,
        "learner": learner,
        "module": module,
        "module_title": "Accoglienza",
        "attempt": attempt,
        "completed_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "score": 0.8,
        "passed": True,
        "competences": units[:1],
    }
    body.update(changes)
    return body


def post(client, body, token: str | None = None, raw: bytes | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        URL,
        data=raw if raw is not None else json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )


def test_a_client_writes_evidence_for_its_learners_once(client, units, token):
    body = item(units)
    first = post(client, body, token)
    assert first.status_code == 201 and first.json()["status"] == "created"
    again = post(client, body, token)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    record = EvidenceRecord.objects.get()
    assert record.platform == PLATFORM and record.libretto.identities.get().subject == "anna"


def test_the_same_id_with_other_facts_is_a_conflict_not_a_duplicate(client, units, token):
    body = item(units)
    post(client, body, token)
    changed = post(client, {**body, "score": 0.1}, token)
    assert changed.status_code == 409 and changed.json()["results"][0]["status"] == "conflict"
    twice = post(client, [item(units, module="due"), {**item(units, module="due"), "score": 0.2}], token)
    assert twice.status_code == 409
    assert EvidenceRecord.objects.get().score == 0.8


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000,
        b'{"score": 1' + b"0" * 5000 + b"}",
        "\u00e8".encode("latin-1"),
    ],
)
def test_bodies_no_parser_likes_get_a_400(client, token, raw):
    assert post(client, None, token, raw=raw).status_code == 400


@pytest.mark.parametrize(
    "change",
    [
        {"completed_at": "2024-02-30T10:00:00+00:00"},
        {"completed_at": "0001-01-01T00:30:00+01:00"},
        {"score": 10**400},
        {"module_title": "titolo\u0000"},
        {"module_title": 7},
        {"attempt": ["1"]},
    ],
)
def test_impossible_values_get_a_400_not_a_crash(client, units, token, change):
    body = item(units, **change)
    if isinstance(body.get("attempt"), str):
        body["id"] = str(evidence_id(PLATFORM, "anna", "modulo-7", body["attempt"]))
    assert post(client, body, token).status_code == 400
    assert not EvidenceRecord.objects.exists()


def test_a_batch_is_recorded_whole(client, units, token):
    batch = [item(units, module=f"m{n}") for n in range(5)]
    response = post(client, batch, token)
    assert response.status_code == 200
    assert [result["status"] for result in response.json()["results"]] == ["created"] * 5


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"competences": ["urn:tosca:repertory:NOPE:X"]}, "unknown competence"),
        ({"completed_at": (timezone.now() + timedelta(days=3)).isoformat()}, "is in the future"),
        ({"score": 7}, "from 0 to 1"),
        ({"score": "alto"}, "score: expected a number"),
        ({"completed_at": "ieri"}, "completed_at: expected an ISO 8601"),
        ({"id": "00000000-0000-0000-0000-000000000000"}, "id: does not match"),
        ({"competences": "uri"}, "competences: expected a list"),
    ],
)
def test_bad_evidence_in_a_batch_refuses_the_whole_batch_and_says_why(client, units, token, change, problem):
    batch = [item(units, module="buono"), item(units, module="cattivo", **change)]
    if "id" not in change:
        batch[1]["id"] = str(evidence_id(PLATFORM, "anna", "cattivo", "1"))
    response = post(client, batch, token)
    assert response.status_code == 400
    assert problem in json.dumps(response.json())
    assert not EvidenceRecord.objects.exists()


def test_a_client_may_not_write_for_another_platform(client, units, token):
    other = item(units, platform="https://altro.example.org")
    other["id"] = str(evidence_id("https://altro.example.org", "anna", "modulo-7", "1"))
    response = post(client, [item(units, module="mio"), other], token)
    assert response.status_code == 403 and PLATFORM in response.json()["detail"]
    assert not EvidenceRecord.objects.exists()


def test_malformed_oversized_and_unauthenticated_requests_get_a_clear_4xx(client, units, token, settings):
    assert post(client, None, token, raw=b"{not json").status_code == 400
    assert post(client, [], token).status_code == 400
    assert post(client, item(units)).status_code in (401, 403)
    assert post(client, item(units), "wrong-token").status_code == 401
    settings.TOSCA_LIBRETTO_API_MAX_BODY_BYTES = 100
    assert post(client, item(units), token).status_code == 413
    assert not EvidenceRecord.objects.exists()


def test_a_revoked_client_can_no_longer_write(client, units, token):
    api.revoke_client("moodle-comune")
    assert post(client, item(units), token).status_code == 401


def test_learners_read_their_own_libretto_and_operators_anyones(client, units, token, learner, operator):
    post(client, item(units), token)
    client.force_login(learner)
    assert client.get("/api/libretto/v1/me/").json()["holder"]["name"] == "Giulia Rossi"
    query = {"platform": PLATFORM, "learner": "anna"}
    assert client.get("/api/libretto/v1/learners/", query).status_code == 403
    client.force_login(operator)
    answer = client.get("/api/libretto/v1/learners/", query).json()
    assert answer["competences"][0]["uri"] == units[0]
    assert client.get("/api/libretto/v1/learners/", {"platform": PLATFORM, "learner": "nobody"}).status_code == 404
    client.logout()
    assert client.get("/api/libretto/v1/me/").status_code in (401, 403)


def test_the_openapi_schema_documents_every_route(client, db):
    from django.urls import get_resolver

    spec = client.get("/api/libretto/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    resolver = get_resolver().url_patterns
    routes = next(p for p in resolver if str(p.pattern) == "api/libretto/v1/").url_patterns
    assert {"/" + str(route.pattern) for route in routes} == set(spec["paths"])


def test_this_instances_own_platform_cannot_be_a_client(db, settings):
    with pytest.raises(ValueError):
        api.add_client("me", settings.TOSCA_BASE_URL)
    with pytest.raises(ValueError):
        api.add_client("x" * 150, PLATFORM)
