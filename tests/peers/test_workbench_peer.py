"""Self-tests of the xblock-sdk workbench harness, with the SDK's own sample blocks (never Tosca's).

They prove the harness drives a real XBlock runtime in another process: handlers change state that a later
request reads back, user state is kept per student, summary state is shared, and requests without a CSRF token
are refused. Each test uses fresh student ids, since the workbench keeps its state for the whole session.
"""

from __future__ import annotations

import os
import re
import uuid
from importlib.metadata import EntryPoint
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import conftest
from tests.peers import workbench as harness
from tests.peers import workbench_fixtures
from tests.peers.workbench import WorkbenchError, WorkbenchServer, WorkbenchUnavailable, find_usage_ids
from tests.peers.workbench_services import StaffAwareUserService, xblock_user_for

if "tests.peers.workbench_fixtures" not in conftest.pytest_plugins:
    workbench = workbench_fixtures.workbench  # the fixture, until tests/conftest.py loads the plugin

THUMBS = "thumbs.0"  # "three thumbs at once": a vertical_demo holding three thumbs blocks
PROBLEM = "problem_demo.0"  # "problem with thumbs and textbox"


def student(prefix: str = "learner") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# -- against the running workbench ------------------------------------------------------------------------


def test_the_index_lists_the_scenarios_of_the_installed_blocks(workbench: WorkbenchServer) -> None:
    scenarios = workbench.scenario_ids()

    assert {THUMBS, PROBLEM} <= set(scenarios)
    assert workbench.report["user_service"] == harness.USER_SERVICE
    assert workbench.report["demo"].startswith("RRFP-TOSCANA-DEMO")
    assert workbench.startup_seconds is not None


def test_a_vote_is_stored_and_shared_by_every_student(workbench: WorkbenchServer) -> None:
    alice, bruno = workbench.session(student()), workbench.session(student())
    page = alice.render(THUMBS)
    thumbs = find_usage_ids(page, "thumbs")
    assert len(thumbs) == 3
    assert find_usage_ids(page, "vertical_demo") == [thumbs[0].split(".thumbs.")[0] + ".vertical_demo.d0.u0"]
    before = _counts(page, thumbs[0])

    after_alice = alice.call_json(thumbs[0], "vote", {"voteType": "up"})
    after_bruno = bruno.call_json(thumbs[0], "vote", {"voteType": "down"})

    assert after_alice == {"up": before["up"] + 1, "down": before["down"]}
    assert after_bruno == {"up": before["up"] + 1, "down": before["down"] + 1}  # user_state_summary: shared
    assert _counts(workbench.session(student()).render(THUMBS), thumbs[0]) == after_bruno
    assert _counts(page, thumbs[1]) == _counts(alice.render(THUMBS), thumbs[1])  # the other blocks: untouched


def test_user_state_belongs_to_one_student(workbench: WorkbenchServer) -> None:
    alice, bruno = workbench.session(student()), workbench.session(student())
    page = alice.render(PROBLEM)
    [problem] = find_usage_ids(page, "problem_demo")
    assert _typed_answer(page) == ""

    answer = alice.call_json(problem, "check", {"vote_count": [{"name": "input", "value": "4"}]})

    assert answer["submitResults"] == {"vote_count": None}
    assert _typed_answer(alice.render(PROBLEM)) == "4"  # stored for alice, read back in a later request
    assert _typed_answer(bruno.render(PROBLEM)) == ""  # and only for her


def test_a_handler_call_without_the_csrf_token_is_refused(workbench: WorkbenchServer) -> None:
    alice = workbench.session(student())
    [first, *_] = find_usage_ids(alice.render(THUMBS), "thumbs")
    before = alice.call_json(first, "vote", {"voteType": "up"})

    refused = alice.call(first, "vote", {"voteType": "up"}, csrf=False)
    forged = workbench.session(student()).call(first, "vote", {"voteType": "up"}, csrf=False)

    assert (refused.status_code, forged.status_code) == (403, 403)
    assert "CSRF" in refused.text
    assert alice.call_json(first, "vote", {"voteType": "down"}) == {"up": before["up"], "down": before["down"] + 1}


def test_a_session_needs_no_page_before_calling_a_handler(workbench: WorkbenchServer) -> None:
    [first, *_] = find_usage_ids(workbench.session(student()).render(THUMBS), "thumbs")
    fresh = workbench.session(student())

    answer = fresh.call(first, "vote", {"voteType": "up"})

    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"up", "down"}


def test_unknown_blocks_handlers_and_scenarios_are_errors(workbench: WorkbenchServer) -> None:
    alice = workbench.session(student())
    [first, *_] = find_usage_ids(alice.render(THUMBS), "thumbs")

    assert alice.call("no-such-scenario.thumbs.d0.u0", "vote", {"voteType": "up"}).status_code == 404
    # The SDK does not map XBlock's NoSuchHandlerError to a 404: a 500, with the error in the peer's log.
    assert alice.call(first, "no_such_handler", {}).status_code == 500
    assert "NoSuchHandlerError: Couldn't find handler 'no_such_handler'" in workbench.log_path.read_text()
    with pytest.raises(WorkbenchError, match=r"no scenario 'nowhere\.0'.*thumbs\.0"):
        alice.render("nowhere.0")


