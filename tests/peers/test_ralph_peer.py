"""The Ralph LRS test peer and the fault-injecting proxy: the harness works, and Ralph behaves as we rely on.

Each test uses fresh statement ids and its own activity IRI: Ralph keeps statements for the whole session.
"""

from __future__ import annotations

import socket
import sys
import uuid
from pathlib import Path

import pytest
import requests

from tests.peers import availability, fixtures, venvs
from tests.peers.faults import FaultyProxy
from tests.peers.ralph import COMPLETED, XAPI_VERSION, RalphServer, RalphUnavailable, xapi_statement

HEADERS = {"X-Experience-API-Version": XAPI_VERSION}


def unique_activity() -> str:
    return f"https://tosca.example.org/modules/{uuid.uuid4()}"


def ids(statements: list[dict]) -> list[str]:
    return sorted(statement["id"] for statement in statements)


# Patch a): the file-system backend appends.


def test_two_successive_posts_are_both_stored(ralph_server: RalphServer) -> None:
    activity = unique_activity()
    first, second = xapi_statement(activity=activity), xapi_statement(activity=activity)

    answers = [ralph_server.post_statements([first]), ralph_server.post_statements([second])]

    assert [answer.status_code for answer in answers] == [200, 200]
    assert [answer.json() for answer in answers] == [[first["id"]], [second["id"]]]
    assert ralph_server.get_statement(first["id"])["verb"]["id"] == COMPLETED
    assert ralph_server.get_statement(second["id"])["object"]["id"] == activity
    all_ids = {statement["id"] for statement in ralph_server.all_statements()}
    assert {first["id"], second["id"]} <= all_ids


def test_a_batch_is_stored_whole(ralph_server: RalphServer) -> None:
    activity = unique_activity()
    batch = [xapi_statement(activity=activity, learner=f"learner-{n}") for n in range(50)]

    answer = ralph_server.post_statements(batch)

    assert answer.status_code == 200
    assert sorted(answer.json()) == ids(batch)
    assert ids(ralph_server.statements_about_activity(activity)) == ids(batch)


# Patch b): ?verb= and ?activity= filters match.


def test_verb_filter_finds_statements_with_that_verb_only(ralph_server: RalphServer) -> None:
    verb = f"https://tosca.example.org/verbs/{uuid.uuid4()}"
    activity = unique_activity()
    with_verb = [xapi_statement(activity=activity, verb=verb) for _ in range(3)]
    completed = xapi_statement(activity=activity)
    assert ralph_server.post_statements([*with_verb, completed]).status_code == 200

    assert ids(ralph_server.statements_with_verb(verb)) == ids(with_verb)
    assert completed["id"] in {statement["id"] for statement in ralph_server.statements_with_verb(COMPLETED)}
    assert ralph_server.statements_with_verb(f"https://tosca.example.org/verbs/{uuid.uuid4()}") == []


def test_activity_filter_finds_statements_about_that_activity_only(ralph_server: RalphServer) -> None:
    activity, other = unique_activity(), unique_activity()
    about = [xapi_statement(activity=activity) for _ in range(2)]
    elsewhere = xapi_statement(activity=other)
    assert ralph_server.post_statements([*about, elsewhere]).status_code == 200

    assert ids(ralph_server.statements_about_activity(activity)) == ids(about)
    assert ids(ralph_server.statements_about_activity(other)) == [elsewhere["id"]]


def test_related_activities_filter_finds_statements_in_a_parent_activity(ralph_server: RalphServer) -> None:
    course = f"https://tosca.example.org/courses/{uuid.uuid4()}"
    in_course = xapi_statement(context={"contextActivities": {"parent": [{"id": course}]}})
    assert ralph_server.post_statements([in_course]).status_code == 200

    assert ralph_server.statements_about_activity(course) == []
    assert ids(ralph_server.statements_about_activity(course, related=True)) == [in_course["id"]]


def test_all_statements_follows_more_links_to_the_end(ralph_server: RalphServer) -> None:
    activity = unique_activity()
    batch = [xapi_statement(activity=activity) for _ in range(5)]
    assert ralph_server.post_statements(batch).status_code == 200
    first_page = requests.get(
        ralph_server.statements_url,
        params={"activity": activity, "limit": 2},
        auth=ralph_server.auth,
        headers=HEADERS,
        timeout=30,
    ).json()
    assert len(first_page["statements"]) == 2
    assert first_page["more"].startswith("/xAPI/statements")

    assert ids(ralph_server.query_statements(activity=activity, limit="2")) == ids(batch)


# Idempotency: what a retrying client sees.


