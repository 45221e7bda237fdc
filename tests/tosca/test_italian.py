"""Italian is the default language: a citizen reads the catalogue, the modules, the blocks' messages and every
answer of the course runtime in Italian, and every message Tosca's site and blocks can show has a translation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.urls import reverse

from tests.conftest import DEMO
from xblocks.runtime import api

ROOT = Path(__file__).resolve().parents[2]
DEMO_KEY = "course-v1:RegioneToscana+TRIO-RETI+2026"
QUIZ = "block-v1:RegioneToscana+TRIO-RETI+2026+type@tosca_quiz+block@m1-quiz"


@pytest.fixture
def demo_course(demo):
    return api.import_folder(DEMO.parent / "course")


@pytest.fixture
def citizen(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("anna", "anna@example.org", "pw"))
    return client


@pytest.mark.parametrize("app", ["tosca", "xblocks", "repertory", "libretto", "sync", "lti_tool", "scorm_export"])
def test_every_message_of_the_app_has_an_italian_translation(app):
    with (ROOT / app / "locale" / "it" / "LC_MESSAGES" / "django.po").open("rb") as po:
        catalog = read_po(po)
    missing = [
        message.id
        for message in catalog
        if message.id
        and (message.fuzzy or not all(message.string if isinstance(message.string, tuple) else [message.string]))
    ]
    assert not missing


def test_the_catalogue_and_the_registration_page_are_in_italian(client, demo_course):
    catalogue = client.get(reverse("courses:catalogue")).content.decode()
    register = client.get(reverse("register")).content.decode()

    assert '<html lang="it">' in catalogue and "Corsi aperti" in catalogue and "3 moduli" in catalogue
    assert "Crea un account" in register and "Indirizzo email" in register


def test_a_module_and_its_blocks_speak_italian(citizen, demo_course):
    page = citizen.get(reverse("courses:module", args=[DEMO_KEY, "m1"])).content.decode()

    assert "Competenze che questo modulo sviluppa" in page
    assert "0 attività su 4 completate" in page and "minimo richiesto 60%" in page
    assert "3 tentativi rimasti" in page and "Segna come visto" in page and "Invia" in page


def test_the_quiz_answers_in_italian_with_the_right_plural(citizen, demo_course):
    def submit(choice: str) -> dict:
        body = json.dumps({"selected": [choice]})
        return citizen.post(f"/xblock/handler/{QUIZ}/submit/", body, content_type="application/json").json()

    first, second = submit("a"), submit("a")
    unknown = submit("z")

    assert first["message"] == "Non corretto. Leggi i commenti e riprova."
    assert first["attempts_text"] == "2 tentativi rimasti" and second["attempts_text"] == "1 tentativo rimasto"
    assert unknown == {"error": "In questa domanda non c’è l’opzione “z”."}


def test_a_refused_course_archive_is_explained_in_italian(demo, django_user_model, client):
    from django.contrib.auth.models import Permission

    designer = django_user_model.objects.create_user("paola", "paola@example.org", "pw")
    designer.user_permissions.add(Permission.objects.get(codename="author_course"))
    client.force_login(designer)
    with DEMO.open("rb") as archive:  # a CSV, not a course archive
        page = client.post(reverse("authoring:import"), {"archive": archive}).content.decode()

    assert "Il corso non è stato importato" in page and "non è l’archivio tar.gz di un corso" in page


def test_an_exported_scorm_module_speaks_the_course_language(demo_course):
    import io
    import zipfile

    from scorm_export import api as scorm

    package = scorm.export_package(DEMO_KEY, "1.2")
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        page = archive.read("m1/index.html").decode()

    assert '<html lang="it">' in page and "Successiva" in page and "Verifica la risposta" in page
    assert "Pagina %(page)s di %(pages)s" in page and "Corretto." in page
