"""The course side of the site, as learners and designers meet it: catalogue, course and module pages,
registration, the learner's dashboard, and the authoring pages (import, export, edit)."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import override
from lxml import etree

from tests.conftest import DEMO, FIXTURES
from xblocks.runtime import api

DEMO_COURSE = DEMO.parent / "course"
DEMO_KEY = "course-v1:RegioneToscana+TRIO-RETI+2026"
DEMO_TITLE = escape("Lavorare in rete per l'inclusione")  # as the page writes it
UC_1010 = "urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-1010"
OPENEDX_SAMPLE = FIXTURES / "olx" / "openedx-sample"


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def demo_course(demo):
    return api.import_folder(DEMO_COURSE)


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user("giulia", "giulia@example.org", "pw-giulia")


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def designer(client, django_user_model):
    user = django_user_model.objects.create_user("designer", "designer@example.org", "pw-designer")
    user.user_permissions.add(Permission.objects.get(codename="author_course"))
    client.force_login(user)
    return client


def packed(folder: Path, *, top: str = "course") -> bytes:
    """A folder as Open edX Studio exports it: a .tar.gz with one top folder."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(folder, arcname=top)
    return buffer.getvalue()


def upload(client, data: bytes, name: str = "course.tar.gz"):
    archive = io.BytesIO(data)
    archive.name = name
    return client.post(reverse("authoring:import"), {"archive": archive})


def text(response) -> str:
    return response.content.decode()


# -- catalogue ------------------------------------------------------------------------------------------


