"""Bad input gets a clear answer and changes nothing: archives that would escape their folder or explode,
broken OLX, competences the repertory does not know, handler calls by the wrong person, of the wrong kind, or
naming what does not exist."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.xblocks.conftest import DEMO_COURSE, DEMO_KEY, usage
from xblocks.runtime import api, archive, olx
from xblocks.runtime.models import Course, FieldValue

pytestmark = pytest.mark.usefixtures("english_pages")

UC_1010 = "urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-1010"
KEY = "course-v1:Tosca+SEC+1"
COURSE_XML = '<course url_name="1" org="Tosca" course="SEC"/>'
OUTLINE = '<course display_name="Sicurezza"><chapter display_name="Uno"><tosca_module url_name="m"/></chapter></course>'
HTML = '<tosca_html url_name="h" display_name="Testo"><![CDATA[<p>Ciao</p>]]></tosca_html>'


def course_files(module: str, **extra: str | bytes) -> dict[str, bytes]:
    files = {"course.xml": COURSE_XML, "course/1.xml": OUTLINE, "tosca_module/m.xml": module, **extra}
    return {path: content.encode() if isinstance(content, str) else content for path, content in files.items()}


def tar_of(files: dict[str, bytes], *, top: str = "sec") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path, content in files.items():
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def with_member(info: tarfile.TarInfo, content: bytes = b"") -> bytes:
    """A valid course archive plus one more member, as given."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path, data in course_files(f"<tosca_module>{HTML}</tosca_module>").items():
            member = tarfile.TarInfo(f"sec/{path}")
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
        info.size = len(content) if info.isfile() else 0
        tar.addfile(info, io.BytesIO(content) if info.isfile() else None)
    return buffer.getvalue()


def assert_nothing_imported() -> None:
    assert not Course.objects.exists()
    assert not FieldValue.objects.exists()
    courses = Path(settings.MEDIA_ROOT) / "courses"
    assert not courses.exists() or not [path for path in courses.rglob("*") if path.is_file()]


# -- archives --------------------------------------------------------------------------------------------


