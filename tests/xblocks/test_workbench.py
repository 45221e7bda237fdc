"""Every Tosca block also runs in another, independent XBlock runtime: the xblock-sdk workbench (a real server
in its own process, with Tosca's apps and demo repertory installed as Open edX would install them). Students
are workbench ids; those starting with "staff" are course staff. The workbench keeps block state for the whole
session, so each test uses its own students, and staff changes write back the scenario's own values."""

from __future__ import annotations

import re
import sqlite3
import uuid
from contextlib import closing

import pytest

from tests.peers.workbench import WorkbenchServer, find_usage_ids

UC_1010 = "urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-1010"
UNKNOWN_UC = "urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-9999"
SCENARIOS = {
    "tosca_module.0": (
        "tosca_module",
        ["Co-progettare con il terzo settore", "UC-1010", "0 of 2 activities completed"],
    ),
    "tosca_checkpoint.0": ("tosca_checkpoint", ["Traguardo", "When you complete this unit", "UC-1010"]),
    "tosca_libretto.0": ("tosca_libretto", ["Il mio libretto", "Your libretto has no competences yet"]),
    "tosca_html.0": ("tosca_html", ["<h3>Il corso</h3>", "<strong>sicuro</strong>"]),
    "tosca_video.0": ("tosca_video", ['<track kind="captions" src="https://example.org/video.it.vtt"', "Transcript"]),
    "tosca_quiz.0": ("tosca_quiz", ["Chi partecipa alla co-progettazione?", "2 attempts left"]),
    "tosca_unavailable.0": ("tosca_unavailable", ["“drag-and-drop-v2”", "is not available here"]),
}
MODULE_SETTINGS = {  # what the module scenario says, so that saving it leaves the shared scenario as it was
    "display_name": "Co-progettare con il terzo settore",
    "description": "",
    "estimated_hours": 2,
    "min_percent": 50,
    "optional_children": [],
}


def student(prefix: str = "learner") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def choices(page: str) -> list[str]:
    """The choice ids a quiz offers, as its rendered inputs carry them."""
    return re.findall(r'<input type="(?:radio|checkbox)" name="choice" id="[^"]*" value="([^"]*)"', page)


def evidence_rows(workbench: WorkbenchServer, learner: str) -> list[tuple[str, str, str]]:
    """(platform, module, attempt) of the evidence the workbench's Tosca apps recorded for `learner`."""
    with closing(sqlite3.connect(f"file:{workbench.database}?mode=ro", uri=True)) as database:
        return database.execute(
            "SELECT platform, module, attempt FROM sync_evidence WHERE learner = ?", (learner,)
        ).fetchall()


def test_the_workbench_lists_a_scenario_for_every_tosca_block(workbench):
    assert set(SCENARIOS) <= set(workbench.scenario_ids())


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_each_tosca_scenario_renders_for_a_student(workbench, scenario):
    block_type, shown = SCENARIOS[scenario]

    page = workbench.session(student()).render(scenario)

    assert len(find_usage_ids(page, block_type)) == 1
    for text in shown:
        assert text in page, text
    # the html scenario's script and javascript: link are gone (the page also shows the scenario's XML, escaped)
    assert 'href="javascript:' not in page and "<script>alert('x')" not in page


def test_the_module_studio_view_renders_for_staff(workbench):
    page = workbench.session(student("staff")).render("tosca_module.0", "studio_view")

    [module] = find_usage_ids(page, "tosca_module")
    assert 'data-init="ToscaModuleEdit"' in page or "data-init='ToscaModuleEdit'" in page
    assert "Completion rule" in page and 'name="min_percent" type="number" min="0" max="100" value="50"' in page
    assert f'data-uri="{UC_1010}"' in page
    assert module.endswith(".tosca_module.d0.u0")


def test_a_student_completes_the_module_and_the_workbench_records_the_evidence_once(workbench):
    learner = student()
    session = workbench.session(learner)
    page = session.render("tosca_module.0")
    [module] = find_usage_ids(page, "tosca_module")
    [text] = find_usage_ids(page, "tosca_html")
    [quiz] = find_usage_ids(page, "tosca_quiz")
    assert choices(page) == ["a", "b"]
    assert evidence_rows(workbench, learner) == []

    assert session.call_json(text, "mark_viewed") == {"viewed": True}
    halfway = session.call_json(module, "check")
    answer = session.call_json(quiz, "submit", {"selected": ["b"]})
    done = session.call_json(module, "check")
    again = session.call_json(module, "check")

    assert (halfway["done"], halfway["met"], halfway["recorded"]) == (1, False, False)
    assert answer["correct"] is True and answer["feedback"] == [{"id": "b", "correct": True, "feedback": "Sì."}]
    assert (done["done"], done["required"], done["score"], done["met"], done["recorded"]) == (2, 2, 1.0, True, True)
    assert done["evidence_id"] and again["evidence_id"] == done["evidence_id"]
    assert "Module completed." in done["status"]
    assert evidence_rows(workbench, learner) == [(workbench.url, module, "1")]
    assert "Module completed." in session.render("tosca_module.0")


