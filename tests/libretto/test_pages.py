"""The learner's libretto pages: read it grouped as the repertory is, complete Section 1, declare competences."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from libretto import api
from libretto.models import CompetenceEntry, SupportingDocument

PDF = b"%PDF-1.4\n% a tiny test document\n"


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_libretto_needs_signing_in(client):
    response = client.get(reverse("libretto:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_attested_competences_are_grouped_by_framework_and_figure_with_their_evidence(signed_in, attested):
    page = html(signed_in.get(reverse("libretto:home"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Repertorio regionale" in page or "RRFP-TOSCANA-DEMO" in page
    assert "evidence of learning, not a certificate" in page
    assert "Modulo A" in page and "Modulo B" in page and "attested by a learning platform" in page
    assert page.count('class="entry status-attested"') == 3
    figures = re.findall(r'<h4 class="figure-title">([^<]+)</h4>', page)
    assert figures and all(figures)


def test_section_one_items_can_be_added_edited_and_removed(signed_in, learner):
    response = signed_in.post(
        reverse("libretto:curriculum-new"),
        {
            "kind": "work",
            "title": "Educatrice",
            "organisation": "Nido Il Girasole",
            "start": "2019-09-01",
            "end": "2023-07-31",
            "description": "",
        },
    )
    assert response.status_code == 302
    item = api.libretto_for(learner).curriculum[0]
    assert (item.title, item.organisation) == ("Educatrice", "Nido Il Girasole")
    signed_in.post(
        reverse("libretto:curriculum-edit", args=[item.id]),
        {
            "kind": "work",
            "title": "Coordinatrice",
            "organisation": "Nido Il Girasole",
            "start": "2019-09-01",
            "end": "",
            "description": "",
        },
    )
    assert api.libretto_for(learner).curriculum[0].title == "Coordinatrice"
    signed_in.post(reverse("libretto:curriculum-delete", args=[item.id]))
    assert api.libretto_for(learner).curriculum == ()


def test_a_period_that_ends_before_it_starts_is_refused(signed_in, learner):
    response = signed_in.post(
        reverse("libretto:curriculum-new"),
        {
            "kind": "training",
            "title": "Corso",
            "start": "2024-05-01",
            "end": "2024-01-01",
        },
    )
    assert "The end comes before the start." in html(response)
    assert api.libretto_for(learner).curriculum == ()


def test_someone_elses_curriculum_item_cannot_be_touched(client, learner, django_user_model):
    item_id = api.save_curriculum_item(
        learner, kind="work", title="Educatrice", organisation="", start=None, end=None, description=""
    )
    other = django_user_model.objects.create_user("mario", password="x")
    client.force_login(other)
    assert client.get(reverse("libretto:curriculum-edit", args=[item_id])).status_code == 403
    assert client.post(reverse("libretto:curriculum-delete", args=[item_id])).status_code == 403


def declare(client, uri: str, documents=(), **fields):
    data = {
        "competence": uri,
        "statement": "Ho coordinato per due anni un gruppo di volontari.",
        "period_start": "2022-01-01",
        "period_end": "2023-12-31",
        **fields,
    }
    if documents:
        data["documents"] = list(documents)
    return client.post(reverse("libretto:declare") + f"?competence={uri}", data)


def test_declaring_a_competence_finds_it_in_the_repertory_then_sends_it_for_validation(signed_in, learner, units):
    page = html(signed_in.get(reverse("libretto:declare"), {"q": "progettazione"}))
    assert units[0] in page
    page = html(signed_in.get(reverse("libretto:declare"), {"q": "progettazione", "competence": units[0]}))
    assert 'enctype="multipart/form-data"' in page
    response = declare(signed_in, units[0], [SimpleUploadedFile("attestato.pdf", PDF, "application/pdf")])
    assert response.status_code == 302
    entry = CompetenceEntry.objects.get()
    assert (entry.ambito, entry.status) == ("informal", "self_declared")
    assert SupportingDocument.objects.get().original_name == "attestato.pdf"


def test_documents_that_are_not_pdf_png_or_jpeg_or_too_large_or_too_many_are_refused(signed_in, units, settings):
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    assert "is not a PDF, PNG or JPEG file" in html(declare(signed_in, units[0], [fake]))
    settings.TOSCA_LIBRETTO_DOCUMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("grande.pdf", PDF, "application/pdf")
    assert "each document may be at most" in html(declare(signed_in, units[0], [big]))
    settings.TOSCA_LIBRETTO_DOCUMENT_MAX_BYTES = 1_000_000
    many = [SimpleUploadedFile(f"d{n}.pdf", PDF, "application/pdf") for n in range(6)]
    assert "Attach at most 5 documents" in html(declare(signed_in, units[0], many))
    assert not CompetenceEntry.objects.exists()


def test_operators_validate_or_reject_declarations_with_a_note(client, signed_in, learner, operator, units):
    declare(signed_in, units[0], [SimpleUploadedFile("attestato.pdf", PDF, "application/pdf")])
    declare(signed_in, units[1])
    client.force_login(operator)
    queue = html(client.get(reverse("libretto:validation")))
    assert "Giulia Rossi" in queue and "attestato.pdf" in queue
    first, second = CompetenceEntry.objects.order_by("id")
    refused = client.post(reverse("libretto:validation"), {"entry": second.pk, "decision": "reject", "note": ""})
    assert refused.status_code == 302 and CompetenceEntry.objects.get(pk=second.pk).status == "self_declared"
    client.post(
        reverse("libretto:validation"), {"entry": first.pk, "decision": "approve", "note": "Documenti in regola."}
    )
    client.post(
        reverse("libretto:validation"), {"entry": second.pk, "decision": "reject", "note": "Serve un attestato."}
    )
    statuses = {
        entry.competence.uri: (entry.status, entry.decision_note) for entry in api.libretto_for(learner).entries
    }
    assert statuses[units[0]] == ("validated", "Documenti in regola.")
    assert statuses[units[1]] == ("rejected", "Serve un attestato.")


def test_only_operators_reach_the_validation_queue(signed_in):
    assert signed_in.get(reverse("libretto:validation")).status_code == 302


def test_documents_are_served_to_their_holder_and_operators_only(client, signed_in, operator, units, django_user_model):
    declare(signed_in, units[0], [SimpleUploadedFile("attestato.pdf", PDF, "application/pdf")])
    document = SupportingDocument.objects.get()
    url = reverse("libretto:document", args=[document.pk])
    assert b"".join(signed_in.get(url).streaming_content) == PDF
    client.force_login(operator)
    assert client.get(url).status_code == 200
    client.force_login(django_user_model.objects.create_user("mario", password="x"))
    assert client.get(url).status_code == 403


def assert_every_field_labelled(page: str) -> None:
    assert re.search(r'<html lang="(it|en)">', page)
    fields = re.findall(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', page)
    assert fields
    for field_id in fields:
        assert f'for="{field_id}"' in page or f'id="{field_id}-label"' in page, field_id


@pytest.mark.parametrize(
    ("name", "params"), [("home", {}), ("curriculum-new", {}), ("delete", {}), ("declare", {"q": "progettazione"})]
)
def test_every_field_of_the_learners_pages_has_a_label(signed_in, attested, units, name, params):
    if name == "declare":
        params = {**params, "competence": units[0]}
    assert_every_field_labelled(html(signed_in.get(reverse(f"libretto:{name}"), params)))


def test_every_field_of_the_operators_queue_has_a_label(client, signed_in, operator, units):
    declare(signed_in, units[0])
    client.force_login(operator)
    assert_every_field_labelled(html(client.get(reverse("libretto:validation"))))


def test_the_libretto_speaks_italian_by_default(client, signed_in, attested):
    signed_in.defaults.pop("HTTP_ACCEPT_LANGUAGE", None)
    page = html(signed_in.get(reverse("libretto:home")))
    assert '<html lang="it">' in page and "Il mio libretto" in page
    assert "non un certificato" in page and "attestata da una piattaforma di apprendimento" in page


def test_declaring_again_replaces_the_documents_and_a_validated_declaration_stays(
    signed_in, learner, operator, units, django_capture_on_commit_callbacks
):
    declare(signed_in, units[0], [SimpleUploadedFile("primo.pdf", PDF, "application/pdf")])
    first_file = SupportingDocument.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        declare(signed_in, units[0], [SimpleUploadedFile("secondo.pdf", PDF, "application/pdf")])
    assert [document.original_name for document in SupportingDocument.objects.all()] == ["secondo.pdf"]
    assert not SupportingDocument._meta.get_field("file").storage.exists(first_file)
    stored = SupportingDocument.objects.get().file.name
    assert "secondo" not in stored and stored.endswith(".pdf")  # a random name, nothing of the holder's
    entry = CompetenceEntry.objects.get()
    api.decide_declaration(operator, entry.pk, approve=True, note="")
    response = declare(signed_in, units[0], [SimpleUploadedFile("terzo.pdf", PDF, "application/pdf")])
    assert "validated already" in html(response)
    assert CompetenceEntry.objects.get().status == "validated"
    assert [document.original_name for document in SupportingDocument.objects.all()] == ["secondo.pdf"]


def test_odd_entry_ids_in_the_operators_form_are_refused_politely(client, operator):
    client.force_login(operator)
    response = client.post(reverse("libretto:validation"), {"entry": "²", "decision": "approve", "note": ""})
    assert response.status_code == 302
