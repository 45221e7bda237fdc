"""An exported module in a real SCORM run-time: scorm-again in headless Chromium plays the LMS. The learner goes
through the pages and passes the quiz; the run-time then holds (and commits) the status, the score and one
objective per competence, and a later launch resumes where the learner left."""

from __future__ import annotations

import io
import zipfile

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.peers.scorm_player import resume_data, runtime_state
from tests.xblocks.conftest import usage

pytestmark = [pytest.mark.django_db, pytest.mark.services, pytest.mark.storage_only]

M1 = usage("tosca_module", "m1")
M1_COMPETENCES = ["urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-1010", "urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-1033"]
EMPTY_MODE = {"1.2": {"cmi.core.lesson_mode": ""}, "2004": {"cmi.mode": ""}}


def exported(version: str, folder) -> str:
    from scorm_export import api

    package = api.export_package(M1, version)
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        archive.extractall(folder)
    return "m1/index.html"


def in_sco(browser, action):
    browser.switch_to.frame("sco")
    try:
        return action()
    finally:
        browser.switch_to.default_content()


def click(browser, selector: str) -> None:
    element = WebDriverWait(browser, 10).until(
        lambda driver: next((e for e in driver.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()), None)
    )
    element.click()


def status_text(browser) -> str:
    return browser.find_element(By.ID, "tosca-status").text


def complete_m1(browser, answer: str = "b") -> dict:
    """Read the text, watch the video, read the checklist, answer the quiz: the rule's result at the end, and
    what the page says (in the course's language, Italian)."""

    def steps():
        click(browser, "#tosca-next")
        click(browser, "[data-tosca-watched]")
        click(browser, "#tosca-next")
        click(browser, "#tosca-next")
        click(browser, f"input[value='{answer}']")
        click(browser, "form[data-tosca-quiz] button[type=submit]")
        WebDriverWait(browser, 10).until(lambda driver: driver.find_element(By.CSS_SELECTOR, ".tosca-verdict"))
        return {**browser.execute_script("return window.ToscaSco.evaluate()"), "said": status_text(browser)}

    return in_sco(browser, steps)


@pytest.mark.parametrize("mode", ["normal", "empty"])
@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_passing_the_module_in_an_lms_reports_status_score_and_one_objective_per_competence(
    demo_course, browser, scorm_player, tmp_path, version, mode
):
    launch = exported(version, tmp_path / "package")
    player = scorm_player(tmp_path / "package", version)
    player.open(browser, launch, unvalidated=EMPTY_MODE[version] if mode == "empty" else None)

    result = complete_m1(browser)

    assert result["met"] and result["said"]
    cmi = runtime_state(browser, version)["cmi"]
    ids = [cmi[f"cmi.objectives.{index}.id"] for index in range(len(M1_COMPETENCES))]
    assert ids == M1_COMPETENCES
    if version == "1.2":
        assert cmi["cmi.core.lesson_status"] == "passed"
        assert cmi["cmi.core.score.raw"] == "100"
        assert [cmi[f"cmi.objectives.{index}.status"] for index in range(2)] == ["passed", "passed"]
    else:
        assert cmi["cmi.completion_status"] == "completed"
        assert cmi["cmi.success_status"] == "passed"
        assert float(cmi["cmi.score.scaled"]) == 1.0
        assert float(cmi["cmi.progress_measure"]) == 1.0
        assert [cmi[f"cmi.objectives.{index}.success_status"] for index in range(2)] == ["passed", "passed"]
    # The LMS got it in a commit while the learner was still on the page, not only when they left.
    status = "lesson_status" if version == "1.2" else "success_status"
    committed = [commit["cmi"].get("core", commit["cmi"]).get(status) for commit in player.commits]
    assert "passed" in committed


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_a_wrong_answer_leaves_the_module_incomplete_and_says_by_how_much(
    demo_course, browser, scorm_player, tmp_path, version
):
    launch = exported(version, tmp_path / "package")
    player = scorm_player(tmp_path / "package", version)
    player.open(browser, launch)

    result = complete_m1(browser, answer="a")

    assert result["complete"] and not result["met"] and result["score"] == 0
    assert "0%" in result["said"] and "60%" in result["said"] and "%%" not in result["said"]
    cmi = runtime_state(browser, version)["cmi"]
    if version == "1.2":
        assert cmi["cmi.core.lesson_status"] == "incomplete"
    else:
        assert cmi["cmi.success_status"] == "unknown"
        assert cmi["cmi.objectives.0.success_status"] == "unknown"


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_leaving_midway_finishes_the_session_and_the_next_launch_resumes_there(
    demo_course, browser, scorm_player, tmp_path, version
):
    launch = exported(version, tmp_path / "package")
    player = scorm_player(tmp_path / "package", version)
    player.open(browser, launch)
    in_sco(browser, lambda: (click(browser, "#tosca-next"), click(browser, "[data-tosca-watched]")))

    player.leave(browser)
    finish = WebDriverWait(browser, 10).until(lambda _driver: [r for r in player.requests if r.is_beacon])[-1]
    saved = finish.payload["cmi"]
    if version == "1.2":
        assert saved["core"]["exit"] == "suspend"
        assert saved["core"]["lesson_location"] == "1"
    else:
        assert saved["exit"] == "suspend"
        assert saved["location"] == "1"
    assert len(saved["suspend_data"]) <= 4096

    player.open(browser, launch, cmi=resume_data(finish.payload, version))

    def where():
        return browser.find_element(By.CSS_SELECTOR, "[data-tosca-page]:not([hidden]) h2").text, browser.execute_script(
            "return window.ToscaSco.evaluate()"
        )

    title, result = in_sco(browser, where)
    assert title == "Video: introduzione al modulo"
    assert (result["done"], result["required"]) == (2, 4)


def test_every_page_of_an_exported_module_passes_axe(demo_course, browser, scorm_player, axe, tmp_path):
    from tests.peers.browser import axe_violations, describe_violations

    launch = exported("2004", tmp_path / "package")
    player = scorm_player(tmp_path / "package", "2004")
    browser.get(f"{player.base_url}/package/{launch}")  # on its own, as a learner without an LMS sees it
    WebDriverWait(browser, 10).until(lambda driver: driver.find_element(By.ID, "tosca-notice").is_displayed())
    found = {}
    for page in ("intro", "video", "more", "quiz"):
        if page == "quiz":
            click(browser, "input[value='a']")
            click(browser, "form[data-tosca-quiz] button[type=submit]")
        found[page] = axe_violations(browser, axe_script=axe)
        if page != "quiz":
            click(browser, "#tosca-next")

    assert not any(found.values()), {page: describe_violations(found[page]) for page in found if found[page]}
