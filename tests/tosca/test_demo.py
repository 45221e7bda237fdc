"""What `make run` shows: the demo learner's libretto with attested competences, and every export."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from libretto import api as libretto


@pytest.fixture
def demo_site(db, django_user_model, settings, django_capture_on_commit_callbacks):
    settings.TOSCA_SYNC_DISPATCH = "inline"
    with django_capture_on_commit_callbacks(execute=True):  # as in `make run`, where each write commits
        call_command("load_demo", "--accounts")
    return django_user_model.objects.get(username="demo")


def test_the_demo_learner_has_attested_competences_and_a_declaration_to_validate(demo_site):
    entries = libretto.libretto_for(demo_site).entries
    attested = sorted(entry.competence.code for entry in entries if entry.status == "attested")
    assert attested == ["UC-1003", "UC-1017", "UC-1018", "UC-1019"]
    assert [entry.competence.code for entry in entries if entry.status == "self_declared"] == ["UC-1008"]


def test_loading_the_demo_again_changes_nothing(demo_site):
    before = libretto.export_data(demo_site)
    call_command("load_demo", "--accounts")
    after = libretto.export_data(demo_site)
    assert {key: value for key, value in before.items() if key != "generated_at"} == {
        key: value for key, value in after.items() if key != "generated_at"
    }


@pytest.mark.parametrize(
    "name", ["home", "export-json", "export-print", "export-xapi", "badges", "my-data", "declare", "delete"]
)
def test_every_page_and_export_of_the_demo_libretto_answers(client, demo_site, name):
    client.login(username="demo", password="demo")
    assert client.get(reverse(f"libretto:{name}")).status_code == 200


def test_the_demo_operator_sees_the_declaration_to_validate(client, demo_site):
    client.login(username="operatore", password="operatore")
    page = client.get(reverse("libretto:validation"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "UC-1008" in page and "Giulia Rossi" in page


DEMO_COURSE_KEY = "course-v1:RegioneToscana+TRIO-RETI+2026"


def test_the_demo_designer_can_author_and_the_demo_course_is_in_the_catalogue(client, demo_site):
    from xblocks.runtime import api as courses

    assert [module.name for module in courses.course_info(DEMO_COURSE_KEY).modules] == ["m1", "m2", "m3"]
    client.login(username="progettista", password="progettista")
    page = client.get(reverse("authoring:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "TRIO-RETI" in page or "Lavorare in rete" in page
    assert client.get(reverse("authoring:module", args=[DEMO_COURSE_KEY, "m1"])).status_code == 200
    client.login(username="demo", password="demo")
    assert client.get(reverse("authoring:home")).status_code == 403  # the learner is not a designer


def test_loading_the_demo_again_keeps_what_a_designer_changed_in_the_demo_course(
    client, demo_site, django_capture_on_commit_callbacks
):
    from xblocks.runtime import api as courses

    client.login(username="progettista", password="progettista")
    module = "block-v1:RegioneToscana+TRIO-RETI+2026+type@tosca_module+block@m1"
    with django_capture_on_commit_callbacks(execute=True):  # the outline is refreshed once the change commits
        saved = client.post(
            f"/xblock/handler/{module}/studio_submit/",
            {"display_name": "Reti per l'inclusione (rivisto)", "competences": []},
            content_type="application/json",
        )
    assert saved.status_code == 200, saved.content

    call_command("load_demo")
    assert courses.course_info(DEMO_COURSE_KEY).modules[0].title == "Reti per l'inclusione (rivisto)"
    call_command("load_demo", "--reload-course")
    assert courses.course_info(DEMO_COURSE_KEY).modules[0].title != "Reti per l'inclusione (rivisto)"
