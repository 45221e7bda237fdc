"""What a learner notices of each block in Tosca's own runtime: when a module counts as complete, what the
quiz accepts, what the video asks of its designer, and the libretto block inside a course."""

from __future__ import annotations

import contextlib
import io
import json
import tarfile
import threading
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from xblock.validation import ValidationMessage

from tests.xblocks.conftest import DEMO_KEY, OPENEDX_SAMPLE, Learner, usage
from xblocks.blocks.quiz import QuizBlock
from xblocks.blocks.rule import evaluate
from xblocks.runtime import api

pytestmark = pytest.mark.usefixtures("english_pages")

UC_1010 = "urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-1010"
SAMPLE_KEY = "course-v1:DemoX+OLX101+2025_T1"


def archive_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"course/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def one_module_course(demo, django_capture_on_commit_callbacks):
    """Import a course `course-v1:Tosca+<run>+1` holding one module `m` written as OLX."""

    def make(run: str, module: str) -> str:
        files = {
            "course.xml": f'<course url_name="1" org="Tosca" course="{run}"/>',
            "course/1.xml": '<course display_name="Prova"><chapter display_name="Uno"><tosca_module url_name="m"/>'
            "</chapter></course>",
            "tosca_module/m.xml": module,
        }
        with django_capture_on_commit_callbacks(execute=True):
            api.import_archive(archive_of(files))
        return f"course-v1:Tosca+{run}+1"

    return make


def html(name: str, text: str = "<p>Testo</p>") -> str:
    return f'<tosca_html url_name="{name}" display_name="{name}"><![CDATA[{text}]]></tosca_html>'


def get(course: str, user, usage_id: str):
    return api.runtime_for(course, user).get_block(usage_id)


# -- the module's completion rule --------------------------------------------------------------------------


def test_a_wrong_answer_below_the_minimum_score_leaves_the_module_open_and_says_why(demo_course, as_learner):
    for kind, name, handler in [
        ("tosca_html", "m1-intro", "mark_viewed"),
        ("tosca_video", "m1-video", "mark_watched"),
        ("tosca_html", "m1-more", "mark_viewed"),
    ]:
        assert as_learner.call(usage(kind, name), handler).status_code == 200
    as_learner.call(usage("tosca_quiz", "m1-quiz"), "submit", {"selected": ["a"]})

    status = as_learner.call(usage("tosca_module", "m1"), "check").json()
    page = api.render_module(DEMO_KEY, "m1", as_learner.user).body

    assert (status["done"], status["required"], status["score"]) == (4, 4, 0.0)
    assert status["met"] is False and status["recorded"] is False and status["evidence_id"] is None
    assert "4 of 4 activities completed · score 0% (at least 60% needed)" in page
    assert "All activities are done, but the score is below the minimum." in page
    assert "Module completed." not in page

    as_learner.call(usage("tosca_quiz", "m1-quiz"), "submit", {"selected": ["b"]})  # a second try, right

    assert as_learner.call(usage("tosca_module", "m1"), "check").json()["recorded"] is True
    assert "Module completed." in api.render_module(DEMO_KEY, "m1", as_learner.user).body


def test_optional_blocks_do_not_hold_back_completion(one_module_course, as_learner):
    course = one_module_course(
        "OPT",
        f'<tosca_module display_name="M" optional_children="extra"><competence uri="{UC_1010}"/>'
        f"{html('core')}{html('extra')}</tosca_module>",
    )

    assert as_learner.call(usage("tosca_html", "core", course), "mark_viewed").status_code == 200

    status = as_learner.call(usage("tosca_module", "m", course), "check").json()
    assert (status["required"], status["done"], status["met"], status["recorded"]) == (1, 1, True, True)
    assert status["evidence_id"]
    assert "1 of 1 activities completed" in api.render_module(course, "m", as_learner.user).body


