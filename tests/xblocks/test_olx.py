"""An Open edX course export comes into Tosca: what each native block becomes, what cannot run here is kept
and reported, and a Tosca course goes back out in the same layout and comes back unchanged."""

from __future__ import annotations

import io
import json
import re
import shutil
import tarfile
from pathlib import Path

import pytest
from lxml import etree

from tests.xblocks.conftest import DEMO_COURSE, DEMO_KEY, OPENEDX_SAMPLE
from tests.xblocks.conftest import usage as usage_in
from xblocks.runtime import api

pytestmark = pytest.mark.usefixtures("english_pages")

SAMPLE_KEY = "course-v1:DemoX+OLX101+2025_T1"
ASSET_PREFIX = f"/xblock/asset/{SAMPLE_KEY}/"
UC_1010 = "urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-1010"


def usage(kind: str, name: str, course: str = SAMPLE_KEY) -> str:
    return usage_in(kind, name, course)


def pack(folder: Path, top: str = "openedx-sample") -> bytes:
    """A folder as the .tar.gz Studio's export gives (one top folder), built in memory."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(folder, arcname=top)
    return buffer.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    """The files of an exported .tar.gz, by path below its top folder."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {
            member.name.split("/", 1)[1]: archive.extractfile(member).read() for member in archive if member.isfile()
        }


@pytest.fixture
def import_course(django_capture_on_commit_callbacks):
    """Import as in production: what the import defers to after its commit (cache refresh, old assets) runs."""

    def run(data: bytes, **options):
        with django_capture_on_commit_callbacks(execute=True):
            return api.import_archive(data, name="openedx-sample.tar.gz", **options)

    return run


@pytest.fixture
def sample(db, import_course):
    return import_course(pack(OPENEDX_SAMPLE))


def block(user, usage_id: str, course: str = SAMPLE_KEY):
    return api.runtime_for(course, user).get_block(usage_id)


def definitions(course_key: str) -> dict:
    """Every stored definition field of a course (content, settings, children, parent), by (scope, owner, name)."""
    from xblocks.runtime.models import FieldValue

    rows = FieldValue.objects.filter(course_key=course_key, user_id=0).values_list("scope", "owner", "name", "value")
    return {(scope, owner, name): value for scope, owner, name, value in rows}


def tagged_codes(page: str) -> list[str]:
    """The competence codes the tosca_competences aside shows under the blocks of a page."""
    views = re.findall(r'<aside class="tosca-aside-view".*?</aside>', page, re.DOTALL)
    return [code for view in views for code in re.findall(r">(UC-\d+)<", view)]


# -- what each block becomes -----------------------------------------------------------------------------


def test_the_sample_course_becomes_two_modules_named_after_its_subsections(sample):
    info = api.course_info(SAMPLE_KEY)

    assert (sample.course_key, sample.title, sample.created) == (SAMPLE_KEY, "Open Learning Basics", True)
    assert [(module.section, module.title, module.name) for module in info.modules] == [
        ("Getting Started", "Welcome", "seq1_welcome"),
        ("Practice", "Practice and Assessment", "seq2_practice"),
    ]
    assert info.language == "en" and "sample course" in info.summary
    assert sample.blocks == 11 and sample.assets == 4  # clip.webm, diagram.png, the SRT and its WebVTT


def test_imported_html_loses_scripts_handlers_and_javascript_links(sample, learner):
    intro = block(learner, usage("tosca_html", "intro"))

    assert intro.scope_ids.block_type == "tosca_html"
    assert intro.display_name == "Course introduction"
    assert "<script" not in intro.content and "alert(1)" not in intro.content
    assert "onclick" not in intro.content and "javascript:" not in intro.content
    assert 'href="https://www.example.org/open-learning"' in intro.content  # safe links survive
    assert "Read each unit in order" in intro.content  # the text of a cleaned element stays


