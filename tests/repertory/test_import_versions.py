"""Importing the native CSV: all or nothing, idempotent, and newer versions that keep URIs stable."""

from __future__ import annotations

from pathlib import Path

import pytest

from repertory import api
from repertory.data import Format
from repertory.models import Competence, FrameworkVersion, NodeChange
from tests.repertory.conftest import DEMO, FIXTURES


def v1_variant(tmp_path, name: str, old: str = "", new: str = "", *, extra: str = "") -> Path:
    """rrfp-v1.csv with `old` replaced by `new` and an `extra` line appended, saved as `name`."""
    text = (FIXTURES / "rrfp-v1.csv").read_text(encoding="utf-8")
    path = tmp_path / name
    path.write_text((text.replace(old, new) if old else text) + (extra + "\n" if extra else ""), encoding="utf-8")
    return path


def test_demo_framework_imports_with_its_sectors_figures_and_units(demo):
    frameworks = {info.code: info for info in api.list_frameworks()}
    assert demo.created_framework and not demo.retired
    counts = {
        kind: Competence.objects.filter(kind=kind).count()
        for kind in ("sector", "figure", "competence_unit", "skill", "knowledge")
    }
    assert counts["sector"] >= 3 and counts["figure"] >= 8 and counts["competence_unit"] >= 30
    assert counts["skill"] > counts["competence_unit"] and counts["knowledge"] > counts["competence_unit"]
    assert frameworks["RRFP-TOSCANA-DEMO"].node_count == sum(counts.values())
    assert frameworks["RRFP-TOSCANA-DEMO"].version == "2026.1"


def test_demo_units_carry_eqf_levels_ada_codes_and_esco_crosswalks(demo):
    units = Competence.objects.filter(kind="competence_unit")
    assert all(unit.eqf_level and 1 <= unit.eqf_level <= 8 for unit in units)
    schemes = set(Competence.objects.values_list("associations__scheme", flat=True))
    assert {"atlante-ada", "uri"} <= schemes
    esco_targets = Competence.objects.filter(associations__target__startswith="http://data.europa.eu/esco/")
    assert esco_targets.count() >= 3


def test_importing_the_same_file_twice_changes_nothing_and_records_no_new_version(rrfp_v1):
    again = api.import_framework(FIXTURES / "rrfp-v1.csv", source_format=Format.RRFP_CSV)
    assert again.is_noop and again.unchanged == 10
    assert FrameworkVersion.objects.count() == 1


def test_reimporting_a_new_version_retires_removed_units_but_keeps_them_and_their_uri(rrfp_v1):
    uri_before = Competence.objects.get(code="UC-3").uri
    uc1_uri = Competence.objects.get(code="UC-1").uri

    report = api.import_framework(FIXTURES / "rrfp-v2.csv", source_format=Format.RRFP_CSV)

    assert report.version == "2.0"
    assert set(report.added) == {"UC-4", "UC-4-CAP-1"}
    assert set(report.retired) == {"UC-3", "UC-3-CAP-1"}
    assert report.changed == ("UC-1",)
    retired = Competence.objects.get(code="UC-3")
    assert retired.retired and retired.retired_in == "2.0" and retired.uri == uri_before
    changed = Competence.objects.get(code="UC-1")
    assert changed.uri == uc1_uri and changed.label_it == "Progettazione partecipata di attività di quartiere"
    assert api.get_competence(uri_before).ref.retired


def test_version_history_lists_each_import_that_changed_the_framework(rrfp_v1):
    api.import_framework(FIXTURES / "rrfp-v2.csv", source_format=Format.RRFP_CSV)
    history = api.get_framework("RRFP-TEST").versions
    assert [(version.version, version.added, version.changed, version.retired) for version in history] == [
        ("2.0", 2, 1, 2),
        ("1.0", 10, 0, 0),
    ]
    change = NodeChange.objects.get(competence__code="UC-1", version__version="2.0")
    assert change.change == "changed" and "label_it" in change.fields


def test_a_retired_unit_that_comes_back_is_restored_with_the_same_uri(rrfp_v1):
    uri = Competence.objects.get(code="UC-3").uri
    api.import_framework(FIXTURES / "rrfp-v2.csv", source_format=Format.RRFP_CSV)
    report = api.import_framework(FIXTURES / "rrfp-v1.csv", source_format=Format.RRFP_CSV, version="3.0")
    assert set(report.restored) == {"UC-3", "UC-3-CAP-1"}
    assert set(report.retired) == {"UC-4", "UC-4-CAP-1"}
    restored = Competence.objects.get(code="UC-3")
    assert not restored.retired and restored.uri == uri


def test_retired_units_leave_search_and_restored_ones_return(rrfp_v1):
    assert api.search_competences("richiesta contributo").total == 1
    api.import_framework(FIXTURES / "rrfp-v2.csv", source_format=Format.RRFP_CSV)
    assert api.search_competences("richiesta contributo").total == 0
    assert api.search_competences("impatto sociale").total == 1


def test_dry_run_reports_the_changes_and_writes_nothing(rrfp_v1):
    report = api.import_framework(FIXTURES / "rrfp-v2.csv", source_format=Format.RRFP_CSV, dry_run=True)
    assert report.dry_run and set(report.added) == {"UC-4", "UC-4-CAP-1"}
    assert not Competence.objects.filter(code="UC-4").exists()
    assert not Competence.objects.get(code="UC-3").retired
    assert FrameworkVersion.objects.count() == 1


