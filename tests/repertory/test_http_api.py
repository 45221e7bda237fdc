"""The JSON API under /api/repertory/v1/: what the tagging picker and other systems read."""

from __future__ import annotations

import json

import pytest

BASE = "/api/repertory/v1"


def get_json(client, path: str, status: int = 200, language: str = "en", **params):
    response = client.get(path, params, HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def test_search_returns_ranked_json_for_progettazione(client, demo):
    data = get_json(client, f"{BASE}/competences/", language="it", q="progettazione")
    assert data["count"] >= 5 and data["page"] == 1
    first = data["results"][0]
    assert first["match"] == "words" and "progettazione" in first["label"].lower()
    assert first["url"].startswith("http://testserver/api/repertory/v1/frameworks/RRFP-TOSCANA-DEMO/competences/")
    assert {"uri", "code", "label", "kind", "eqf_level", "framework", "html_url"} <= set(first)


def test_search_ranks_an_exact_code_first(client, demo):
    data = get_json(client, f"{BASE}/competences/", q="uc-1017")
    assert data["results"][0]["code"] == "UC-1017" and data["results"][0]["match"] == "code"


def test_search_pages_link_to_each_other(client, demo):
    first = get_json(client, f"{BASE}/competences/", q="a", page_size=3)
    assert first["previous"] is None and "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert second["page"] == 2 and "page=1" in second["previous"]
    assert {r["uri"] for r in first["results"]}.isdisjoint(r["uri"] for r in second["results"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "?q="),
        ({"q": "x", "page": "zero"}, "“page” must be a whole number"),
        ({"q": "x", "page_size": "1000"}, "between 1 and 200"),
        ({"q": "x", "kind": "planet"}, "Unknown kind “planet”"),
    ],
)
def test_bad_search_parameters_get_a_400_that_says_why(client, demo, params, message):
    assert message in get_json(client, f"{BASE}/competences/", 400, **params)["detail"]


def test_unknown_framework_gets_a_404_that_says_which(client, demo):
    assert "NOPE" in get_json(client, f"{BASE}/competences/", 404, q="x", framework="NOPE")["detail"]
    assert "NOPE" in get_json(client, f"{BASE}/frameworks/NOPE/", 404)["detail"]


def test_frameworks_are_listed_with_their_size_and_links(client, demo):
    data = get_json(client, f"{BASE}/frameworks/")
    framework = data["results"][0]
    assert data["count"] == 1 and framework["code"] == "RRFP-TOSCANA-DEMO" and framework["node_count"] == 244
    assert framework["tree_url"].endswith("/frameworks/RRFP-TOSCANA-DEMO/tree/")
    detail = get_json(client, framework["url"])
    assert detail["versions"][0]["version"] == "2026.1" and detail["versions"][0]["added"] == 244


def test_tree_lists_roots_then_children_of_a_node(client, demo):
    roots = get_json(client, f"{BASE}/frameworks/RRFP-TOSCANA-DEMO/tree/")
    assert [node["kind"] for node in roots["results"]] == ["sector"] * roots["count"]
    sector = roots["results"][0]
    assert sector["child_count"] > 0 and sector["children"] == []
    figures = get_json(client, f"{BASE}/frameworks/RRFP-TOSCANA-DEMO/tree/", parent=sector["code"], depth=2)
    assert figures["parent"]["code"] == sector["code"] and figures["results"][0]["kind"] == "figure"
    assert figures["results"][0]["children"][0]["kind"] == "competence_unit"
    get_json(client, f"{BASE}/frameworks/RRFP-TOSCANA-DEMO/tree/", 404, parent="NOPE")
    get_json(client, f"{BASE}/frameworks/RRFP-TOSCANA-DEMO/tree/", 400, depth="9")


def test_competence_detail_has_its_skills_knowledge_and_crosswalks(client, demo):
    data = get_json(client, f"{BASE}/frameworks/RRFP-TOSCANA-DEMO/competences/UC-1003/")
    assert data["kind"] == "competence_unit" and data["eqf_level"]
    assert {child["kind"] for child in data["children"]} == {"skill", "knowledge"}
    assert [ancestor["kind"] for ancestor in data["ancestors"]] == ["sector", "figure"]
    relations = {(a["relation"], a["scheme"]) for a in data["associations"]}
    assert ("exact_match", "uri") in relations and ("related", "atlante-ada") in relations
    by_uri = get_json(client, f"{BASE}/competences/by-uri/", uri=data["uri"])
    assert by_uri["code"] == "UC-1003"
    get_json(client, f"{BASE}/competences/by-uri/", 404, uri="urn:nothing")
    get_json(client, f"{BASE}/frameworks/RRFP-TOSCANA-DEMO/competences/NOPE/", 404)


def test_export_endpoint_serves_each_format_as_a_download(client, demo):
    for export_format, content_type in (
        ("case-json", "application/json"),
        ("moodle-csv", "text/csv"),
        ("openedx-csv", "text/csv"),
    ):
        response = client.get(f"{BASE}/frameworks/RRFP-TOSCANA-DEMO/export/{export_format}/")
        assert response.status_code == 200 and response["Content-Type"].startswith(content_type)
        assert "attachment" in response["Content-Disposition"]
    assert client.get(f"{BASE}/frameworks/RRFP-TOSCANA-DEMO/export/pdf/").status_code == 404


def test_api_messages_follow_the_requested_language(client, demo):
    response = client.get(f"{BASE}/competences/", HTTP_ACCEPT_LANGUAGE="it")
    assert response.json()["detail"] == "Indica che cosa cercare: ?q=…"
    response = client.get(f"{BASE}/competences/", {"q": "UC-1017"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["results"][0]["label"].startswith("Design")


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/repertory/v1/frameworks/%00/", {}, 404),
        ("/api/repertory/v1/frameworks/RRFP-TOSCANA-DEMO/tree/", {"parent": "\x00"}, 404),
        ("/api/repertory/v1/frameworks/RRFP-TOSCANA-DEMO/competences/%00/", {}, 404),
        ("/api/repertory/v1/competences/by-uri/", {"uri": "\x00"}, 404),
        ("/api/repertory/v1/competences/", {"q": "uc", "framework": "\x00"}, 404),
        ("/api/repertory/v1/competences/", {"q": "\x00uc"}, 200),
        ("/repertory/%00/", {}, 404),
        ("/repertory/RRFP-TOSCANA-DEMO/c/%00/", {}, 404),
        ("/repertory/search/", {"q": "x", "framework": "\x00"}, 400),
        ("/repertory/search/", {"q": "x", "kind": "\x00"}, 400),
    ],
)
def test_characters_no_database_stores_are_answered_not_crashed_on(client, demo, path, params, status):
    assert client.get(path, params, HTTP_ACCEPT_LANGUAGE="en").status_code == status