def test_a_wrong_answer_in_the_workbench_keeps_the_module_open(workbench):
    learner = student()
    session = workbench.session(learner)
    page = session.render("tosca_module.0")
    [module] = find_usage_ids(page, "tosca_module")

    session.call_json(find_usage_ids(page, "tosca_html")[0], "mark_viewed")
    session.call_json(find_usage_ids(page, "tosca_quiz")[0], "submit", {"selected": ["a"]})
    status = session.call_json(module, "check")

    assert (status["done"], status["score"], status["met"], status["recorded"]) == (2, 0.0, False, False)
    assert "the score is below the minimum" in status["status"]
    assert evidence_rows(workbench, learner) == []


def test_the_quiz_gives_feedback_then_stops_at_its_attempt_limit_over_http(workbench):
    session = workbench.session(student())
    page = session.render("tosca_quiz.0")
    [quiz] = find_usage_ids(page, "tosca_quiz")
    wrong = [choice for choice in choices(page) if choice != "b"]
    assert wrong == ["a"]

    first = session.call_json(quiz, "submit", {"selected": wrong})
    second = session.call_json(quiz, "submit", {"selected": wrong})
    refused = session.call(quiz, "submit", {"selected": ["b"]})
    unknown = session.call(quiz, "submit", {"selected": ["zz"]})
    as_get = session.http.get(session.handler_url(quiz, "submit"), timeout=30)

    assert (first["correct"], first["attempts_left"]) == (False, 1)
    assert first["feedback"] == [{"id": "a", "correct": False, "feedback": "No: anche il terzo settore."}]
    assert (second["attempts_left"], second["message"]) == (0, "Not correct, and no attempts are left.")
    assert refused.status_code == 409
    assert refused.json() == {"error": "You have used all your attempts for this question."}
    assert unknown.status_code == 400 and "zz" in unknown.json()["error"]
    assert as_get.status_code == 405 and as_get.json() == {"error": "This action needs a POST request."}
    after = session.render("tosca_quiz.0")
    assert "0 attempts left" in after and 'disabled aria-disabled="true"' in after


def test_a_student_cannot_change_the_module_in_the_workbench(workbench):
    session = workbench.session(student())
    [module] = find_usage_ids(session.render("tosca_module.0"), "tosca_module")

    response = session.call(module, "studio_submit", {**MODULE_SETTINGS, "display_name": "Preso!", "competences": []})
    search = session.call(module, "search_competences")

    assert response.status_code == 403
    assert response.json() == {"error": "Only the course's designers can change this module."}
    assert search.status_code == 403
    assert "Preso!" not in workbench.session(student()).render("tosca_module.0")


def test_staff_save_competences_the_repertory_knows_and_are_told_which_it_does_not(workbench):
    staff = workbench.session(student("staff"))
    [module] = find_usage_ids(staff.render("tosca_module.0", "studio_view"), "tosca_module")
    known = [{"uri": UC_1010, "role": "develops"}]

    saved = staff.call(module, "studio_submit", {**MODULE_SETTINGS, "competences": known})
    refused = staff.call(module, "studio_submit", {**MODULE_SETTINGS, "competences": [{"uri": UNKNOWN_UC}]})
    found = staff.http.get(staff.handler_url(module, "search_competences") + "&q=UC-1010", timeout=30)

    assert saved.status_code == 200 and saved.json()["saved"] is True
    assert refused.status_code == 400
    assert refused.json()["problems"] == [f"The repertory has no live competence {UNKNOWN_UC}."]
    assert found.status_code == 200 and UC_1010 in [result["uri"] for result in found.json()["results"]]
    page = workbench.session(student()).render("tosca_module.0")
    assert "UC-1010" in page and "UC-9999" not in page


def test_the_checkpoint_records_evidence_when_its_sibling_text_is_viewed(workbench):
    learner = student()
    session = workbench.session(learner)
    page = session.render("tosca_checkpoint.0")
    [checkpoint] = find_usage_ids(page, "tosca_checkpoint")
    [text] = find_usage_ids(page, "tosca_html")
    assert "When you complete this unit, these competences go into your libretto" in page

    session.call_json(text, "mark_viewed")

    assert evidence_rows(workbench, learner) == [(workbench.url, checkpoint, "1")]
    status = session.call_json(checkpoint, "check")
    assert (status["met"], status["recorded"]) == (True, True)
    assert "These competences went into your libretto" in session.render("tosca_checkpoint.0")
    assert len(evidence_rows(workbench, learner)) == 1