def test_imported_images_point_at_the_course_assets_and_are_served(sample, learner, client):
    page = api.render_module(SAMPLE_KEY, "seq1_welcome", learner).body

    assert f'src="{ASSET_PREFIX}diagram.png"' in page
    assert 'src="/static/diagram.png"' not in page
    client.force_login(learner)
    response = client.get(f"{ASSET_PREFIX}diagram.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == (OPENEDX_SAMPLE / "static" / "diagram.png").read_bytes()


def test_an_srt_transcript_becomes_webvtt_captions_served_as_text_vtt(sample, learner, client):
    clip = block(learner, usage("tosca_video", "clip"))

    assert clip.scope_ids.block_type == "tosca_video"
    assert clip.sources == [{"src": "/static/clip.webm", "type": "video/webm"}]
    assert clip.tracks == [{"src": "/static/clip-en.vtt", "srclang": "en", "label": "en", "kind": "captions"}]
    page = api.render_module(SAMPLE_KEY, "seq1_welcome", learner).body
    assert f'<track kind="captions" src="{ASSET_PREFIX}clip-en.vtt" srclang="en"' in page
    client.force_login(learner)
    response = client.get(f"{ASSET_PREFIX}clip-en.vtt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vtt"
    vtt = b"".join(response.streaming_content).decode()
    assert vtt.startswith("WEBVTT\n\n")
    assert "00:00:00.000 --> 00:00:03.000" in vtt and "00:00:03,000" not in vtt
    assert "Welcome to Open Learning Basics." in vtt


def test_a_video_without_captions_is_imported_with_a_warning(sample, learner):
    silent = block(learner, usage("tosca_video", "silent_clip"))

    assert silent.tracks == [] and silent.sources
    [warning] = sample.warnings
    assert "video/silent_clip.xml" in warning and "A short clip without captions" in warning
    assert "captions" in warning
    page = api.render_module(SAMPLE_KEY, "seq2_practice", learner).body
    assert "This video has no captions yet." in page


def test_a_single_choice_problem_becomes_a_quiz_with_feedback_for_each_choice(sample, as_learner):
    quiz = block(as_learner.user, usage("tosca_quiz", "P1"))

    assert quiz.scope_ids.block_type == "tosca_quiz"
    assert (quiz.display_name, quiz.multiple, quiz.max_attempts, quiz.weight) == ("Course structure", False, 2, 1.0)
    assert "smallest level of the course outline" in quiz.question  # the <description> is part of the question
    assert [(choice["text"], choice["correct"]) for choice in quiz.choices] == [
        ("The section", False),
        ("The unit", True),
        ("The course", False),
    ]
    assert quiz.choices[0]["feedback"] == "Not quite: a section groups subsections, not components."
    assert "choicehint" not in quiz.choices[0]["text"]

    answer = as_learner.call(usage("tosca_quiz", "P1"), "submit", {"selected": [quiz.choices[0]["id"]]}).json()

    assert answer["correct"] is False and answer["attempts_left"] == 1
    assert answer["feedback"][0]["feedback"] == "Not quite: a section groups subsections, not components."


def test_a_checkbox_problem_becomes_a_multiple_choice_quiz(sample, learner):
    quiz = block(learner, usage("tosca_quiz", "P2"))

    assert (quiz.multiple, quiz.max_attempts, quiz.weight) == (True, 3, 2.0)
    assert [choice["correct"] for choice in quiz.choices] == [True, False, True]
    # the hint shown when the choice is selected (not the one for leaving it out)
    assert quiz.choices[1]["feedback"] == "No: practice problems show you what you still need to review."
    assert quiz.problems() == []


def test_what_tosca_cannot_run_is_reported_by_name_and_shown_as_not_available(sample, learner):
    expected = {
        "P3": ("problem", "problem/P3.xml", "A quick calculation"),
        "dnd_match_terms": ("drag-and-drop-v2", "drag-and-drop-v2/dnd_match_terms.xml", "Match the terms"),
        "ora_reflection": ("openassessment", "openassessment/ora_reflection.xml", "ora_reflection"),
    }

    assert len(sample.placeholders) == 3
    for name, (original, path, shown) in expected.items():
        placeholder = block(learner, usage("tosca_unavailable", name))
        assert placeholder.original_type == original
        assert placeholder.olx.startswith(f"<{original}")
        [reported] = [line for line in sample.placeholders if line.startswith(path)]
        assert f"“{shown}”" in reported and "not available here" in reported
    assert "numericalresponse" in next(line for line in sample.placeholders if line.startswith("problem/P3.xml"))
    page = api.render_module(SAMPLE_KEY, "seq2_practice", learner).body
    assert page.count("is not available here") == 3
    assert "“drag-and-drop-v2”" in page and "“openassessment”" in page


# -- export and re-import --------------------------------------------------------------------------------


def test_an_exported_course_imports_again_with_the_same_modules_blocks_and_fields(
    demo, learner, import_course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api.import_folder(DEMO_COURSE)
    info_before, fields_before = api.course_info(DEMO_KEY), definitions(DEMO_KEY)

    exported = api.export_course(DEMO_KEY)
    report = import_course(exported)

    assert (report.created, report.modules, report.placeholders) == (False, 3, [])
    assert api.course_info(DEMO_KEY) == info_before
    assert definitions(DEMO_KEY) == fields_before
    files = members(exported)
    assert files["static/m1-video.it.vtt"] == (DEMO_COURSE / "static" / "m1-video.it.vtt").read_bytes()
    quiz = block(learner, usage("tosca_quiz", "m1-quiz", DEMO_KEY), DEMO_KEY)
    assert sum(choice["correct"] for choice in quiz.choices) == 1 and quiz.max_attempts == 3


def test_the_export_keeps_each_placeholder_as_the_original_olx_element(sample):
    files = members(api.export_course(SAMPLE_KEY))

    practice = files["tosca_module/seq2_practice.xml"].decode()
    assert "tosca_unavailable" not in practice
    assert '<drag-and-drop-v2 display_name="Match the terms"' in practice
    assert "&quot;zone-section&quot;" in practice  # its JSON data, as it was
    assert '<openassessment url_name="ora_reflection"' in practice and "<rubric>" in practice
    assert '<numericalresponse answer="42">' in practice
    assert "static/clip-en.vtt" in files and "static/diagram.png" in files
    assert files["course.xml"].startswith(b'<course url_name="2025_T1" org="DemoX" course="OLX101"')


def test_an_exported_course_with_placeholders_imports_again_unchanged(sample, learner, import_course):
    info_before, fields_before = api.course_info(SAMPLE_KEY), definitions(SAMPLE_KEY)

    report = import_course(api.export_course(SAMPLE_KEY))

    assert (report.created, report.modules, len(report.placeholders)) == (False, 2, 3)
    assert api.course_info(SAMPLE_KEY) == info_before
    assert definitions(SAMPLE_KEY) == fields_before


def test_competence_tags_on_a_content_block_survive_export_and_import(demo_course, designer, client, import_course):
    client.force_login(designer)
    aside = f"aside-usage-v2:{usage('tosca_html', 'm1-intro', DEMO_KEY)}::tosca_competences"
    response = client.post(
        f"/xblock/handler/{aside}/save_tags/",
        data={"competences": [{"uri": UC_1010, "role": "develops"}]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert tagged_codes(api.render_module(DEMO_KEY, "m1", designer).body) == ["UC-1010"]

    exported = api.export_course(DEMO_KEY)
    import_course(pack(DEMO_COURSE, top="course"))  # the original course again: the tag is gone
    assert tagged_codes(api.render_module(DEMO_KEY, "m1", designer).body) == []
    import_course(exported)

    assert tagged_codes(api.render_module(DEMO_KEY, "m1", designer).body) == ["UC-1010"]


def test_reimporting_keeps_each_learners_quiz_state_for_blocks_whose_url_name_is_unchanged(
    sample, as_learner, import_course, tmp_path
):
    p1 = usage("tosca_quiz", "P1")
    wrong = block(as_learner.user, p1).choices[0]["id"]
    assert as_learner.call(p1, "submit", {"selected": [wrong]}).json()["attempts"] == 1
    changed = tmp_path / "openedx-sample"
    shutil.copytree(OPENEDX_SAMPLE, changed)
    notes = changed / "html" / "intro.html"
    notes.write_text(notes.read_text().replace("Welcome to Open Learning Basics", "Welcome, second edition"))

    report = import_course(pack(changed))

    assert report.created is False
    quiz = block(as_learner.user, p1)
    assert (quiz.attempts, quiz.selected, quiz.best) == (1, [wrong], 0.0)
    page = api.render_module(SAMPLE_KEY, "seq1_welcome", as_learner.user).body
    assert "Welcome, second edition" in page and "1 attempt left" in page
    assert as_learner.call(p1, "submit", {"selected": [wrong]}).json()["attempts_left"] == 0


def test_a_block_removed_by_a_reimport_loses_its_learners_state(sample, as_learner, import_course, tmp_path):
    p1 = usage("tosca_quiz", "P1")
    wrong = block(as_learner.user, p1).choices[0]["id"]
    as_learner.call(p1, "submit", {"selected": [wrong]})
    without = tmp_path / "openedx-sample"
    shutil.copytree(OPENEDX_SAMPLE, without)
    unit = without / "vertical" / "vert1_welcome.xml"
    unit.write_text(unit.read_text().replace('<problem url_name="P1"/>', ""))

    import_course(pack(without))  # P1 is gone...
    import_course(pack(OPENEDX_SAMPLE))  # ...and a new quiz named P1 arrives later

    assert block(as_learner.user, p1).attempts == 0


# -- assets ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "../../../../etc/passwd",
        "static/../../clip-en.vtt",
        "%2e%2e/%2e%2e/etc/passwd",
        "..%2f..%2fsettings.py",
        "no-such-file.vtt",
    ],
)
def test_asset_paths_that_leave_the_course_folder_or_name_nothing_are_not_found(sample, client, path):
    assert client.get(f"{ASSET_PREFIX}{path}").status_code == 404
    assert client.get(f"{ASSET_PREFIX}clip-en.vtt").status_code == 200  # the same client gets real assets


def test_assets_of_an_unpublished_course_are_only_for_its_designers(db, import_course, learner, designer, client):
    import_course(pack(OPENEDX_SAMPLE), published=False)

    client.force_login(learner)
    assert client.get(f"{ASSET_PREFIX}clip-en.vtt").status_code == 404
    client.force_login(designer)
    assert client.get(f"{ASSET_PREFIX}clip-en.vtt").status_code == 200


def test_an_html_or_svg_file_in_a_course_archive_is_only_downloaded_never_run_on_the_site(db, import_course, client):
    folder = OPENEDX_SAMPLE
    data = pack(folder)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as original:
        files = {member.name: original.extractfile(member).read() for member in original if member.isfile()}
    files["openedx-sample/static/page.html"] = b"<script>fetch('/xblock/handler/...')</script>"
    files["openedx-sample/static/logo.svg"] = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    import_course(buffer.getvalue())

    for name in ("page.html", "logo.svg"):
        response = client.get(f"{ASSET_PREFIX}{name}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream", name
        assert response["Content-Disposition"].startswith("attachment"), name
        assert "sandbox" in response["Content-Security-Policy"]
    video = client.get(f"{ASSET_PREFIX}clip.webm")
    assert video["Content-Type"] == "video/webm"  # media play in the page
    assert not video.get("Content-Disposition", "").startswith("attachment")
    assert client.get(f"{ASSET_PREFIX}clip-en.vtt")["Content-Type"].startswith("text/vtt")


# -- competence tags on native blocks (the tosca_competences aside, as Open edX exports asides) -------------


def aside_element(*uris: str) -> str:
    value = json.dumps([{"uri": uri, "role": "develops"} for uri in uris]).replace('"', "&quot;")
    return f'<tosca_competences xblock-family="xblock_asides.v1" tosca_competences="{value}"/>'


def sample_with(tmp_path: Path, files: dict[str, str]) -> bytes:
    folder = tmp_path / "openedx-sample"
    shutil.copytree(OPENEDX_SAMPLE, folder)
    for path, text in files.items():
        (folder / path).write_text(text)
    return pack(folder)


def test_native_blocks_tagged_with_competences_in_open_edx_keep_their_tags_here_and_on_export(
    demo, import_course, designer, tmp_path
):
    from repertory import api as repertory

    import_course(
        sample_with(
            tmp_path,
            {
                "html/practice_notes.xml": '<html filename="practice_notes" display_name="How the practice '
                f'problems work">{aside_element(UC_1010)}</html>',
                "problem/P1.xml": (OPENEDX_SAMPLE / "problem" / "P1.xml")
                .read_text()
                .replace("</problem>", f"{aside_element(UC_1010)}</problem>"),
            },
        )
    )

    notes, quiz = usage("tosca_html", "practice_notes"), usage("tosca_quiz", "P1")
    runtime = api.runtime_for(SAMPLE_KEY, designer)
    for block_id in (notes, quiz):
        block = runtime.get_block(block_id)
        assert runtime.get_aside_of_type(block, "tosca_competences").tosca_competences == [
            {"uri": UC_1010, "role": "develops"}
        ], block_id
        assert [tag.competence.uri for tag in repertory.tags_for(block_id)] == [UC_1010]
    assert "tosca_competences" not in runtime.get_block(notes).content  # the tag is not part of the text
    assert "tosca_competences" not in runtime.get_block(quiz).question

    exported = members(api.export_course(SAMPLE_KEY))
    module = etree.fromstring(exported["tosca_module/seq2_practice.xml"])
    [tagged] = module.xpath("//tosca_html[@url_name='practice_notes']/tosca_competences")
    assert tagged.get("xblock-family") == "xblock_asides.v1" and UC_1010 in tagged.get("tosca_competences")


def test_a_module_tagged_through_the_aside_exports_its_tags(demo_course, designer, client, import_course):
    client.force_login(designer)
    module = usage("tosca_module", "m1", DEMO_KEY)
    response = client.post(
        f"/xblock/handler/aside-usage-v2:{module}::tosca_competences/save_tags/",
        data={"competences": [{"uri": UC_1010, "role": "assesses"}]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content

    exported = api.export_course(DEMO_KEY)
    tree = etree.fromstring(members(exported)["tosca_module/m1.xml"])
    assert [element.get("xblock-family") for element in tree.findall("tosca_competences")] == ["xblock_asides.v1"]
    import_course(pack(DEMO_COURSE, top="course"))
    import_course(exported)
    runtime = api.runtime_for(DEMO_KEY, designer)
    aside = runtime.get_aside_of_type(runtime.get_block(module), "tosca_competences")
    assert aside.tosca_competences == [{"uri": UC_1010, "role": "assesses"}]


def test_a_native_block_tagged_with_a_competence_the_repertory_does_not_know_is_refused_by_name(
    demo, import_course, tmp_path
):
    unknown = "urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-9999"
    archive = sample_with(
        tmp_path,
        {"html/intro.xml": f'<html filename="intro" display_name="Intro">{aside_element(unknown)}</html>'},
    )

    with pytest.raises(api.OlxRejected) as refused:
        import_course(archive)

    [problem] = refused.value.problems
    assert "“intro”" in problem.message and unknown in problem.message
    assert not api.courses()


def test_a_block_removed_by_a_reimport_leaves_no_tag_behind_in_the_repertory(demo, import_course, tmp_path):
    from repertory import api as repertory

    notes = usage("tosca_html", "practice_notes")
    tagged = '<html filename="practice_notes" display_name="Notes">' + aside_element(UC_1010) + "</html>"
    import_course(sample_with(tmp_path / "v1", {"html/practice_notes.xml": tagged}))
    assert [tag.competence.uri for tag in repertory.tags_for(notes)] == [UC_1010]

    import_course(
        sample_with(
            tmp_path / "v2",
            {
                "vertical/vert2_checks.xml": (
                    (OPENEDX_SAMPLE / "vertical" / "vert2_checks.xml")
                    .read_text()
                    .replace('<html url_name="practice_notes"/>', "")
                )
            },
        )
    )

    assert repertory.tags_for(notes) == []


def test_the_benchmarks_synthetic_course_imports_with_every_module(demo, import_course):
    from bench.courses import SYNTHETIC_KEY, synthetic_archive

    report = import_course(synthetic_archive(modules=5))

    assert (report.course_key, report.modules, report.placeholders) == (SYNTHETIC_KEY, 5, [])
    assert len(api.course_info(SYNTHETIC_KEY).modules) == 5