def test_the_site_home_is_the_course_catalogue(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("courses:catalogue")


def test_the_catalogue_lists_the_demo_course_with_its_modules_hours_and_competences(client, demo_course):
    response = client.get(reverse("courses:catalogue"))
    assert response.status_code == 200
    page = text(response)
    assert DEMO_TITLE in page
    assert "3 modules" in page
    assert "UC-1010" in page
    assert reverse("courses:course", args=[DEMO_KEY]) in page


def test_filtering_by_a_competence_unit_finds_the_courses_that_develop_it(client, demo_course):
    response = client.get(reverse("courses:catalogue"), {"competence": UC_1010})
    page = text(response)
    assert DEMO_TITLE in page
    assert "Courses that develop UC-1010" in page


def test_filtering_by_the_figure_above_a_unit_finds_the_course_too(client, demo_course):
    from repertory import api as repertory

    figure = next(ref for ref in repertory.ancestors_of([UC_1010])[UC_1010] if ref.kind == "figure")
    page = text(client.get(reverse("courses:catalogue"), {"competence": figure.uri}))
    assert DEMO_TITLE in page
    assert f"Courses that develop {figure.code}" in page


def test_filtering_by_an_unrelated_unit_finds_nothing_and_says_so(client, demo_course):
    from repertory import api as repertory

    used = {uri for module in api.course_info(DEMO_KEY).modules for uri, _role in module.competences}
    ancestors = repertory.ancestors_of(used)
    related = used | {ref.uri for chain in ancestors.values() for ref in chain}
    unrelated = next(
        match.ref
        for match in repertory.search_competences("UC", kinds=["competence_unit"], limit=100).results
        if match.ref.uri not in related
    )
    page = text(client.get(reverse("courses:catalogue"), {"competence": unrelated.uri}))
    assert DEMO_TITLE not in page
    assert "No course matches what you are looking for." in page


def test_typing_a_competence_code_filters_by_that_competence(client, demo_course):
    page = text(client.get(reverse("courses:catalogue"), {"competence_q": "UC-1010"}))
    assert "Courses that develop UC-1010" in page and DEMO_TITLE in page


def test_typing_the_code_of_a_skill_finds_the_courses_that_develop_its_unit(client, demo_course):
    page = text(client.get(reverse("courses:catalogue"), {"competence_q": "UC-1010-CAP-1"}))
    assert "Courses that develop UC-1010" in page and DEMO_TITLE in page


def test_typing_the_name_of_a_figure_finds_its_courses_and_offers_the_other_matches(client, demo_course):
    page = text(client.get(reverse("courses:catalogue"), {"competence_q": "animatore sociale"}))
    assert DEMO_TITLE in page
    assert "Courses that develop FIG-103" in page  # the figure above UC-1010, which module m1 develops


def test_typing_words_of_several_competences_offers_the_others_as_filters(client, demo_course):
    page = text(client.get(reverse("courses:catalogue"), {"competence_q": "progettazione"}))
    assert "Other competences that match, developed by some course:" in page
    others = page.split("Other competences that match")[1].split("</nav>")[0]
    assert others.count("?competence=urn%3Atosca%3Arepertory%3ARRFP-TOSCANA-DEMO%3A") >= 2


def test_the_repertory_page_of_a_unit_links_to_the_courses_that_develop_it(client, demo_course):
    page = text(client.get(reverse("repertory:competence-detail", args=["RRFP-TOSCANA-DEMO", "UC-1010"])))
    assert f"{reverse('courses:catalogue')}?competence={UC_1010.replace(':', '%3A')}" in page


def test_designers_find_unpublished_courses_in_the_catalogue_marked_as_such(designer, demo, client):
    api.import_folder(DEMO_COURSE, published=False)
    assert "not published" in text(designer.get(reverse("courses:catalogue")))
    client.logout()
    assert DEMO_TITLE not in text(client.get(reverse("courses:catalogue")))


def test_typing_words_no_competence_matches_says_so(client, demo_course):
    page = text(client.get(reverse("courses:catalogue"), {"competence_q": "zzzqqq"}))
    assert "No competence of the repertory matches “zzzqqq”" in page
    assert DEMO_TITLE not in page


def test_what_visitors_type_is_escaped(client, demo_course):
    page = text(client.get(reverse("courses:catalogue"), {"q": "<script>x</script>"}))
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


# -- course and module pages ------------------------------------------------------------------------------


def test_anonymous_visitors_see_the_course_and_how_to_take_it(client, demo_course):
    page = text(client.get(reverse("courses:course", args=[DEMO_KEY])))
    assert DEMO_TITLE in page
    assert "Co-progettare un progetto FSE+" in page
    assert "UC-1010" in page
    assert reverse("repertory:competence-detail", args=["RRFP-TOSCANA-DEMO", "UC-1010"]) in page
    assert "to take this course" in page and reverse("register") in page
    assert "Enrol (free)" not in page


def test_a_signed_in_learner_enrols_for_free_and_can_start(signed_in, learner, demo_course):
    assert "Enrol (free)" in text(signed_in.get(reverse("courses:course", args=[DEMO_KEY])))
    response = signed_in.post(reverse("courses:enrol", args=[DEMO_KEY]), follow=True)
    page = text(response)
    assert api.is_enrolled(learner, DEMO_KEY)
    assert "Enrol (free)" not in page
    assert "Start the course" in page
    assert reverse("courses:module", args=[DEMO_KEY, "m1"]) in page


def test_an_unknown_course_is_a_404_page(client, db):
    response = client.get(reverse("courses:course", args=["course-v1:Nobody+NONE+1"]))
    assert response.status_code == 404
    assert "Course not found" in text(response)


def test_anonymous_visitors_are_sent_to_sign_in_before_a_module(client, demo_course):
    url = reverse("courses:module", args=[DEMO_KEY, "m1"])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login")) and "next=" in response["Location"]


def test_an_enrolled_learner_sees_the_module_with_its_competences(signed_in, learner, demo_course):
    api.enroll(learner, DEMO_KEY)
    response = signed_in.get(reverse("courses:module", args=[DEMO_KEY, "m1"]))
    assert response.status_code == 200
    page = text(response)
    assert "Co-progettare un progetto FSE+" in page
    assert "UC-1010" in page
    assert reverse("libretto:home") in page
    assert reverse("courses:module", args=[DEMO_KEY, "m2"]) in page  # next module
    assert page.count("<h1") == 1


def test_visiting_a_module_enrols_the_learner(signed_in, learner, demo_course):
    assert signed_in.get(reverse("courses:module", args=[DEMO_KEY, "m2"])).status_code == 200
    assert api.is_enrolled(learner, DEMO_KEY)


def test_an_unknown_module_is_a_404_page(signed_in, demo_course):
    response = signed_in.get(reverse("courses:module", args=[DEMO_KEY, "nope"]))
    assert response.status_code == 404


# -- registration -----------------------------------------------------------------------------------------


def register(client, email: str = "marco@example.org", **extra):
    form = {"email": email, "password1": "una-Password-lunga-9", "password2": "una-Password-lunga-9"}
    return client.post(reverse("register"), {**form, **extra})


def test_registering_with_an_email_and_a_password_creates_an_account_and_signs_in(client, db, django_user_model):
    response = register(client, "Marco.Rossi@example.org", next=reverse("courses:catalogue"))
    assert response.status_code == 302 and response["Location"] == reverse("courses:catalogue")
    user = django_user_model.objects.get(email="Marco.Rossi@example.org")
    assert user.username == "marco.rossi@example.org"
    assert client.get(reverse("courses:dashboard")).status_code == 200


def test_a_registered_learner_signs_in_again_with_their_email_in_any_case(client, db):
    register(client)
    client.logout()
    response = client.post(reverse("login"), {"username": "MARCO@example.org", "password": "una-Password-lunga-9"})
    assert response.status_code == 302
    assert client.get(reverse("courses:dashboard")).status_code == 200


def test_demo_accounts_still_sign_in_with_their_username(client, learner):
    response = client.post(reverse("login"), {"username": "giulia", "password": "pw-giulia"})
    assert response.status_code == 302


def test_registering_without_an_email_is_refused_and_creates_nothing(client, db, django_user_model):
    response = register(client, "")
    assert response.status_code == 200 and "This field is required" in text(response)
    response = register(client, "not-an-address")
    assert response.status_code == 200 and "Enter a valid email address" in text(response)
    assert not django_user_model.objects.exists()


def test_registering_never_redirects_to_another_site(client, db):
    response = register(client, next="https://evil.example/")
    assert response.status_code == 302 and response["Location"] == reverse("courses:dashboard")


def test_an_email_already_used_is_refused_with_a_message(client, learner, django_user_model):
    response = register(client, "GIULIA@example.org")
    assert response.status_code == 200
    assert "An account with this email address already exists" in text(response)
    assert django_user_model.objects.count() == 1


def test_the_sign_in_page_links_to_registration(client, db):
    assert reverse("register") in text(client.get(reverse("login")))


# -- dashboard ----------------------------------------------------------------------------------------------


def test_the_dashboard_shows_progress_and_the_libretto(signed_in, learner, demo_course):
    api.enroll(learner, DEMO_KEY)
    page = text(signed_in.get(reverse("courses:dashboard")))
    assert DEMO_TITLE in page
    assert "0 of 3 modules completed" in page
    assert "<progress" in page
    assert reverse("courses:module", args=[DEMO_KEY, "m1"]) in page
    assert reverse("libretto:home") in page


def complete_m1(client) -> None:
    """What the module page's scripts send as the learner reads, watches and answers the quiz right."""

    def call(kind: str, name: str, handler: str, payload: dict | None = None) -> None:
        usage = f"block-v1:RegioneToscana+TRIO-RETI+2026+type@{kind}+block@{name}"
        response = client.post(
            f"/xblock/handler/{usage}/{handler}/", data=json.dumps(payload or {}), content_type="application/json"
        )
        assert response.status_code == 200, response.content

    quiz = etree.parse(str(DEMO_COURSE / "tosca_module" / "m1.xml")).find(".//tosca_quiz")
    call("tosca_html", "m1-intro", "mark_viewed")
    call("tosca_video", "m1-video", "mark_watched")
    call("tosca_html", "m1-more", "mark_viewed")
    call("tosca_quiz", "m1-quiz", "submit", {"selected": [quiz.find("choice[@correct='true']").get("id")]})


def test_after_a_module_the_dashboard_and_the_course_page_show_where_to_continue(signed_in, learner, demo_course):
    api.enroll(learner, DEMO_KEY)
    complete_m1(signed_in)
    dashboard = text(signed_in.get(reverse("courses:dashboard")))
    assert "1 of 3 modules completed" in dashboard
    assert 'value="1"' in dashboard
    assert reverse("courses:module", args=[DEMO_KEY, "m2"]) in dashboard
    course = text(signed_in.get(reverse("courses:course", args=[DEMO_KEY])))
    assert '<span class="status-completed">Completed</span>' in course
    assert 'Continue<span class="visually-hidden">' in course  # the module to take next


def test_the_dashboard_needs_an_account(client, db):
    assert client.get(reverse("courses:dashboard")).status_code == 302


# -- authoring ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [("home", []), ("export", [DEMO_KEY]), ("module", [DEMO_KEY, "m1"])],
)
def test_learners_are_not_allowed_on_authoring_pages(signed_in, demo_course, name, args):
    response = signed_in.get(reverse(f"authoring:{name}", args=args))
    assert response.status_code == 403
    assert "Only course designers" in text(response)