def test_reposting_an_identical_statement_answers_204_and_stores_nothing_new(ralph_server: RalphServer) -> None:
    activity = unique_activity()
    statement = xapi_statement(activity=activity)
    assert ralph_server.post_statements([statement]).status_code == 200
    stored = ralph_server.get_statement(statement["id"])

    again = ralph_server.post_statements([statement])

    assert again.status_code == 204
    assert again.content == b""
    assert ids(ralph_server.statements_about_activity(activity)) == [statement["id"]]
    assert ralph_server.get_statement(statement["id"]) == stored  # same "stored" time: not written again


def test_a_batch_mixing_a_stored_and_a_new_statement_answers_200_with_only_the_new_id(
    ralph_server: RalphServer,
) -> None:
    activity = unique_activity()
    stored, new = xapi_statement(activity=activity), xapi_statement(activity=activity)
    assert ralph_server.post_statements([stored]).status_code == 200

    answer = ralph_server.post_statements([stored, new])

    assert answer.status_code == 200
    assert answer.json() == [new["id"]]
    assert ids(ralph_server.statements_about_activity(activity)) == ids([stored, new])


def test_same_id_with_a_different_field_answers_409_and_keeps_the_first(ralph_server: RalphServer) -> None:
    activity = unique_activity()
    statement = xapi_statement(activity=activity, result={"completion": True})
    assert ralph_server.post_statements([statement]).status_code == 200

    changed = {**statement, "result": {"completion": True, "score": {"scaled": 0.5}}}
    answer = ralph_server.post_statements([changed])

    assert answer.status_code == 409
    assert statement["id"] in answer.json()["detail"]
    assert ralph_server.get_statement(statement["id"])["result"] == {"completion": True}


def test_reposting_a_statement_without_client_timestamp_answers_409(ralph_server: RalphServer) -> None:
    """Ralph stamps `timestamp` on first receipt, so an identical retry differs from what it stored."""
    statement = xapi_statement(with_timestamp=False)
    assert ralph_server.post_statements([statement]).status_code == 200
    assert "timestamp" in ralph_server.get_statement(statement["id"])

    assert ralph_server.post_statements([statement]).status_code == 409


def test_a_batch_with_one_conflicting_statement_stores_nothing(ralph_server: RalphServer) -> None:
    activity = unique_activity()
    stored = xapi_statement(activity=activity)
    assert ralph_server.post_statements([stored]).status_code == 200
    new = xapi_statement(activity=activity)

    answer = ralph_server.post_statements([new, {**stored, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}])

    assert answer.status_code == 409
    assert ids(ralph_server.statements_about_activity(activity)) == [stored["id"]]


def test_unknown_statement_id_reads_as_none(ralph_server: RalphServer) -> None:
    assert ralph_server.get_statement(str(uuid.uuid4())) is None


# Authentication.


@pytest.mark.parametrize("auth", [None, ("tosca", "wrong-password"), ("nobody", "x")], ids=["none", "bad", "unknown"])
def test_requests_without_valid_credentials_get_401(ralph_server: RalphServer, auth: tuple[str, str] | None) -> None:
    statement = xapi_statement()
    post = requests.post(ralph_server.statements_url, json=[statement], auth=auth, headers=HEADERS, timeout=30)
    get = requests.get(ralph_server.statements_url, auth=auth, headers=HEADERS, timeout=30)

    assert (post.status_code, get.status_code) == (401, 401)
    assert ralph_server.get_statement(statement["id"]) is None


# The fault-injecting proxy.


def post_through(proxy: FaultyProxy, ralph: RalphServer, statements: list[dict], timeout: float = 30):
    return requests.post(proxy.url + "statements", json=statements, auth=ralph.auth, headers=HEADERS, timeout=timeout)


def test_proxy_url_mirrors_the_upstream_path(faulty_proxy: FaultyProxy, ralph_server: RalphServer) -> None:
    assert faulty_proxy.url.startswith("http://127.0.0.1:")
    assert faulty_proxy.url.endswith("/xAPI/")
    assert faulty_proxy.port != ralph_server.port


def test_proxy_in_pass_mode_forwards_requests_and_answers(faulty_proxy: FaultyProxy, ralph_server: RalphServer) -> None:
    activity = unique_activity()
    statement = xapi_statement(activity=activity)

    stored = post_through(faulty_proxy, ralph_server, [statement])
    again = post_through(faulty_proxy, ralph_server, [statement])
    query = requests.get(
        faulty_proxy.url + "statements", params={"activity": activity}, auth=ralph_server.auth, timeout=30
    )
    anonymous = requests.get(faulty_proxy.url + "statements", timeout=30)

    assert (stored.status_code, stored.json()) == (200, [statement["id"]])
    assert (again.status_code, again.content) == (204, b"")
    assert query.status_code == 200
    assert ids(query.json()["statements"]) == [statement["id"]]
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == "Basic"
    assert faulty_proxy.seen["pass"] == faulty_proxy.forwarded == 4


