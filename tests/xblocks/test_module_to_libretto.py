"""A learner completes a module in Tosca's own runtime and its competences reach their libretto, once."""

from __future__ import annotations

import pytest

from libretto import api as libretto
from tests.xblocks.conftest import DEMO_KEY, usage
from xblocks.runtime import api

pytestmark = pytest.mark.usefixtures("english_pages")

M1 = "block-v1:RegioneToscana+TRIO-RETI+2026+type@tosca_module+block@m1"


def complete_m1(learner, *, right: bool = True) -> None:
    assert learner.call(usage("tosca_html", "m1-intro"), "mark_viewed").status_code == 200
    assert learner.call(usage("tosca_video", "m1-video"), "mark_watched").status_code == 200
    assert learner.call(usage("tosca_html", "m1-more"), "mark_viewed").status_code == 200
    quiz = api.runtime_for(DEMO_KEY, learner.user).get_block(usage("tosca_quiz", "m1-quiz"))
    choice = next(c["id"] for c in quiz.choices if c["correct"] == right)
    response = learner.call(usage("tosca_quiz", "m1-quiz"), "submit", {"selected": [choice]})
    assert response.status_code == 200, response.content


def test_demo_course_imports_with_three_tagged_modules(demo_course):
    assert demo_course.modules == 3
    info = api.course_info(DEMO_KEY)
    assert [len(module.competences) for module in info.modules] == [2, 3, 3]


def test_module_page_shows_its_competences_and_children(demo_course, learner):
    page = api.render_module(DEMO_KEY, "m1", learner)
    assert "UC-1010" in page.body
    assert "tosca-quiz" in page.body and "<video" in page.body and "<track" in page.body


def test_completing_a_module_puts_its_competences_in_the_libretto(demo_course, as_learner):
    complete_m1(as_learner)
    view = libretto.libretto_for(as_learner.user)
    codes = {entry.competence.code for entry in view.entries}
    assert {"UC-1010", "UC-1033"} <= codes
    page = api.render_module(DEMO_KEY, "m1", as_learner.user)
    assert "Its competences are now in your libretto" in page.body


def test_a_failed_quiz_keeps_the_module_open(demo_course, as_learner):
    complete_m1(as_learner, right=False)
    assert libretto.libretto_for(as_learner.user).entries == ()


def test_evidence_is_recorded_once_however_often_the_rule_is_checked(demo_course, as_learner):
    from sync.models import Evidence

    complete_m1(as_learner)
    for _ in range(3):
        assert as_learner.call(M1, "check").json()["recorded"] is True
    assert Evidence.objects.filter(module=M1).count() == 1


@pytest.mark.parametrize("payload", [{"selected": ["zzz"]}, {"selected": "a"}, {}, {"selected": []}])
def test_quiz_answers_naming_no_real_choice_are_refused(demo_course, as_learner, payload):
    response = as_learner.call(usage("tosca_quiz", "m1-quiz"), "submit", payload)
    assert response.status_code == 400
    assert response.json()["error"]
    quiz = api.runtime_for(DEMO_KEY, as_learner.user).get_block(usage("tosca_quiz", "m1-quiz"))
    assert quiz.attempts == 0