def test_a_file_without_the_english_column_keeps_the_english_labels_already_stored(rrfp_v1, tmp_path):
    lines = (FIXTURES / "rrfp-v1.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(";")
    drop = header.index("label_en")
    trimmed = [";".join(cell for index, cell in enumerate(line.split(";")) if index != drop) for line in lines]
    path = tmp_path / "no-english.csv"
    path.write_text("\n".join(trimmed) + "\n", encoding="utf-8")

    report = api.import_framework(path, source_format=Format.RRFP_CSV)

    assert report.is_noop
    assert Competence.objects.get(code="UC-1").label_en == "Design of neighbourhood activities"


def test_two_frameworks_cannot_share_a_node_uri(rrfp_v1, tmp_path):
    taken = Competence.objects.get(code="UC-1").uri
    path = tmp_path / "other.csv"
    path.write_text(
        "framework,code,kind,parent_code,label_it,uri,version\n"
        "OTHER,OTHER,framework,,Altro,,1\n"
        f"OTHER,X-1,competence_unit,,Unità,{taken},\n",
        encoding="utf-8",
    )
    with pytest.raises(api.ImportRejected) as rejected:
        api.import_framework(path, source_format=Format.RRFP_CSV)
    assert "RRFP-TEST" in rejected.value.summary() and "row 3" in rejected.value.summary()
    assert [info.code for info in api.list_frameworks()] == ["RRFP-TEST"]


def test_demo_loads_idempotently_through_the_site_command(db):
    from django.core.management import call_command

    call_command("load_demo")
    count = Competence.objects.count()
    call_command("load_demo")
    assert Competence.objects.count() == count
    assert FrameworkVersion.objects.count() == 1
    assert DEMO.exists()


def test_a_case_version_that_swaps_two_codes_keeps_each_uri_with_its_concept(db, tmp_path):
    import json

    package = json.loads((FIXTURES / "case-small.json").read_text(encoding="utf-8"))
    api.import_framework(json.dumps(package).encode(), name="v1.json", source_format=Format.CASE_JSON)
    first, second = package["CFItems"][3], package["CFItems"][4]
    uri_of = {item["fullStatement"]: item["uri"] for item in (first, second)}
    first["humanCodingScheme"], second["humanCodingScheme"] = second["humanCodingScheme"], first["humanCodingScheme"]
    package["CFDocument"]["version"] = "2025.3"

    report = api.import_framework(json.dumps(package).encode(), name="v2.json", source_format=Format.CASE_JSON)

    assert set(report.changed) == {first["humanCodingScheme"], second["humanCodingScheme"]}
    for statement, uri in uri_of.items():
        assert Competence.objects.get(uri=uri).label_it == statement
    assert Competence.objects.get(uri=uri_of[first["fullStatement"]]).code == first["humanCodingScheme"]


def test_a_new_node_cannot_take_the_uri_of_another_node_of_the_framework(rrfp_v1, tmp_path):
    taken = Competence.objects.get(code="UC-2").uri
    path = v1_variant(tmp_path, "clash.csv", extra=f"RRFP-TEST;UC-9;competence_unit;FIG-1;Nuova;New;;;4;;;{taken};;;")
    with pytest.raises(api.ImportRejected) as rejected:
        api.import_framework(path, source_format=Format.RRFP_CSV)
    # Row 12 claims UC-2's URI, so it is UC-2 renamed; UC-2's own row (8) would then need that URI again.
    summary = rejected.value.summary()
    assert "row 8" in summary and taken in summary and "already belongs to another node" in summary
    assert not Competence.objects.filter(code="UC-9").exists()


def test_a_newer_file_can_clear_the_licence_and_the_change_is_reported(rrfp_v1, tmp_path):
    path = v1_variant(tmp_path, "no-licence.csv", ";1.0;CC BY 4.0;", ";1.1;;")

    report = api.import_framework(path, source_format=Format.RRFP_CSV)

    assert report.framework_changed and not report.is_noop and report.unchanged == 10
    info = api.get_framework("RRFP-TEST")
    assert info.licence == "" and info.version == "1.1" and info.versions[0].version == "1.1"


def test_a_file_that_starts_giving_uris_cannot_rename_the_uris_tosca_made(rrfp_v1, tmp_path):
    minted = Competence.objects.get(code="UC-1").uri
    path = v1_variant(tmp_path, "with-uris.csv", ";ADA.22.218.701;;", ";ADA.22.218.701;https://example.org/uc-1;")
    with pytest.raises(api.ImportRejected) as rejected:
        api.import_framework(path, source_format=Format.RRFP_CSV)
    summary = rejected.value.summary()
    assert "row 5, field “uri”" in summary and minted in summary and "never changes" in summary
    assert Competence.objects.get(code="UC-1").uri == minted


def test_giving_the_uri_tosca_made_is_accepted_as_the_same_node(rrfp_v1, tmp_path):
    minted = Competence.objects.get(code="UC-1").uri
    path = v1_variant(tmp_path, "same-uri.csv", ";ADA.22.218.701;;", f";ADA.22.218.701;{minted};")
    assert api.import_framework(path, source_format=Format.RRFP_CSV).is_noop
