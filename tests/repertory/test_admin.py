"""Operators in the Django admin: browse, import files (with a dry run), correct wording; never delete."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from repertory import api
from repertory.models import Competence, Framework
from tests.repertory.conftest import FIXTURES


def upload(admin_client, path, source_format: str, *, dry_run: bool):
    data = {
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
        "source_format": source_format,
        "encoding": "auto",
        "language": "it",
        "version": "",
    }
    if dry_run:
        data["dry_run"] = "on"
    return admin_client.post(reverse("admin:repertory_framework_import"), data)


def correct_label(admin_client, unit: Competence, label: str):
    """Post the competence's admin form with a new Italian label, as an operator would."""
    form = {
        "label_it": label,
        "label_en": unit.label_en,
        "description_it": unit.description_it,
        "description_en": unit.description_en,
        "alt_labels_it": unit.alt_labels_it,
        "alt_labels_en": unit.alt_labels_en,
        "eqf_level": str(unit.eqf_level or ""),
    }
    return admin_client.post(reverse("admin:repertory_competence_change", args=[unit.pk]), form)


def test_admin_import_checks_first_then_writes(admin_client):
    response = upload(admin_client, FIXTURES / "rrfp-v1.csv", "rrfp-csv", dry_run=True)
    assert response.status_code == 200 and not Framework.objects.exists()
    assert "RRFP-TEST" in response.content.decode()
    upload(admin_client, FIXTURES / "rrfp-v1.csv", "rrfp-csv", dry_run=False)
    assert Competence.objects.filter(framework__code="RRFP-TEST").count() == 10


def test_admin_import_of_a_bad_file_lists_the_problems_and_writes_nothing(admin_client, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("framework,code,kind,parent_code,label_it\nX,X,framework,,X\nX,A,skill,NOPE,\n", encoding="utf-8")
    response = upload(admin_client, bad, "rrfp-csv", dry_run=False)
    html = response.content.decode()
    assert response.status_code == 200 and "bad.csv" in html and "NOPE" in html
    assert not Framework.objects.exists()


def test_admin_import_of_an_esco_zip(admin_client, tmp_path):
    import zipfile

    archive = tmp_path / "esco.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in (FIXTURES / "esco").glob("*.csv"):
            zipped.write(path, path.name)
    upload(admin_client, archive, "esco-csv", dry_run=False)
    assert Framework.objects.filter(code="ESCO").exists()


def test_correcting_a_label_in_the_admin_updates_search(admin_client, rrfp_v1):
    unit = Competence.objects.get(code="UC-2")
    assert admin_client.get(reverse("admin:repertory_competence_change", args=[unit.pk])).status_code == 200
    assert correct_label(admin_client, unit, "Coordinamento del volontariato").status_code == 302
    assert [m.ref.code for m in api.search_competences("volontariato").results] == ["UC-2"]


def test_frameworks_and_competences_cannot_be_deleted_in_the_admin(admin_client, rrfp_v1):
    framework = Framework.objects.get()
    assert admin_client.get(reverse("admin:repertory_framework_delete", args=[framework.pk])).status_code == 403
    unit = Competence.objects.get(code="UC-1")
    assert admin_client.get(reverse("admin:repertory_competence_delete", args=[unit.pk])).status_code == 403
    assert admin_client.get(reverse("admin:repertory_competence_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:repertory_framework_changelist")).status_code == 200


def test_an_admin_correction_lasts_until_the_next_import_which_says_it_put_the_file_wording_back(admin_client, rrfp_v1):
    unit = Competence.objects.get(code="UC-2")
    url = reverse("admin:repertory_competence_change", args=[unit.pk])
    assert "imported again" in admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    correct_label(admin_client, unit, "Coordinamento del volontariato")
    report = api.import_framework(FIXTURES / "rrfp-v1.csv", source_format="rrfp-csv")
    assert report.changed == ("UC-2",)
    assert Competence.objects.get(code="UC-2").label_it == "Gestione di gruppi di volontari"