def test_handler_urls_carry_the_student(workbench: WorkbenchServer) -> None:
    alice = workbench.session("staff-ada")

    url = alice.handler_url("a-scenario.thumbs.d0.u0", "vote")

    assert url == f"{workbench.url}/handler/a-scenario.thumbs.d0.u0/vote/?student=staff-ada"
    assert alice.handler_url("x.tosca_competences", "save", aside=True).startswith(
        f"{workbench.url}/aside_handler/x.tosca_competences/save/?"
    )


def test_an_xblock_that_cannot_be_imported_stops_the_start_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workbench loads every XBlock class to list scenarios: one broken entry point breaks every page."""
    site = tmp_path / "site"
    distribution = site / "broken_blocks-1.0.dist-info"
    distribution.mkdir(parents=True)
    (distribution / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-blocks\nVersion: 1.0\n")
    (distribution / "entry_points.txt").write_text("[xblock.v1]\ntosca_broken = xblocks.nowhere:BrokenBlock\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))
    server = WorkbenchServer(load_demo=False)

    with pytest.raises(WorkbenchUnavailable) as failure:
        server.start(tmp_path / "workbench")

    assert "tosca_broken = xblocks.nowhere:BrokenBlock: ModuleNotFoundError" in str(failure.value)
    assert server.process is None


# -- the harness's parts, without a server --------------------------------------------------------------


def test_usage_ids_are_read_from_the_runtime_wrappers() -> None:
    html = (
        "<div class='vertical_demo' data-usage='s.vertical_demo.d0.u0' data-block-type='vertical_demo'>"
        "<div class='thumbs' data-usage='s.thumbs.d0.u0' data-block-type='thumbs' data-init='ThumbsBlock'></div>"
        '<div data-block-type="tosca_competences" data-usage="s.thumbs.d0.u0.tosca_competences"></div>'
        "<div class='thumbs' data-usage='s.thumbs.d1.u0' data-block-type='thumbs'></div></div>"
    )

    assert find_usage_ids(html, "thumbs") == ["s.thumbs.d0.u0", "s.thumbs.d1.u0"]
    assert find_usage_ids(html, "tosca_competences") == ["s.thumbs.d0.u0.tosca_competences"]
    assert find_usage_ids(html, "tosca_module") == []


def test_the_user_service_speaks_like_open_edx_and_follows_the_runtime() -> None:
    service = StaffAwareUserService()
    service.runtime = SimpleNamespace(user_id="staff-ada")
    staff = service.get_current_user().opt_attrs

    service.runtime.user_id = "giulia"
    learner = service.get_current_user()

    assert staff["edx-platform.user_is_staff"] is True
    assert staff["edx-platform.user_role"] == "staff"
    assert learner.opt_attrs["edx-platform.username"] == learner.opt_attrs["edx-platform.user_id"] == "giulia"
    assert learner.opt_attrs["edx-platform.user_is_staff"] is False
    assert learner.opt_attrs["edx-platform.user_role"] == "student"
    assert learner.is_current_user and learner.full_name and learner.emails
    assert service.get_anonymous_user_id("giulia", "course-v1:Tosca+Demo+2026") is None  # learners are not told
    assert xblock_user_for(None).opt_attrs == {"edx-platform.is_authenticated": False}


def test_entry_points_that_cannot_be_imported_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = EntryPoint("tosca_missing", "xblocks.blocks.nowhere:MissingBlock", "xblock.v1")
    working = EntryPoint("thumbs", "sample_xblocks.thumbs:ThumbsBlock", "xblock.v1")
    monkeypatch.setattr("importlib.metadata.entry_points", lambda group: [broken, working])

    problems = harness._broken_entry_points("xblock.v1")

    assert list(problems) == ["tosca_missing = xblocks.blocks.nowhere:MissingBlock"]
    assert "ModuleNotFoundError" in problems["tosca_missing = xblocks.blocks.nowhere:MissingBlock"]


def _counts(page: str, usage_id: str) -> dict[str, int]:
    """The up and down counts a thumbs block shows on a page."""
    block = re.search(
        rf"data-usage='{re.escape(usage_id)}'.*?<span class='upvote'><span class='count'>(\d+)</span>.*?"
        r"<span class='downvote'><span class='count'>(\d+)</span>",
        page,
        re.DOTALL,
    )
    assert block, f"no thumbs block {usage_id} on the page"
    return {"up": int(block[1]), "down": int(block[2])}


def _typed_answer(page: str) -> str:
    """What the text input of the problem scenario shows (the student's last answer)."""
    field = re.search(r"<input type='text' name='input' value='([^']*)'>", page)
    assert field, "no text input on the page"
    return field[1]
