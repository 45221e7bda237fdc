"""Exports a citizen can take anywhere: JSON (with a schema), print, xAPI statements, signed Open Badges."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from libretto import api, badges

SCHEMA = Path(__file__).parent.parent.parent / "libretto" / "schemas" / "libretto.schema.json"


def download(client, name: str) -> bytes:
    response = client.get(reverse(f"libretto:{name}"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    return response.content


def test_the_json_export_follows_its_published_schema(signed_in, attested):
    document = json.loads(download(signed_in, "export-json"))
    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    evidence_ids = {item["id"] for entry in document["competences"] for item in entry["evidence"]}
    assert evidence_ids == {str(evidence_id) for evidence_id in attested}


def test_the_printable_version_has_a_print_stylesheet_and_every_competence(signed_in, attested, learner):
    page = signed_in.get(reverse("libretto:export-print")).content.decode()
    assert "libretto/print.css" in page and "<table>" in page
    for entry in api.libretto_for(learner).entries:
        assert entry.competence.code in page


def test_the_xapi_export_is_valid_xapi_with_the_evidence_ids(signed_in, attested):
    statements = json.loads(download(signed_in, "export-xapi"))
    assert {statement["id"] for statement in statements} == {str(evidence_id) for evidence_id in attested}
    for statement in statements:
        assert api.statement_problems(statement) == []
        assert statement["actor"]["account"]["name"] == "giulia"
        assert statement["context"]["contextActivities"]["other"]
    passed = next(statement for statement in statements if statement["result"].get("success"))
    assert passed["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"


def test_each_attested_competence_is_an_open_badge_anyone_can_verify_with_the_published_key(
    client, signed_in, attested, tmp_path, capsys
):
    listing = signed_in.get(reverse("libretto:badges")).content.decode()
    links = [line for line in listing.splitlines() if ".jwt" in line]
    assert len(links) == 3
    entry_id = int(links[0].split("/badges/")[1].split(".jwt")[0])
    token = signed_in.get(reverse("libretto:badge", args=[entry_id])).content.decode()
    keys = client.get(reverse("libretto:issuer-keys")).json()
    credential = badges.verify_credential(token, keys, expected_issuer=api.issuer_id())
    assert "OpenBadgeCredential" in credential["type"]
    alignment = credential["credentialSubject"]["achievement"]["alignment"][0]
    assert alignment["targetUrl"].startswith("urn:tosca:repertory:RRFP-TOSCANA-DEMO:")
    assert credential["credentialSubject"]["id"].startswith("urn:uuid:")
    assert client.get(reverse("libretto:issuer")).json()["id"] == api.issuer_id()

    badge_file = tmp_path / "badge.jwt"
    badge_file.write_text(token)
    call_command("libretto", "verify", str(badge_file))
    assert "Valid:" in capsys.readouterr().out
    header, payload, signature = token.split(".")
    badge_file.write_text(f"{header}.{payload[:-4]}AAAA.{signature}")
    with pytest.raises(CommandError, match="Not a valid credential"):
        call_command("libretto", "verify", str(badge_file))


def test_a_learner_can_download_everything_kept_about_them(signed_in, attested):
    archive = zipfile.ZipFile(io.BytesIO(download(signed_in, "my-data")))
    assert {"libretto.json", "xapi-statements.json"} <= set(archive.namelist())
    assert json.loads(archive.read("libretto.json"))["holder"]["name"] == "Giulia Rossi"
