"""Italian is the default language: operators and learners read every message in Italian."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from repertory.data import Kind


@pytest.fixture(autouse=True)
def italian():
    with translation.override("it"):
        yield


def test_import_problems_are_told_in_italian_with_row_and_field(rrfp_v1, tmp_path):
    path = tmp_path / "errato.csv"
    path.write_text(
        "framework,code,kind,parent_code,label_it,eqf_level\nX,X,framework,,Prova,\nX,A,skill,,Uno,9\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as error:
        call_command("repertory", "import", str(path), "--format", "rrfp-csv")
    message = str(error.value)
    assert "Importazione rifiutata: non è stato scritto nulla." in message
    assert "errato.csv, riga 3, campo “eqf_level”" in message


def test_the_import_report_is_in_italian(db, fixtures_dir, capsys):
    call_command("repertory", "import", str(fixtures_dir / "rrfp-v1.csv"), "--format", "rrfp-csv")
    output = capsys.readouterr().out
    assert "aggiunti: 10" in output and "invariati: 0" in output


def test_kinds_have_italian_names():
    assert [str(Kind(kind).label) for kind in ("figure", "competence_unit", "skill", "knowledge")] == [
        "Figura professionale",
        "Unità di competenza",
        "Capacità",
        "Conoscenza",
    ]


def test_pages_are_italian_by_default(client, demo):
    html = client.get("/repertory/RRFP-TOSCANA-DEMO/").content.decode()
    assert '<html lang="it">' in html and "Cronologia delle versioni" in html and "Vai al contenuto" in html