def test_proxy_in_down_mode_closes_the_connection(faulty_proxy: FaultyProxy, ralph_server: RalphServer) -> None:
    statement = xapi_statement()
    faulty_proxy.mode = "down"

    with pytest.raises(requests.ConnectionError):
        post_through(faulty_proxy, ralph_server, [statement])

    assert (faulty_proxy.seen["down"], faulty_proxy.forwarded) == (1, 0)
    assert ralph_server.get_statement(statement["id"]) is None


def test_proxy_in_error500_mode_answers_500(faulty_proxy: FaultyProxy, ralph_server: RalphServer) -> None:
    statement = xapi_statement()
    faulty_proxy.mode = "error500"

    answer = post_through(faulty_proxy, ralph_server, [statement])

    assert answer.status_code == 500
    assert (faulty_proxy.seen["error500"], faulty_proxy.forwarded) == (1, 0)
    assert ralph_server.get_statement(statement["id"]) is None


def test_proxy_in_slow_mode_makes_a_short_timeout_client_time_out(
    faulty_proxy: FaultyProxy, ralph_server: RalphServer
) -> None:
    statement = xapi_statement()
    faulty_proxy.mode = "slow"

    with pytest.raises(requests.Timeout):
        post_through(faulty_proxy, ralph_server, [statement], timeout=1)

    assert (faulty_proxy.seen["slow"], faulty_proxy.forwarded) == (1, 0)
    assert ralph_server.get_statement(statement["id"]) is None


def test_proxy_in_slow_mode_answers_504_after_the_delay(faulty_proxy: FaultyProxy, ralph_server: RalphServer) -> None:
    faulty_proxy.mode, faulty_proxy.delay = "slow", 0.2

    assert post_through(faulty_proxy, ralph_server, [xapi_statement()], timeout=10).status_code == 504


def test_proxy_in_lost_answer_mode_stores_then_drops_the_answer(
    faulty_proxy: FaultyProxy, ralph_server: RalphServer
) -> None:
    activity = unique_activity()
    statement = xapi_statement(activity=activity)
    faulty_proxy.mode = "lost_answer"

    with pytest.raises(requests.ConnectionError):
        post_through(faulty_proxy, ralph_server, [statement])

    assert faulty_proxy.forwarded == 1
    assert ids(ralph_server.statements_about_activity(activity)) == [statement["id"]]


def test_a_retry_through_every_fault_stores_each_statement_exactly_once(
    faulty_proxy: FaultyProxy, ralph_server: RalphServer
) -> None:
    """What a delivering client must achieve: retry the same batch until an answer says it is stored."""
    activity = unique_activity()
    batch = [xapi_statement(activity=activity) for _ in range(3)]
    faulty_proxy.delay = 2
    answers = []
    for mode in ["down", "error500", "slow", "lost_answer", "pass", "pass"]:
        faulty_proxy.mode = mode
        try:
            answers.append(post_through(faulty_proxy, ralph_server, batch, timeout=1).status_code)
        except requests.RequestException as error:
            answers.append(type(error).__name__)

    assert answers == ["ConnectionError", 500, "ReadTimeout", "ConnectionError", 204, 204]
    assert ids(ralph_server.statements_about_activity(activity)) == ids(batch)


# The harness's own failures are explicit.


def test_a_failing_install_step_raises_naming_the_step_and_its_output() -> None:
    expected = r"pip install ralph-malph failed with exit status 1:\n.*no such version"
    with pytest.raises(RalphUnavailable, match=expected):
        venvs.run_step(
            [sys.executable, "-c", "import sys; sys.exit('no such version')"],
            "pip install ralph-malph",
            RalphUnavailable,
            60,
        )


def test_a_ralph_that_dies_while_starting_raises_with_its_output(ralph_server: RalphServer, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(RalphUnavailable, match=r"(?s)Ralph exited with status \d+ while starting:.*address"):
            RalphServer().start(tmp_path, port=taken.getsockname()[1])


def test_an_unavailable_peer_skips_but_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(availability, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="unavailable: no network"):
        fixtures._unavailable("no network")
    monkeypatch.setattr(availability, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true but the Ralph LRS test peer is unavailable: no network"):
        fixtures._unavailable("no network")