def _link(kind: bytes, name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


@pytest.mark.parametrize(
    ("member", "entry", "why"),
    [
        (tarfile.TarInfo("sec/../../escape.txt"), "sec/../../escape.txt", "“..” is not allowed"),
        (tarfile.TarInfo("/etc/cron.d/tosca"), "/etc/cron.d/tosca", "absolute paths are not allowed"),
        (_link(tarfile.SYMTYPE, "sec/static/passwd", "/etc/passwd"), "sec/static/passwd", "links are not allowed"),
        (_link(tarfile.LNKTYPE, "sec/static/hard", "sec/course.xml"), "sec/static/hard", "links are not allowed"),
    ],
    ids=["dot-dot", "absolute", "symlink", "hardlink"],
)
def test_an_archive_entry_that_could_reach_outside_the_course_is_refused_by_name(db, member, entry, why):
    with pytest.raises(api.ArchiveRejected) as refused:
        api.import_archive(with_member(member, b"x"), name="bad.tar.gz")

    assert f"“{entry}”" in str(refused.value) and why in str(refused.value)
    assert_nothing_imported()


def test_something_that_is_not_a_tar_gz_is_refused_with_its_name(db):
    with pytest.raises(api.ArchiveRejected, match=r"notes\.txt is not a tar\.gz course archive"):
        api.import_archive(b"just some text, not an archive", name="notes.txt")

    assert_nothing_imported()


class _Zeros(io.RawIOBase):
    """`size` zero bytes, read in chunks: a huge member never held in memory."""

    def __init__(self, size: int):
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


def _zeros_archive(path: Path, size: int, level: int) -> bytes:
    with tarfile.open(path, mode="w:gz", compresslevel=level) as tar:
        for name, data in course_files(f"<tosca_module>{HTML}</tosca_module>").items():
            info = tarfile.TarInfo(f"sec/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo("sec/static/zeros.bin")
        info.size = size
        tar.addfile(info, _Zeros(size))
    return path.read_bytes()


def test_a_decompression_bomb_of_600_mb_is_refused_without_unpacking_it(db, tmp_path):
    data = _zeros_archive(tmp_path / "bomb.tar.gz", 600 * 1024 * 1024, level=1)
    assert len(data) < 4 * 1024 * 1024

    with pytest.raises(api.ArchiveRejected, match=r"“sec/static/zeros\.bin” is larger than 200 MB"):
        api.import_archive(data, name="bomb.tar.gz")

    assert_nothing_imported()


def test_an_archive_that_unpacks_to_far_more_than_its_own_size_is_refused(db, tmp_path):
    data = _zeros_archive(tmp_path / "ratio.tar.gz", 40 * 1024 * 1024, level=9)  # 40 MB in about 40 kB

    with pytest.raises(api.ArchiveRejected, match=r"ratio\.tar\.gz unpacks to more than .* decompression bomb"):
        api.import_archive(data, name="ratio.tar.gz")

    assert_nothing_imported()


def test_the_total_size_limit_stops_an_archive_of_many_modest_files(db, monkeypatch):
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 2 * 1024 * 1024)
    files = course_files(f"<tosca_module>{HTML}</tosca_module>")
    files.update({f"static/part-{index}.bin": bytes(range(256)) * 2048 for index in range(5)})  # 512 kB each

    with pytest.raises(api.ArchiveRejected, match="unpacks to more than 2 MB"):
        api.import_archive(tar_of(files), name="big.tar.gz")

    assert_nothing_imported()


def test_an_asset_that_is_both_a_file_and_a_folder_is_refused_by_name(db):
    files = course_files(f"<tosca_module>{HTML}</tosca_module>", **{"static/img": b"x", "static/img/a.png": b"y"})

    with pytest.raises((api.ArchiveRejected, api.OlxRejected), match="static/img"):
        api.import_archive(tar_of(files), name="clash.tar.gz")

    assert_nothing_imported()


# -- OLX -------------------------------------------------------------------------------------------------


def test_malformed_xml_in_a_module_file_is_refused_naming_the_file_and_line(db):
    module = '<tosca_module display_name="M">\n  <tosca_html url_name="h">\n    <p>unclosed\n</tosca_module>\n'

    with pytest.raises(api.OlxRejected) as refused:
        api.import_archive(tar_of(course_files(module)))

    [problem] = refused.value.problems
    assert problem.file == "tosca_module/m.xml" and problem.line == 4
    assert str(problem).startswith("tosca_module/m.xml, line 4: not well-formed XML")
    assert_nothing_imported()


def test_every_problem_of_a_course_is_listed_at_once(db):
    outline = (
        '<course display_name="x"><chapter display_name="a"><tosca_module url_name="m"/>'
        '<tosca_module url_name="missing"/><vertical url_name="broken"/></chapter></course>'
    )
    files = course_files(f"<tosca_module>{HTML}</tosca_module>", **{"course/1.xml": outline})
    files["vertical/broken.xml"] = b"<vertical><html></vertical>"

    with pytest.raises(api.OlxRejected) as refused:
        api.import_archive(tar_of(files))

    assert {problem.file for problem in refused.value.problems} == {"tosca_module/missing.xml", "vertical/broken.xml"}
    assert_nothing_imported()


def test_an_unknown_block_type_in_a_unit_becomes_a_placeholder_not_a_failure(db, learner):
    outline = (
        '<course display_name="x"><chapter display_name="a"><sequential url_name="s" display_name="Unità">'
        '<vertical><html url_name="h" display_name="Testo">ciao</html>'
        '<poll url_name="poll1" display_name="Sondaggio"/></vertical></sequential></chapter></course>'
    )
    report = api.import_archive(tar_of(course_files("<tosca_module/>", **{"course/1.xml": outline})))

    assert [line.split(":")[0] for line in report.placeholders] == ["course/1.xml"]
    assert "“Sondaggio” (poll)" in report.placeholders[0]
    page = api.render_module(KEY, "s", learner).body
    assert "This content (“poll”) is not available here." in page


def test_an_unknown_block_type_inside_a_module_becomes_a_placeholder_not_a_failure(db, learner):
    module = f'<tosca_module display_name="M">{HTML}<poll url_name="poll1" display_name="Sondaggio"/></tosca_module>'

    report = api.import_archive(tar_of(course_files(module)))

    assert len(report.placeholders) == 1 and "“Sondaggio” (poll)" in report.placeholders[0]
    assert "This content (“poll”) is not available here." in api.render_module(KEY, "m", learner).body


def test_a_competence_the_repertory_does_not_know_is_refused_naming_the_module_file(demo):
    module = (
        '<tosca_module display_name="M"><competence uri="urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-9999"/>'
        f'<competence uri="{UC_1010}"/>{HTML}</tosca_module>'
    )

    with pytest.raises(api.OlxRejected) as refused:
        api.import_archive(tar_of(course_files(module)))

    [problem] = refused.value.problems
    assert problem.file == "tosca_module/m.xml"
    assert "no live competence urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-9999" in problem.message
    assert_nothing_imported()


def test_a_refused_reimport_leaves_the_course_its_assets_and_its_learners_state_as_they_were(
    demo_course, as_learner, tmp_path
):
    as_learner.call(usage("tosca_quiz", "m1-quiz"), "submit", {"selected": ["a"]})
    before = api.course_info(DEMO_KEY)
    broken = tmp_path / "course"
    shutil.copytree(DEMO_COURSE, broken)
    module = broken / "tosca_module" / "m3.xml"
    module.write_text(module.read_text().replace("UC-1024", "UC-0000"))
    (broken / "static" / "new-asset.txt").write_text("nuovo")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(broken, arcname="course")

    with pytest.raises(api.OlxRejected, match=r"tosca_module/m3\.xml: The repertory has no live competence"):
        api.import_archive(buffer.getvalue())

    assert api.course_info(DEMO_KEY) == before
    assert quiz_state(as_learner.user) == (1, ["a"])
    assert as_learner.client.get(f"/xblock/asset/{DEMO_KEY}/m1-video.it.vtt").status_code == 200
    assert as_learner.client.get(f"/xblock/asset/{DEMO_KEY}/new-asset.txt").status_code == 404
    assert len(list((Path(settings.MEDIA_ROOT) / "courses").iterdir())) == 1
    assert len(list((Path(settings.MEDIA_ROOT) / "courses").rglob("new-asset.txt"))) == 0


def test_xml_entities_are_never_expanded_so_no_local_file_leaks_into_a_course(db, learner, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-TOSCA")
    module = (
        f'<!DOCTYPE tosca_module [<!ENTITY leak SYSTEM "file://{secret}">]>'
        f'<tosca_module display_name="M"><tosca_html url_name="h">&leak;</tosca_html></tosca_module>'
    )

    api.import_archive(tar_of(course_files(module)))

    assert "TOP-SECRET-TOSCA" not in api.render_module(KEY, "m", learner).body
    assert "TOP-SECRET-TOSCA" not in json.dumps(list(FieldValue.objects.values_list("value", flat=True)))


class _Stop(Exception):
    pass


def fan_out(levels: int) -> dict[str, bytes]:
    """A course whose module points at a file of 10 pointers to a file of 10 pointers... `levels` deep: a few
    small files that expand to 10**levels blocks."""
    files = course_files('<tosca_module display_name="M"><vertical url_name="v0"/></tosca_module>')
    for level in range(levels):
        pointers = f'<vertical url_name="v{level + 1}"/>' * 10
        files[f"vertical/v{level}.xml"] = f"<vertical>{pointers}</vertical>".encode()
    files[f"vertical/v{levels}.xml"] = b'<vertical><html display_name="x">y</html></vertical>'
    return files


@pytest.fixture
def parses_counted(monkeypatch):
    """Stop an import that parses far more files than any archive holds (the importer would run for hours)."""
    real_xml = olx._Reader.xml
    parsed = {"files": 0}

    def counted(reader, path):
        parsed["files"] += 1
        if parsed["files"] > 20_000:  # the archive's own limit on entries
            raise _Stop(f"{parsed['files']} file parses and counting")
        return real_xml(reader, path)

    monkeypatch.setattr(olx._Reader, "xml", counted)
    return parsed


def test_pointers_that_fan_out_exponentially_are_refused_quickly(db, parses_counted):
    with pytest.raises(api.OlxRejected) as refused:
        api.import_archive(tar_of(fan_out(6)))  # a million blocks, nested 9 levels: deep enough is not the issue

    [problem] = refused.value.problems
    assert problem.file.startswith("vertical/") and "blocks are referenced: refused" in problem.message
    assert_nothing_imported()


def test_a_refused_course_names_each_problem_once_in_a_readable_message(db, parses_counted):
    with pytest.raises(api.OlxRejected) as refused:
        api.import_archive(tar_of(fan_out(10)))  # too deep, and fanning out

    problems = [str(problem) for problem in refused.value.problems]
    assert "blocks are nested too deeply" in problems[0]
    assert len(problems) == len(set(problems))
    assert len(str(refused.value)) < 10_000
    assert_nothing_imported()


def test_a_quiz_weight_that_is_not_a_finite_number_is_refused_naming_the_file(db):
    quiz = (
        '<tosca_quiz url_name="q" weight="inf"><question>Q</question>'
        '<choice id="a" correct="true">A</choice></tosca_quiz>'
    )

    with pytest.raises(api.OlxRejected, match=r"tosca_module/m\.xml"):
        api.import_archive(tar_of(course_files(f"<tosca_module>{quiz}</tosca_module>")))

    assert_nothing_imported()


# -- handlers --------------------------------------------------------------------------------------------


def post(client, usage_id: str, handler: str, payload: dict | None = None):
    return client.post(
        f"/xblock/handler/{usage_id}/{handler}/", data=json.dumps(payload or {}), content_type="application/json"
    )


def quiz_state(user) -> tuple[int, list[str]]:
    quiz = api.runtime_for(DEMO_KEY, user).get_block(usage("tosca_quiz", "m1-quiz"))
    return quiz.attempts, quiz.selected


def test_a_handler_called_by_someone_not_signed_in_answers_401(demo_course, client):
    response = post(client, usage("tosca_quiz", "m1-quiz"), "submit", {"selected": ["b"]})

    assert response.status_code == 401
    assert response.json() == {"error": "Sign in to take part in this course."}
    assert not FieldValue.objects.exclude(user_id=0).exists()


def test_a_handler_call_without_the_csrf_token_is_refused(demo_course, learner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)

    response = post(browser, usage("tosca_quiz", "m1-quiz"), "submit", {"selected": ["b"]})

    assert response.status_code == 403
    assert quiz_state(learner) == (0, [])


def test_a_learner_calling_the_same_handler_url_changes_only_their_own_state(demo_course, django_user_model, client):
    anna = django_user_model.objects.create_user("anna", "anna@example.org", "pw")
    bruno = django_user_model.objects.create_user("bruno", "bruno@example.org", "pw")
    quiz = usage("tosca_quiz", "m1-quiz")
    client.force_login(anna)
    assert post(client, quiz, "submit", {"selected": ["a"]}).json()["attempts"] == 1

    client.force_login(bruno)
    answer = post(client, quiz, "submit", {"selected": ["c"]}).json()
    page = api.render_module(DEMO_KEY, "m1", bruno).body

    assert answer["attempts"] == 1 and answer["attempts_left"] == 2  # bruno's first, not anna's second
    assert quiz_state(anna) == (1, ["a"])
    assert quiz_state(bruno) == (1, ["c"])
    assert 'value="c" checked' in page and 'value="a" checked' not in page


def test_an_answer_naming_a_choice_that_does_not_exist_is_refused_by_name(demo_course, as_learner):
    as_learner.call(usage("tosca_quiz", "m1-quiz"), "submit", {"selected": ["a"]})

    response = as_learner.call(usage("tosca_quiz", "m1-quiz"), "submit", {"selected": ["z-nowhere"]})

    assert response.status_code == 400
    assert response.json() == {"error": "There is no choice “z-nowhere” in this question."}
    assert quiz_state(as_learner.user) == (1, ["a"])


def test_designer_html_is_sanitized_when_saved_and_when_shown(demo_course, designer, learner, client):
    text = usage("tosca_html", "m1-intro")
    dangerous = (
        '<p>Nuovo testo<script>alert("x")</script></p><img src="/static/m1.png" onerror="alert(1)" alt="schema">'
        '<a href="javascript:alert(2)">link</a><iframe src="https://evil.example"></iframe>'
    )
    client.force_login(learner)
    refused = post(client, text, "studio_submit", {"display_name": "Hacked", "content": "<p>x</p>"})
    client.force_login(designer)
    saved = post(client, text, "studio_submit", {"display_name": "Introduzione", "content": dangerous})

    assert refused.status_code == 403
    assert refused.json()["error"] == "Only the course's designers can change this text."
    assert saved.status_code == 200, saved.content
    stored = api.runtime_for(DEMO_KEY, learner).get_block(text).content
    for page in (stored, api.render_module(DEMO_KEY, "m1", learner).body):
        assert "Nuovo testo" in page and 'alt="schema"' in page
        assert "alert" not in page and "onerror" not in page and "<iframe" not in page
        assert "javascript:" not in page
    assert "Hacked" not in api.render_module(DEMO_KEY, "m1", learner).body


def test_the_handlers_of_an_unpublished_course_are_not_found_for_learners(
    demo, learner, designer, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api.import_folder(DEMO_COURSE, published=False)
    text = usage("tosca_html", "m1-intro")
    client.force_login(learner)

    assert post(client, text, "mark_viewed").status_code == 404
    assert post(client, usage("tosca_module", "m1"), "check").status_code == 404
    with pytest.raises(api.CourseNotFound):
        api.render_module(DEMO_KEY, "m1", learner)
    client.force_login(designer)
    assert post(client, text, "mark_viewed").status_code == 200  # its designers can try it out


def test_get_on_a_handler_that_needs_post_answers_405_in_json(demo_course, as_learner):
    for usage_id, handler in [
        (usage("tosca_quiz", "m1-quiz"), "submit"),
        (usage("tosca_module", "m1"), "check"),
        (usage("tosca_html", "m1-intro"), "mark_viewed"),
        (usage("tosca_video", "m1-video"), "mark_watched"),
    ]:
        response = as_learner.client.get(f"/xblock/handler/{usage_id}/{handler}/")

        assert response.status_code == 405, handler
        assert response["Content-Type"].startswith("application/json") and response["Allow"] == "POST"
        assert response.json() == {"error": "This action needs a POST request."}
    assert quiz_state(as_learner.user) == (0, [])


def test_a_designer_following_a_link_or_loading_an_image_to_a_save_handler_changes_nothing(demo_course, designer):
    browser = Client(enforce_csrf_checks=True)  # a GET passes CSRF checks: the method itself must be refused
    browser.force_login(designer)
    module = usage("tosca_module", "m1")
    text = usage("tosca_html", "m1-intro")
    aside = f"aside-usage-v2:{text}::tosca_competences"
    client = Client()
    client.force_login(designer)
    assert post(client, aside, "save_tags", {"competences": [{"uri": UC_1010, "role": "develops"}]}).status_code == 200
    before = api.course_info(DEMO_KEY).modules[0]

    for usage_id, handler in [(module, "studio_submit"), (text, "studio_submit"), (aside, "save_tags")]:
        assert browser.get(f"/xblock/handler/{usage_id}/{handler}/").status_code == 405, handler

    assert api.course_info(DEMO_KEY).modules[0] == before
    runtime = api.runtime_for(DEMO_KEY, designer)
    block = runtime.get_block(text)
    assert runtime.get_aside_of_type(block, "tosca_competences").tosca_competences == [
        {"uri": UC_1010, "role": "develops"}
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/xblock/handler/block-v1:RegioneToscana+TRIO-RETI+2026+type@tosca_quiz+block@nowhere/submit/",
        "/xblock/handler/block-v1:RegioneToscana+TRIO-RETI+2026+type@tosca_quiz+block@m1-quiz/no_such_handler/",
        "/xblock/handler/block-v1:RegioneToscana+TRIO-RETI+2026+type@tosca_quiz+block@m1-quiz/student_view/",
        "/xblock/handler/not-a-usage-id/submit/",
        "/xblock/handler/aside-usage-v2:garbage/save_tags/",
    ],
)
def test_handler_urls_naming_nothing_real_are_not_found(demo_course, as_learner, url):
    response = as_learner.client.post(url, data="{}", content_type="application/json")

    assert response.status_code == 404