def test_content_that_is_not_available_here_never_holds_back_completion(
    demo, as_learner, django_capture_on_commit_callbacks
):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(OPENEDX_SAMPLE, arcname="sample")
    with django_capture_on_commit_callbacks(execute=True):
        api.import_archive(buffer.getvalue())
    p2 = get(SAMPLE_KEY, as_learner.user, usage("tosca_quiz", "P2", SAMPLE_KEY))
    right = [choice["id"] for choice in p2.choices if choice["correct"]]

    as_learner.call(usage("tosca_html", "practice_notes", SAMPLE_KEY), "mark_viewed")
    as_learner.call(usage("tosca_video", "silent_clip", SAMPLE_KEY), "mark_watched")
    as_learner.call(usage("tosca_quiz", "P2", SAMPLE_KEY), "submit", {"selected": right})

    status = as_learner.call(usage("tosca_module", "seq2_practice", SAMPLE_KEY), "check").json()
    assert (status["required"], status["done"], status["met"], status["recorded"]) == (3, 3, True, True)
    assert api.course_info(SAMPLE_KEY, as_learner.user).modules[1].completed is True
    page = api.render_module(SAMPLE_KEY, "seq2_practice", as_learner.user).body
    assert page.count("It does not count towards completing the module.") == 3


def test_a_checkpoint_records_its_competences_once_its_siblings_are_done_and_says_so(
    one_module_course, as_learner, designer, django_capture_on_commit_callbacks
):
    course = one_module_course(
        "CHK",
        f'<tosca_module display_name="M">{html("read")}{html("extra")}'
        f'<tosca_checkpoint url_name="goal" display_name="Traguardo"><competence uri="{UC_1010}"/>'
        "</tosca_checkpoint></tosca_module>",
    )
    checkpoint = usage("tosca_checkpoint", "goal", course)
    as_learner.call(usage("tosca_html", "read", course), "mark_viewed")
    assert as_learner.call(checkpoint, "check").json()["met"] is False

    staff = Learner(Client(), designer, django_capture_on_commit_callbacks)
    saved = staff.call(
        checkpoint,
        "studio_submit",
        {"display_name": "Traguardo", "optional_children": ["extra"], "competences": [{"uri": UC_1010}]},
    )

    assert saved.status_code == 200, saved.content
    status = as_learner.call(checkpoint, "check").json()
    assert (status["required"], status["done"], status["met"], status["recorded"]) == (1, 1, True, True)
    page = api.render_module(course, "m", as_learner.user).body
    assert "These competences went into your libretto" in page and "UC-1010" in page


class ForeignProblem:
    """A scored block of another package (a capa problem in Open edX): it reports nothing of its own."""

    has_score = True
    weight = 1

    def __init__(self, name: str):
        self.scope_ids = SimpleNamespace(usage_id=f"block-v1:X+Y+Z+type@problem+block@{name}")


class PlatformCompletion:
    def __init__(self, completions: dict, scores: dict):
        self.completions, self.scores = completions, scores

    def get_completions(self, candidates):
        return {key: self.completions.get(key, 0.0) for key in candidates}

    def get_scores(self, candidates):
        return {key: self.scores[key] for key in candidates if key in self.scores}


def checkpoint_over(problem: ForeignProblem, service: PlatformCompletion, min_score: float | None):
    owner = SimpleNamespace(runtime=SimpleNamespace(service=lambda block, name: service))
    return evaluate(owner, [problem], optional=set(), min_score=min_score)


def test_a_minimum_score_is_not_met_by_a_scored_sibling_that_has_no_score_yet():
    problem = ForeignProblem("p")
    key = problem.scope_ids.usage_id

    unscored = checkpoint_over(problem, PlatformCompletion({key: 1.0}, {}), min_score=0.6)
    failed = checkpoint_over(problem, PlatformCompletion({key: 1.0}, {key: (1.0, 2.0)}), min_score=0.6)
    passed = checkpoint_over(problem, PlatformCompletion({key: 1.0}, {key: (2.0, 2.0)}), min_score=0.6)
    completion_only = checkpoint_over(problem, PlatformCompletion({key: 1.0}, {}), min_score=None)

    assert (unscored.complete, unscored.score, unscored.met) == (True, 0.0, False)
    assert (failed.score, failed.met) == (0.5, False)
    assert (passed.score, passed.met) == (1.0, True)
    assert completion_only.met is True


def test_the_libretto_block_lists_the_competences_a_completed_module_put_in_the_libretto(one_module_course, as_learner):
    course = one_module_course(
        "LIB",
        f'<tosca_module display_name="M"><competence uri="{UC_1010}"/>{html("read")}'
        '<tosca_libretto url_name="mine" display_name="Il mio libretto"/></tosca_module>',
    )
    before = api.render_module(course, "m", as_learner.user).body
    assert "Your libretto has no competences yet" in before
    assert "0 of 1 activities completed" in before  # the libretto block asks nothing of the learner

    as_learner.call(usage("tosca_html", "read", course), "mark_viewed")

    after = api.render_module(course, "m", as_learner.user).body
    summary = after.split("tosca-libretto-summary")[1].split("</section>")[0]
    assert "Your libretto holds 1 competence." in summary
    assert '<span class="tosca-code">UC-1010</span> Promotion of networks' in summary
    assert "Module completed." in after


