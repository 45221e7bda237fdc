"""The SCORM player peer: scorm-again, a real SCORM 1.2 / 2004 run-time, in a player page that frames a SCO.

The SCOs here are tiny hand-written pages, each written into the test's tmp_path with a minimal imsmanifest.xml:
they find the API up the window.parent chain, as the ADL's discovery algorithm does, and call it. The tests then
read what the run-time holds (``runtime_state``) and what it committed to the player's server (``player.commits``).
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from selenium.webdriver.common.by import By

from tests.peers.scorm_player import (
    CONTENT_TYPES,
    ScormPlayer,
    ScormPlayerError,
    calls_of,
    resume_data,
    runtime_state,
    wait_for_call,
    wait_until,
)

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

PlayerFactory = Callable[..., ScormPlayer]

MANIFEST = {
    "1.2": """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="peer-test-12" version="1.0" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Peer test</title>
    <item identifier="item" identifierref="sco"><title>SCO</title></item></organization></organizations>
  <resources><resource identifier="sco" type="webcontent" adlcp:scormtype="sco" href="sco.html">
    <file href="sco.html"/></resource></resources>
</manifest>
""",
    "2004": """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="peer-test-2004" version="1.0" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Peer test</title>
    <item identifier="item" identifierref="sco"><title>SCO</title></item></organization></organizations>
  <resources><resource identifier="sco" type="webcontent" adlcp:scormType="sco" href="sco.html">
    <file href="sco.html"/></resource></resources>
</manifest>
""",
}

# The ADL's API discovery: up the parent chain (at most 7 steps), then the opener's. `api` is then the SCO's API
# and `depth` how many windows up it was found; the page shows both.
SCO_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>SCO</title></head>
<body>
<p id="found">no API</p>
<script>
function findAPI(win, name) {
  let depth = 0;
  while (win[name] == null && win.parent != null && win.parent !== win) {
    if (++depth > 7) { return [null, depth]; }
    win = win.parent;
  }
  return [win[name] || null, depth];
}
let [api, depth] = findAPI(window, "__API_NAME__");
if (!api && window.opener) { [api, depth] = findAPI(window.opener, "__API_NAME__"); }
document.getElementById("found").textContent = api ? "API found " + depth + " window(s) up" : "no API";
__BODY__
</script>
</body>
</html>
"""

API_NAME = {"1.2": "API", "2004": "API_1484_11"}

SCO_12_PASSES = """
api.LMSInitialize("");
document.title = "SCO for " + api.LMSGetValue("cmi.core.student_name");
api.LMSSetValue("cmi.core.lesson_status", "passed");
api.LMSSetValue("cmi.core.score.raw", "80");
api.LMSSetValue("cmi.objectives.0.id", "obj-quiz");
api.LMSSetValue("cmi.objectives.0.status", "passed");
api.LMSCommit("");
api.LMSFinish("");
"""

SCO_2004_PASSES = """
api.Initialize("");
document.title = "SCO in mode " + api.GetValue("cmi.mode");
api.SetValue("cmi.completion_status", "completed");
api.SetValue("cmi.success_status", "passed");
api.SetValue("cmi.score.scaled", "0.8");
api.SetValue("cmi.objectives.0.id", "obj-quiz");
api.SetValue("cmi.objectives.0.success_status", "passed");
api.Commit("");
api.Terminate("");
"""