def test_staff_tag_any_block_with_competences_through_the_aside(workbench):
    staff, learner = workbench.session(student("staff")), workbench.session(student())
    page = learner.render("tosca_video.0")
    [aside] = [found for found in find_usage_ids(page, "tosca_competences") if ".tosca_video." in found]
    tags = {"competences": [{"uri": UC_1010, "role": "develops"}]}

    refused = learner.call(aside, "save_tags", tags, aside=True)
    unknown = staff.call(aside, "save_tags", {"competences": [{"uri": UNKNOWN_UC}]}, aside=True)
    saved = staff.call(aside, "save_tags", tags, aside=True)
    try:
        shown = learner.render("tosca_video.0")
    finally:
        staff.call_json(aside, "save_tags", {"competences": []}, aside=True)  # the scenario as it was

    assert refused.status_code == 403
    assert refused.json() == {"error": "Only the course's designers can tag content."}
    assert unknown.status_code == 400 and UNKNOWN_UC in unknown.json()["error"]
    assert saved.status_code == 200 and saved.json()["saved"] is True
    assert re.search(r'<aside class="tosca-aside-view"[^>]*><p>Competences: UC-1010</p></aside>', shown)
    assert 'class="tosca-aside-view"' not in learner.render("tosca_video.0")


def complete_module(session) -> str:
    page = session.render("tosca_module.0")
    [module] = find_usage_ids(page, "tosca_module")
    session.call_json(find_usage_ids(page, "tosca_html")[0], "mark_viewed")
    session.call_json(find_usage_ids(page, "tosca_quiz")[0], "submit", {"selected": ["b"]})
    assert session.call_json(module, "check")["recorded"] is True
    return module


def test_a_student_marks_the_video_watched_once_and_the_page_says_so(workbench):
    session = workbench.session(student())
    [video] = find_usage_ids(session.render("tosca_video.0"), "tosca_video")

    first = session.call_json(video, "mark_watched")
    again = session.call_json(video, "mark_watched")

    assert first["watched"] is True and again["watched"] is True
    page = session.render("tosca_video.0")
    assert "Watched" in page and 'disabled aria-disabled="true"' in page
    assert "Mark as watched" in workbench.session(student()).render("tosca_video.0")  # another student's is not


def test_the_libretto_block_lists_the_competences_a_student_earned_in_the_workbench(workbench):
    session = workbench.session(student())
    assert "Your libretto has no competences yet" in session.render("tosca_libretto.0")

    complete_module(session)

    page = session.render("tosca_libretto.0")
    assert "UC-1010" in page and "Your libretto has no competences yet" not in page
    assert "Your libretto has no competences yet" in workbench.session(student()).render("tosca_libretto.0")


def test_staff_edit_a_text_in_the_workbench_and_what_they_save_is_sanitized(workbench):
    staff = workbench.session(student("staff"))
    page = staff.render("tosca_html.0", "studio_view")
    [text] = find_usage_ids(page, "tosca_html")
    original = {"display_name": "Benvenuti", "content": "<h3>Il corso</h3><p>Testo <strong>sicuro</strong></p>"}

    refused = workbench.session(student()).call(text, "studio_submit", {**original, "display_name": "Preso!"})
    saved = staff.call(
        text, "studio_submit", {"display_name": "Benvenuti", "content": "<p>Nuovo<script>x()</script></p>"}
    )
    try:
        shown = workbench.session(student()).render("tosca_html.0")
    finally:
        staff.call_json(text, "studio_submit", original)  # the scenario as it was

    assert refused.status_code == 403
    assert saved.status_code == 200 and saved.json()["content"] == "<p>Nuovo</p>"
    assert "<p>Nuovo</p>" in shown and "x()</script>" not in shown.split("</textarea>")[-1]


def test_staff_search_the_repertory_from_the_aside_and_students_cannot(workbench):
    staff, learner = workbench.session(student("staff")), workbench.session(student())
    [aside] = find_usage_ids(learner.render("tosca_video.0"), "tosca_competences")

    found = staff.http.get(staff.handler_url(aside, "search_competences", aside=True) + "&q=reti", timeout=30)
    refused = learner.http.get(learner.handler_url(aside, "search_competences", aside=True) + "&q=reti", timeout=30)

    assert found.status_code == 200 and "UC-1010" in [result["code"] for result in found.json()["results"]]
    assert refused.status_code == 403