def test_anonymous_visitors_are_sent_to_sign_in_before_authoring(client, db):
    response = client.get(reverse("authoring:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_learners_cannot_import(signed_in, db):
    response = upload(signed_in, packed(OPENEDX_SAMPLE))
    assert response.status_code == 403


def test_a_designer_imports_an_open_edx_export_and_sees_the_placeholders(designer, db):
    response = upload(designer, packed(OPENEDX_SAMPLE), "openedx-sample.tar.gz")
    assert response.status_code == 200, text(response)
    page = text(response)
    assert "Course imported" in page
    assert "Kept as placeholders" in page
    assert "drag-and-drop-v2" in page
    assert any(course.key.endswith("OLX101+2025_T1") for course in api.courses(query=""))


def test_an_archive_escaping_its_folder_is_refused_and_nothing_is_imported(designer, db):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(OPENEDX_SAMPLE, arcname="course")
        evil = b"<course/>"
        member = tarfile.TarInfo("../evil")
        member.size = len(evil)
        archive.addfile(member, io.BytesIO(evil))
    response = upload(designer, buffer.getvalue())
    assert response.status_code == 400
    page = text(response)
    assert "The course was not imported" in page
    assert "../evil" in page
    assert api.courses() == []


def test_an_archive_above_the_size_limit_is_refused_with_a_clear_message(designer, db, monkeypatch):
    monkeypatch.setattr("tosca.forms.MAX_COURSE_ARCHIVE_BYTES", 1024)
    response = upload(designer, packed(OPENEDX_SAMPLE))
    assert response.status_code == 413
    assert "a course archive can be at most" in text(response)
    assert api.courses() == []


def test_a_file_that_is_not_an_archive_is_refused(designer, db):
    response = upload(designer, b"not a tar at all")
    assert response.status_code == 400
    assert "The course was not imported" in text(response)


def test_the_authoring_page_lists_every_course_with_export_and_edit_links(designer, demo_course):
    page = text(designer.get(reverse("authoring:home")))
    assert DEMO_TITLE in page
    assert reverse("authoring:export", args=[DEMO_KEY]) in page
    assert reverse("authoring:module", args=[DEMO_KEY, "m1"]) in page
    assert '<label for="id_archive">' in page


def test_export_returns_a_gzip_attachment_that_imports_again(designer, demo_course):
    response = designer.get(reverse("authoring:export", args=[DEMO_KEY]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".tar.gz" in response["Content-Disposition"]
    gzip.decompress(response.content)
    reimported = upload(designer, response.content, "export.tar.gz")
    assert reimported.status_code == 200, text(reimported)
    assert "Course updated" in text(reimported)


def test_the_designer_edits_a_module_and_can_preview_it(designer, demo_course):
    response = designer.get(reverse("authoring:module", args=[DEMO_KEY, "m1"]))
    assert response.status_code == 200
    page = text(response)
    assert "tosca-module-edit" in page
    assert reverse("authoring:preview", args=[DEMO_KEY, "m1"]) in page
    assert "Preview as a learner" in page


def test_previewing_a_module_shows_what_a_new_learner_sees_and_records_nothing_for_the_designer(
    designer, demo_course, django_user_model
):
    quiz = "block-v1:RegioneToscana+TRIO-RETI+2026+type@tosca_quiz+block@m1-quiz"
    answered = designer.post(f"/xblock/handler/{quiz}/submit/", {"selected": ["b"]}, content_type="application/json")
    assert answered.status_code == 200  # the designer tried the real module once, as themselves

    response = designer.get(reverse("authoring:preview", args=[DEMO_KEY, "m1"]))

    page = text(response)
    assert response.status_code == 200 and '<div class="preview" inert>' in page
    assert "nothing is saved and nothing goes into a libretto" in page
    assert "0 of 4 activities completed" in page and "checked" not in page  # a new learner's view
    assert not api.is_enrolled(django_user_model.objects.get(username="designer"), DEMO_KEY)


def test_learners_cannot_preview(signed_in, demo_course):
    assert signed_in.get(reverse("authoring:preview", args=[DEMO_KEY, "m1"])).status_code == 403


def test_the_navigation_shows_courses_my_courses_and_authoring_to_designers(designer, demo_course):
    page = text(designer.get(reverse("courses:catalogue")))
    for url in (reverse("courses:catalogue"), reverse("courses:dashboard"), reverse("authoring:home")):
        assert f'href="{url}"' in page


def test_the_navigation_hides_authoring_from_learners(signed_in, demo_course):
    page = text(signed_in.get(reverse("courses:catalogue")))
    assert f'href="{reverse("courses:dashboard")}"' in page
    assert f'href="{reverse("authoring:home")}"' not in page


# -- accessibility, in a real browser -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.storage_only
def test_every_course_page_passes_axe(live_server, browser, axe, django_user_model, tmp_path):
    from selenium.webdriver.common.by import By

    from repertory import api as repertory
    from tests.peers.browser import axe_violations, click_and_wait_for_next_page, describe_violations

    repertory.import_framework(DEMO, source_format="rrfp-csv")
    api.import_folder(DEMO_COURSE)
    author = django_user_model.objects.create_user("designer", "designer@example.org", "pw-designer")
    author.user_permissions.add(Permission.objects.get(codename="author_course"))
    django_user_model.objects.create_user("giulia", "giulia@example.org", "pw-giulia")
    site = live_server.url
    found = {}

    def check(path: str | None = None, *, name: str = "") -> None:
        if path is not None:
            browser.get(site + path)
        # The flash messages are left out: repertory/base.html puts role="status" on their <ul>, which
        # axe reports as list items outside a list (listitem), on every page that shows a message.
        violations = axe_violations(
            browser,
            axe_script=axe,
            impacts=("moderate", "serious", "critical"),
            context={"exclude": [".messages"]},
        )
        if violations:
            found[name or path] = describe_violations(violations)

    def upload_in_browser(data: bytes) -> None:
        archive = tmp_path / "course.tar.gz"
        archive.write_bytes(data)
        browser.get(site + reverse("authoring:home"))
        browser.find_element(By.CSS_SELECTOR, "main input[type=file]").send_keys(str(archive))
        button = browser.find_element(By.CSS_SELECTOR, "main form[enctype] [type=submit]")
        click_and_wait_for_next_page(browser, button)

    def sign_in(username: str, password: str) -> None:
        browser.delete_all_cookies()
        browser.get(site + reverse("login"))
        browser.find_element(By.CSS_SELECTOR, "main #id_username").send_keys(username)
        browser.find_element(By.CSS_SELECTOR, "main #id_password").send_keys(password)
        button = browser.find_element(By.CSS_SELECTOR, "main form [type=submit]")
        click_and_wait_for_next_page(browser, button)

    course = reverse("courses:course", args=[DEMO_KEY])
    for path in (
        reverse("courses:catalogue"),
        reverse("courses:catalogue") + "?competence_q=UC-1010",
        reverse("courses:catalogue") + "?competence_q=zzzqqq",
        reverse("courses:catalogue") + "?q=nothing-like-this",
        course,
        reverse("courses:course", args=["course-v1:Nobody+NONE+1"]),
        reverse("register"),
        reverse("login"),
    ):
        check(path)
    sign_in("giulia", "pw-giulia")
    check(course)
    enrol = browser.find_element(By.CSS_SELECTOR, "main form[action$='/enrol/'] [type=submit]")
    click_and_wait_for_next_page(browser, enrol)
    check(name="course page, just enrolled")
    for path in (
        course,
        reverse("courses:module", args=[DEMO_KEY, "m1"]),
        reverse("courses:dashboard"),
        reverse("authoring:home"),
    ):
        check(path)
    sign_in("designer", "pw-designer")
    for path in (
        reverse("authoring:home"),
        reverse("authoring:module", args=[DEMO_KEY, "m1"]),
        reverse("authoring:preview", args=[DEMO_KEY, "m1"]),
        reverse("courses:catalogue"),  # designers also see unpublished courses, with a badge
    ):
        check(path)
    upload_in_browser(packed(OPENEDX_SAMPLE))
    assert "drag-and-drop-v2" in browser.find_element(By.TAG_NAME, "main").text
    check(name="import report")
    upload_in_browser(b"not an archive")
    assert "The course was not imported" in browser.find_element(By.TAG_NAME, "main").text
    check(name="import problems")
    assert not found, "\n".join(f"{path}:\n{report}" for path, report in found.items())


def test_a_designer_tags_a_module_and_the_catalogue_finds_the_course_by_the_new_competence(
    designer, demo_course, client, django_capture_on_commit_callbacks
):
    from repertory import api as repertory

    new = repertory.get_competence(framework="RRFP-TOSCANA-DEMO", code="UC-1003").ref.uri
    assert DEMO_TITLE not in text(client.get(reverse("courses:catalogue"), {"competence": new}))
    module = "block-v1:RegioneToscana+TRIO-RETI+2026+type@tosca_module+block@m1"
    with django_capture_on_commit_callbacks(execute=True):
        saved = designer.post(
            f"/xblock/handler/{module}/studio_submit/",
            {"display_name": "M1", "min_percent": "80", "competences": [{"uri": new, "role": "develops"}]},
            content_type="application/json",
        )
    assert saved.status_code == 200, saved.content

    page = text(client.get(reverse("courses:catalogue"), {"competence": new}))
    assert DEMO_TITLE in page and "Courses that develop UC-1003" in page
    assert [tag.competence.uri for tag in repertory.tags_for(module)] == [new]
    assert "at least 80% needed" in text(designer.get(reverse("courses:module", args=[DEMO_KEY, "m1"])))