def write_package(folder: Path, version: str, body: str, *, name: str = "sco.html") -> Path:
    """An extracted package in `folder`: a minimal manifest and one SCO whose script, after discovery, is `body`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "imsmanifest.xml").write_text(MANIFEST[version], encoding="utf-8")
    page = SCO_PAGE.replace("__API_NAME__", API_NAME[version]).replace("__BODY__", body)
    (folder / name).write_text(page, encoding="utf-8")
    return folder


def beacon_payloads(player: ScormPlayer) -> list[dict]:
    return [request.payload for request in player.requests if request.is_beacon]


# -- a SCO reports to the run-time ---------------------------------------------------------------------------------


def test_a_scorm_12_sco_finds_the_api_and_its_status_score_and_objective_reach_the_runtime_and_the_commits(
    browser: WebDriver, scorm_player: PlayerFactory, tmp_path: Path
) -> None:
    player = scorm_player(write_package(tmp_path, "1.2", SCO_12_PASSES), "1.2")

    player.open(browser, "sco.html", cmi={"cmi.core.student_name": "Rossi, Anna", "cmi.core.student_id": "42"})
    wait_for_call(browser, "LMSFinish")

    browser.switch_to.frame("sco")
    assert browser.find_element(By.ID, "found").text == "API found 1 window(s) up"
    assert browser.execute_script("return document.title") == "SCO for Rossi, Anna"
    state = runtime_state(browser, "1.2")  # the helpers read the player page from inside the frame too
    browser.switch_to.default_content()
    assert runtime_state(browser, "1.2") == state

    assert state["state"] == "terminated"
    assert state["errors"] == []
    cmi = state["cmi"]
    assert cmi["cmi.core.lesson_status"] == "passed"
    assert cmi["cmi.core.score.raw"] == "80"
    assert (cmi["cmi.objectives.0.id"], cmi["cmi.objectives.0.status"]) == ("obj-quiz", "passed")
    assert calls_of(state) == [
        ["LMSInitialize"],
        ["LMSSetValue", "cmi.core.lesson_status", "passed"],
        ["LMSSetValue", "cmi.core.score.raw", "80"],
        ["LMSSetValue", "cmi.objectives.0.id", "obj-quiz"],
        ["LMSSetValue", "cmi.objectives.0.status", "passed"],
        ["LMSCommit"],
        ["LMSFinish"],
    ]
    assert calls_of(state, "LMSGetValue") == [["LMSGetValue", "cmi.core.student_name"]]
    assert state["outcomes"][1] == {
        "call": ["LMSGetValue", "cmi.core.student_name"],
        "returned": "Rossi, Anna",
        "error": "0",
    }

    # LMSCommit is a synchronous JSON POST; LMSFinish's commit is a text/plain beacon, sent as the page may go away.
    commits = player.wait_for_commits(2)
    requests = player.requests
    assert [request.is_beacon for request in requests] == [False, True]
    assert requests[0].content_type.startswith("application/json")
    print("SCORM 1.2 commit of LMSCommit:", json.dumps(commits[0], indent=2), sep="\n")
    core = commits[0]["cmi"]["core"]
    assert (core["lesson_status"], core["score"]["raw"]) == ("passed", "80")
    assert commits[0]["cmi"]["objectives"]["0"] == {
        "id": "obj-quiz",
        "status": "passed",
        "score": {"raw": "", "min": "", "max": "100"},
    }
    assert commits[1]["cmi"]["core"]["lesson_status"] == "passed"
    assert commits[1]["cmi"]["core"]["total_time"] == "00:00:00"  # only the commit of LMSFinish carries it


def test_a_scorm_2004_sco_finds_the_api_and_its_statuses_scaled_score_and_objective_reach_the_runtime_and_commits(
    browser: WebDriver, scorm_player: PlayerFactory, tmp_path: Path
) -> None:
    player = scorm_player(write_package(tmp_path, "2004", SCO_2004_PASSES), "2004")

    player.open(browser, "sco.html")
    wait_for_call(browser, "Terminate")
    assert wait_until(browser, "return window.top.API_1484_11.cmi.success_status === 'passed'")

    browser.switch_to.frame("sco")
    assert browser.find_element(By.ID, "found").text == "API found 1 window(s) up"
    # scorm-again's own cmi.mode, when the launch gives none
    assert browser.execute_script("return document.title") == "SCO in mode normal"
    browser.switch_to.default_content()
    state = runtime_state(browser, "2004")
    assert state["state"] == "terminated"
    assert state["errors"] == []
    cmi = state["cmi"]
    assert (cmi["cmi.completion_status"], cmi["cmi.success_status"]) == ("completed", "passed")
    assert cmi["cmi.score.scaled"] == "0.8"
    assert (cmi["cmi.objectives.0.id"], cmi["cmi.objectives.0.success_status"]) == ("obj-quiz", "passed")
    assert calls_of(state) == [
        ["Initialize"],
        ["SetValue", "cmi.completion_status", "completed"],
        ["SetValue", "cmi.success_status", "passed"],
        ["SetValue", "cmi.score.scaled", "0.8"],
        ["SetValue", "cmi.objectives.0.id", "obj-quiz"],
        ["SetValue", "cmi.objectives.0.success_status", "passed"],
        ["Commit"],
        ["Terminate"],
    ]

    commits = player.wait_for_commits(2)
    assert [request.is_beacon for request in player.requests] == [False, True]
    print("SCORM 2004 commit of Commit:", json.dumps(commits[0], indent=2), sep="\n")
    for commit in commits:
        assert commit["cmi"]["completion_status"] == "completed"
        assert commit["cmi"]["success_status"] == "passed"
        assert commit["cmi"]["score"]["scaled"] == "0.8"
        assert commit["cmi"]["objectives"]["0"]["id"] == "obj-quiz"
        assert commit["cmi"]["objectives"]["0"]["success_status"] == "passed"
    assert "total_time" not in commits[0]["cmi"]
    assert commits[1]["cmi"]["total_time"].startswith("PT")


def test_a_sco_that_never_sets_its_status_is_seen_not_attempted_so_an_assertion_of_passed_would_fail(
    browser: WebDriver, scorm_player: PlayerFactory, tmp_path: Path
) -> None:
    body = 'api.LMSInitialize(""); api.LMSSetValue("cmi.core.score.raw", "80"); api.LMSFinish("");'
    player = scorm_player(write_package(tmp_path, "1.2", body), "1.2")

    player.open(browser, "sco.html")
    wait_for_call(browser, "LMSFinish")

    state = runtime_state(browser)
    assert calls_of(state, "LMSSetValue") == [["LMSSetValue", "cmi.core.score.raw", "80"]]
    # scorm-again 3.4.3 leaves it "not attempted": it means to make it "incomplete" at LMSFinish when the SCO set
    # no status, but takes its own initial "not attempted" for a status the SCO set.
    assert state["cmi"]["cmi.core.lesson_status"] == "not attempted"
    assert player.wait_for_commits(1)[-1]["cmi"]["core"]["lesson_status"] == "not attempted"
    with pytest.raises(AssertionError):
        assert state["cmi"]["cmi.core.lesson_status"] == "passed"


def test_a_sco_that_never_initializes_leaves_the_runtime_untouched_and_commits_nothing(
    browser: WebDriver, scorm_player: PlayerFactory, tmp_path: Path
) -> None:
    player = scorm_player(write_package(tmp_path, "2004", "/* forgets to call Initialize */"), "2004")

    player.open(browser, "sco.html")

    state = runtime_state(browser)
    assert (state["state"], state["calls"], player.commits) == ("not initialized", [], [])
    with pytest.raises(TimeoutError, match=r"no \['Terminate'\] call within 0.3s"):
        wait_for_call(browser, "Terminate", timeout=0.3)


def test_refused_calls_are_listed_with_their_error_codes(
    browser: WebDriver, scorm_player: PlayerFactory, tmp_path: Path
) -> None:
    body = """
    api.Initialize("");
    api.SetValue("cmi.mode", "review");           // read-only: 404
    api.SetValue("cmi.score.scaled", "1.5");      // out of range: 407
    api.Terminate("");
    api.Commit("");                               // after Terminate: 143
    """
    player = scorm_player(write_package(tmp_path, "2004", body), "2004")

    player.open(browser, "sco.html")
    wait_for_call(browser, "Commit")

    errors = runtime_state(browser)["errors"]
    assert [(error["call"], error["returned"], error["error"]) for error in errors] == [
        (["SetValue", "cmi.mode", "review"], "false", "404"),
        (["SetValue", "cmi.score.scaled", "1.5"], "false", "407"),
        (["Commit"], "false", "143"),
    ]
    assert errors[0]["message"] == "Data Model Element Is Read Only"


# -- what the LMS gives the SCO --------------------------------------------------------------------------------------


# A SCO that suspends on its first launch and, resumed, reads back what it left.
SCO_RESUMES = {
    "1.2": """
    api.LMSInitialize("");
    if (api.LMSGetValue("cmi.core.entry") === "resume") {
      for (const element of ["cmi.core.lesson_location", "cmi.suspend_data", "cmi.core.lesson_status",
                             "cmi.core.score.raw", "cmi.objectives.0.id", "cmi.core.lesson_mode"]) {
        api.LMSGetValue(element);
      }
    } else {
      api.LMSSetValue("cmi.core.lesson_location", "page-3");
      api.LMSSetValue("cmi.suspend_data", "answers=1,2");
      api.LMSSetValue("cmi.core.lesson_status", "incomplete");
      api.LMSSetValue("cmi.core.score.raw", "40");
      api.LMSSetValue("cmi.objectives.0.id", "obj-quiz");
      api.LMSSetValue("cmi.core.exit", "suspend");
      api.LMSFinish("");
    }
    """,
    "2004": """
    api.Initialize("");
    if (api.GetValue("cmi.entry") === "resume") {
      for (const element of ["cmi.location", "cmi.suspend_data", "cmi.completion_status", "cmi.score.scaled",
                             "cmi.objectives.0.id", "cmi.mode"]) {
        api.GetValue(element);
      }
    } else {
      api.SetValue("cmi.location", "page-3");
      api.SetValue("cmi.suspend_data", "answers=1,2");
      api.SetValue("cmi.completion_status", "incomplete");
      api.SetValue("cmi.score.scaled", "0.4");
      api.SetValue("cmi.objectives.0.id", "obj-quiz");
      api.SetValue("cmi.exit", "suspend");
      api.Terminate("");
    }
    """,
}
RESUMED = {
    "1.2": {
        "cmi.core.lesson_location": "page-3",
        "cmi.suspend_data": "answers=1,2",
        "cmi.core.lesson_status": "incomplete",
        "cmi.core.score.raw": "40",
        "cmi.objectives.0.id": "obj-quiz",
        "cmi.core.lesson_mode": "normal",
    },
    "2004": {
        "cmi.location": "page-3",
        "cmi.suspend_data": "answers=1,2",
        "cmi.completion_status": "incomplete",
        "cmi.score.scaled": "0.4",
        "cmi.objectives.0.id": "obj-quiz",
        "cmi.mode": "normal",
    },
}


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_a_suspended_sco_resumes_from_what_it_committed(
    browser: WebDriver, scorm_player: PlayerFactory, tmp_path: Path, version: str
) -> None:
    player = scorm_player(write_package(tmp_path, version, SCO_RESUMES[version]), version)
    entry = {"1.2": "cmi.core.entry", "2004": "cmi.entry"}[version]
    finish = {"1.2": "LMSFinish", "2004": "Terminate"}[version]
    get_value = {"1.2": "LMSGetValue", "2004": "GetValue"}[version]
    player.open(browser, "sco.html")
    wait_for_call(browser, finish)
    assert runtime_state(browser)["outcomes"][1] == {"call": [get_value, entry], "returned": "", "error": "0"}
    resume = resume_data(player.wait_for_commits(1)[-1], version)
    assert resume[entry] == "resume"

    player.open(browser, "sco.html", cmi=resume)
    wait_for_call(browser, get_value, next(iter(RESUMED[version])))
    wait_for_call(browser, get_value, list(RESUMED[version])[-1])

    state = runtime_state(browser)
    read = {outcome["call"][1]: outcome["returned"] for outcome in state["outcomes"][2:]}
    assert read == RESUMED[version]
    assert state["errors"] == []


@pytest.mark.parametrize(
    ("player_settings", "status"),
    [({}, "failed"), ({"mastery_override": False}, "passed")],
    ids=["mastery-override", "without-mastery-override"],
)
def test_with_credit_and_a_mastery_score_scorm_again_judges_a_12_status_by_the_raw_score_at_finish(
    browser: WebDriver, scorm_player: PlayerFactory, tmp_path: Path, player_settings: dict, status: str
) -> None:
    lms = {"cmi.core.credit": "credit", "cmi.student_data.mastery_score": "90"}  # the manifest's masteryscore
    player = scorm_player(write_package(tmp_path, "1.2", SCO_12_PASSES), "1.2", cmi=lms, settings=player_settings)

    player.open(browser, "sco.html")
    wait_for_call(browser, "LMSFinish")

    assert runtime_state(browser)["cmi"]["cmi.core.lesson_status"] == status  # the SCO said passed, with 80
    assert [commit["cmi"]["core"]["lesson_status"] for commit in player.wait_for_commits(2)] == ["passed", status]


def test_an_empty_cmi_mode_can_be_given_although_scorm_again_would_refuse_it(
    browser: WebDriver, scorm_player: PlayerFactory, tmp_path: Path
) -> None:
    body = 'api.Initialize(""); api.GetValue("cmi.mode"); api.SetValue("cmi.mode", "normal");'
    player = scorm_player(write_package(tmp_path, "2004", body), "2004")

    player.open(browser, "sco.html", unvalidated={"cmi.mode": ""})
    wait_for_call(browser, "SetValue")

    outcomes = runtime_state(browser)["outcomes"]
    assert outcomes[1] == {"call": ["GetValue", "cmi.mode"], "returned": "", "error": "0"}
    assert (outcomes[2]["returned"], outcomes[2]["error"]) == ("false", "404")  # still read-only for the SCO


def test_cmi_data_scorm_again_refuses_or_a_missing_launch_file_stops_the_player_with_the_reason(
    browser: WebDriver, scorm_player: PlayerFactory, tmp_path: Path
) -> None:
    player = scorm_player(write_package(tmp_path, "1.2", 'api.LMSInitialize("");'), "1.2")

    refused = r"refused the CMI data to load: cmi\.core\.lesson_status : Incorrect Data Type \(error 405\)"
    with pytest.raises(ScormPlayerError, match=refused):
        player.open(browser, "sco.html", cmi={"cmi.core.lesson_status": "done"})
    with pytest.raises(ScormPlayerError, match=r"no such element in scorm-again: cmi\.core\.moode"):
        player.open(browser, "sco.html", unvalidated={"cmi.core.moode": ""})
    with pytest.raises(ScormPlayerError, match=r"'index\.html' is not a file of the package"):
        player.open(browser, "index.html")


def test_the_launch_href_keeps_its_query_string(
    browser: WebDriver, scorm_player: PlayerFactory, tmp_path: Path
) -> None:
    body = 'document.getElementById("found").textContent = location.pathname + location.search;'
    player = scorm_player(write_package(tmp_path, "1.2", body, name="lesson one.html"), "1.2")

    player.open(browser, "lesson one.html?lang=it&page=2")

    browser.switch_to.frame("sco")
    assert browser.find_element(By.ID, "found").text == "/package/lesson%20one.html?lang=it&page=2"


# -- the learner leaves ----------------------------------------------------------------------------------------------

SCO_SUSPENDS_ON_PAGEHIDE = """
api.LMSInitialize("");
api.LMSSetValue("cmi.core.lesson_status", "incomplete");
window.addEventListener("pagehide", function () {
  api.LMSSetValue("cmi.core.lesson_location", "page-3");
  api.LMSSetValue("cmi.suspend_data", "answers=1,2");
  api.LMSSetValue("cmi.core.exit", "suspend");
  __ON_PAGEHIDE__
});
"""


def test_what_a_sco_finishes_with_on_pagehide_is_committed_when_the_learner_leaves(
    browser: WebDriver, scorm_player: PlayerFactory, tmp_path: Path
) -> None:
    body = SCO_SUSPENDS_ON_PAGEHIDE.replace("__ON_PAGEHIDE__", 'api.LMSFinish("");')
    player = scorm_player(write_package(tmp_path, "1.2", body), "1.2")
    player.open(browser, "sco.html")
    wait_for_call(browser, "LMSSetValue", "cmi.core.lesson_status")
    assert player.commits == []

    player.leave(browser)

    commit = player.wait_for_commits(1)[0]
    assert player.requests[0].is_beacon
    assert commit["cmi"]["core"]["lesson_location"] == "page-3"
    assert commit["cmi"]["core"]["exit"] == "suspend"
    assert commit["cmi"]["suspend_data"] == "answers=1,2"
    assert browser.current_url == player.left_url


@pytest.mark.parametrize(
    ("player_settings", "committed"),
    [({}, False), ({"useAsynchronousCommits": True}, True)],
    ids=["synchronous-commits-are-lost", "asynchronous-commits-arrive"],
)
def test_a_sco_that_only_commits_on_pagehide_depends_on_how_the_lms_sends_commits(
    browser: WebDriver, scorm_player: PlayerFactory, tmp_path: Path, player_settings: dict, committed: bool
) -> None:
    # Chromium refuses a synchronous XMLHttpRequest while a page is being dismissed: LMSCommit then answers
    # "false" (101) and nothing arrives. With useAsynchronousCommits scorm-again sends a keepalive fetch, which does.
    on_pagehide = """
      const result = [api.LMSCommit(""), api.LMSGetLastError()];
      navigator.sendBeacon("/commit?probe", JSON.stringify({probe: result}));
    """
    body = SCO_SUSPENDS_ON_PAGEHIDE.replace("__ON_PAGEHIDE__", on_pagehide)
    player = scorm_player(write_package(tmp_path, "1.2", body), "1.2", settings=player_settings)
    player.open(browser, "sco.html")
    wait_for_call(browser, "LMSSetValue", "cmi.core.lesson_status")

    player.leave(browser)

    payloads = player.wait_for_commits(2 if committed else 1)
    probe = next(payload["probe"] for payload in payloads if "probe" in payload)
    lms_commits = [payload for payload in payloads if "cmi" in payload]
    if committed:
        assert probe == ["true", "0"]
        assert lms_commits[0]["cmi"]["core"]["lesson_location"] == "page-3"
    else:
        assert probe == ["false", "101"]
        assert lms_commits == []


def test_a_failing_lms_makes_the_scos_commit_answer_false(
    browser: WebDriver, scorm_player: PlayerFactory, tmp_path: Path
) -> None:
    body = 'api.Initialize(""); api.SetValue("cmi.location", "page-1"); api.Commit("");'
    player = scorm_player(write_package(tmp_path, "2004", body), "2004")
    player.commit_answer = (500, {})

    player.open(browser, "sco.html")
    wait_for_call(browser, "Commit")
    outcome = runtime_state(browser)["outcomes"][-1]
    assert (outcome["call"], outcome["returned"], outcome["error"]) == (["Commit"], "false", "101")
    assert player.commits[0]["cmi"]["location"] == "page-1"  # it did arrive; the LMS said no

    player.commit_answer = (200, {"result": False, "errorCode": 391})
    player.open(browser, "sco.html")
    wait_for_call(browser, "Commit")
    outcome = runtime_state(browser)["outcomes"][-1]
    assert (outcome["returned"], outcome["error"]) == ("false", "391")


# -- the player's server ---------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def get(player: ScormPlayer, path: str, headers: dict[str, str] | None = None) -> Answer:
    """A raw request: http.client sends the path as written, "../" included."""
    host, port = player.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


def test_package_files_are_served_with_their_content_types_and_nothing_outside_the_package(
    scorm_player: PlayerFactory, tmp_path: Path
) -> None:
    package = write_package(tmp_path / "package", "1.2", "")
    (package / "media").mkdir()
    for name in ("captions.vtt", "clip.mp4", "style.css", "app.js", "poster.png"):
        (package / "media" / name).write_bytes(b"0123456789")
    (tmp_path / "secret.txt").write_text("not for the SCO")
    player = scorm_player(package, "1.2")

    expected = {
        "/package/sco.html": CONTENT_TYPES[".html"],
        "/package/imsmanifest.xml": "application/xml",
        "/package/media/captions.vtt": "text/vtt; charset=utf-8",
        "/package/media/clip.mp4": "video/mp4",
        "/package/media/style.css": "text/css; charset=utf-8",
        "/package/media/app.js": "text/javascript; charset=utf-8",
        "/package/media/poster.png": "image/png",
        "/scorm-again.js": "text/javascript; charset=utf-8",
        "/left.html": "text/html; charset=utf-8",
    }
    for path, content_type in expected.items():
        answer = get(player, path)
        assert (answer.status, answer.headers["Content-Type"]) == (200, content_type), path
    assert CONTENT_TYPES[".html"] == "text/html; charset=utf-8"
    assert b"Scorm2004API" in get(player, "/scorm-again.js").body

    for path in (
        "/package/missing.html",
        "/package/media",
        "/package/../secret.txt",
        "/package/%2e%2e/secret.txt",
        "/package/media/../../secret.txt",
        "/secret.txt",
        "/player.html",
    ):
        assert get(player, path).status in (400, 404), path


def test_a_range_of_a_video_is_served_for_seeking(scorm_player: PlayerFactory, tmp_path: Path) -> None:
    package = write_package(tmp_path, "2004", "")
    (package / "clip.mp4").write_bytes(bytes(range(100)))
    player = scorm_player(package, "2004")

    partial = get(player, "/package/clip.mp4", {"Range": "bytes=10-19"})
    assert (partial.status, partial.headers["Content-Range"]) == (206, "bytes 10-19/100")
    assert partial.body == bytes(range(10, 20))
    assert get(player, "/package/clip.mp4", {"Range": "bytes=-5"}).body == bytes(range(95, 100))
    assert get(player, "/package/clip.mp4", {"Range": "bytes=200-"}).status == 416


def test_the_commit_endpoint_records_json_of_any_content_type_and_refuses_what_is_not_json(
    scorm_player: PlayerFactory, tmp_path: Path
) -> None:
    player = scorm_player(write_package(tmp_path, "1.2", ""), "1.2")
    host, port = player.base_url.removeprefix("http://").split(":")

    answers = []
    for body, content_type in (('{"cmi": {"core": {}}}', "text/plain;charset=UTF-8"), ("not json", "text/plain")):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("POST", "/commit?terminate=true", body=body, headers={"Content-Type": content_type})
        response = connection.getresponse()
        answers.append((response.status, json.loads(response.read())))
        connection.close()

    assert answers == [(200, {"result": True, "errorCode": 0}), (400, {"result": False, "errorCode": 101})]
    assert player.commits == [{"cmi": {"core": {}}}, None]
    first, second = player.requests
    assert (first.is_beacon, first.query, second.body) == (True, "terminate=true", "not json")


def test_a_player_refuses_an_unknown_version_a_missing_folder_and_a_launch_outside_the_package(
    scorm_player: PlayerFactory, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=r"unknown SCORM version '1\.3'"):
        scorm_player(tmp_path, "1.3")
    with pytest.raises(ValueError, match="is not a folder"):
        scorm_player(tmp_path / "missing", "1.2")
    player = scorm_player(tmp_path, "1.2")
    for launch in ("/sco.html", "../sco.html", "http://example.org/sco.html"):
        with pytest.raises(ValueError, match="relative to the package"):
            player.url(launch)


# -- failing clearly -------------------------------------------------------------------------------------------------


def test_an_unavailable_player_skips_the_test_but_fails_it_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.peers import availability, scorm_fixtures

    monkeypatch.setattr(availability, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="unavailable: no npm"):
        scorm_fixtures._unavailable("no npm")

    monkeypatch.setattr(availability, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match=r"CI=true but the SCORM player \(scorm-again\) is unavailable"):
        scorm_fixtures._unavailable("no npm")