# -- quiz ------------------------------------------------------------------------------------------------


def test_a_quiz_refuses_answers_once_its_attempts_are_used_up(demo_course, as_learner):
    quiz = usage("tosca_quiz", "m1-quiz")
    answers = [as_learner.call(quiz, "submit", {"selected": [choice]}) for choice in ("a", "c", "d")]
    assert [answer.json()["attempts_left"] for answer in answers] == [2, 1, 0]
    assert answers[-1].json()["message"] == "Not correct, and no attempts are left."

    refused = as_learner.call(quiz, "submit", {"selected": ["b"]})

    assert refused.status_code == 409
    assert refused.json() == {"error": "You have used all your attempts for this question."}
    state = get(DEMO_KEY, as_learner.user, quiz)
    assert (state.attempts, state.best, state.selected) == (3, 0.0, ["d"])
    assert "disabled" in api.render_module(DEMO_KEY, "m1", as_learner.user).body.split("tosca-quiz-form")[1]


@pytest.mark.django_db(transaction=True)
def test_two_answers_sent_at_once_cannot_both_use_the_last_attempt(one_module_course, learner, monkeypatch):
    course = one_module_course(
        "RACE",
        f'<tosca_module display_name="M"><competence uri="{UC_1010}"/><tosca_quiz url_name="q" max_attempts="1">'
        '<question>Q</question><choice id="a" correct="true">A</choice><choice id="b">B</choice></tosca_quiz>'
        "</tosca_module>",
    )
    both_checked = threading.Barrier(2, timeout=1.5)
    real_attempts_left = QuizBlock.attempts_left

    def attempts_left_then_wait(quiz):
        left = real_attempts_left(quiz)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait()  # without a lock per learner, both answers pass the check before either saves
        return left

    monkeypatch.setattr(QuizBlock, "attempts_left", attempts_left_then_wait)
    statuses = []

    def answer(choice: str) -> None:
        try:
            client = Client()
            client.force_login(learner)
            response = client.post(
                f"/xblock/handler/{usage('tosca_quiz', 'q', course)}/submit/",
                data=json.dumps({"selected": [choice]}),
                content_type="application/json",
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(choice,)) for choice in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(statuses) == [200, 409]
    assert get(course, learner, usage("tosca_quiz", "q", course)).attempts == 1


def test_a_multiple_choice_quiz_scores_all_or_nothing(one_module_course, as_learner):
    course = one_module_course(
        "MULTI",
        '<tosca_module display_name="M"><tosca_quiz url_name="q" multiple="true"><question>Quali?</question>'
        '<choice id="a" correct="true">A</choice><choice id="b" correct="true">B</choice>'
        '<choice id="c" correct="false">C</choice></tosca_quiz></tosca_module>',
    )
    quiz = usage("tosca_quiz", "q", course)

    scores = [
        as_learner.call(quiz, "submit", {"selected": selected}).json()["score"]
        for selected in (["a"], ["a", "b", "c"], ["b", "a"])
    ]

    assert scores == [0.0, 0.0, 1.0]
    assert get(course, as_learner.user, quiz).best == 1.0


def test_a_single_choice_quiz_takes_one_answer_only(demo_course, as_learner):
    response = as_learner.call(usage("tosca_quiz", "m1-quiz"), "submit", {"selected": ["a", "b"]})

    assert response.status_code == 400
    assert response.json() == {"error": "This question takes only one answer."}


# -- video -----------------------------------------------------------------------------------------------


def test_a_video_without_captions_fails_validation_with_a_reason(demo, learner, django_capture_on_commit_callbacks):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(OPENEDX_SAMPLE, arcname="sample")
    with django_capture_on_commit_callbacks(execute=True):
        api.import_archive(buffer.getvalue())

    silent = get(SAMPLE_KEY, learner, usage("tosca_video", "silent_clip", SAMPLE_KEY)).validate()
    captioned = get(SAMPLE_KEY, learner, usage("tosca_video", "clip", SAMPLE_KEY)).validate()

    assert not silent
    [message] = silent.messages
    assert message.type == ValidationMessage.ERROR
    assert "This video has no captions" in message.text and "WebVTT" in message.text
    assert captioned and captioned.messages == []
