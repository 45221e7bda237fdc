"""Each import format from tests/fixtures/, and export then re-import giving back the same tree."""

from __future__ import annotations

import csv
import io
import json

import pytest

from repertory import api
from repertory.data import Format
from repertory.models import Association, Competence, Framework
from tests.repertory.conftest import FIXTURES


def tree_of(framework_code: str) -> list[tuple]:
    """The live tree as a user sees it: code, parent code, kind, labels, descriptions, EQF, alt labels."""
    return sorted(
        (
            c.code,
            c.parent.code if c.parent else None,
            c.kind,
            c.label_it,
            c.label_en,
            c.description_it,
            c.description_en,
            c.eqf_level,
            c.alt_labels_it,
            c.alt_labels_en,
            c.position,
        )
        for c in Competence.objects.filter(framework__code=framework_code, retired=False).select_related("parent")
    )


def crosswalks_of(framework_code: str) -> list[tuple]:
    return sorted(
        Association.objects.filter(competence__framework__code=framework_code).values_list(
            "competence__code", "relation", "target", "scheme"
        )
    )


def test_case_package_imports_its_tree_types_and_crosswalks(db):
    report = api.import_framework(FIXTURES / "case-small.json", source_format=Format.CASE_JSON)
    framework = Framework.objects.get()
    assert report.created_framework and len(report.added) == 7
    assert framework.version == "2025.2" and framework.licence == "CC BY 4.0"
    unit = Competence.objects.get(code="TUR-REC-UC1")
    assert (
        unit.kind == "competence_unit" and unit.parent.code == "TUR-REC" and unit.source_type == "Unità di competenza"
    )
    assert [child.code for child in unit.children.order_by("position")] == ["TUR-REC-UC1-C1", "TUR-REC-UC1-K1"]
    assert Competence.objects.get(code="TUR-REC-UC1-K1").kind == "knowledge"
    assert unit.uri.startswith("https://case.example.org/ims/case/v1p0/CFItems/")
    assert ("TUR-REC", "related", "ADA.23.01.05", "atlante-ada") in crosswalks_of(framework.code)
    assert (
        "TUR-REC-UC2-C1",
        "exact_match",
        "http://data.europa.eu/esco/skill/60c78287-22eb-4103-9c8c-28deaa460da0",
        "uri",
    ) in crosswalks_of(framework.code)
    assert any("isPeerOf" in warning for warning in report.warnings)


def test_moodle_framework_csv_imports_with_its_framework_row_and_related_competencies(db):
    report = api.import_framework(FIXTURES / "moodle-small.csv", source_format=Format.MOODLE_CSV)
    assert report.framework == "MOODLE-CITT" and len(report.added) == 7
    framework = Framework.objects.get(code="MOODLE-CITT")
    assert framework.title_it == "Competenze di cittadinanza digitale"
    assert framework.description_it == "Quadro di prova esportato da Moodle."
    source = Competence.objects.get(code="CD-1.2")
    assert source.description_it == "Riconoscere fonti affidabili & notizie false."
    assert Competence.objects.get(code="CD-1").kind == "sector"  # taxonomy "domain" at level 1
    assert Competence.objects.get(code="CD-1.1.a").kind == "skill"  # taxonomy "skill" at level 3
    related = crosswalks_of("MOODLE-CITT")
    assert ("CD-2.1", "related", source.uri, "uri") in related
    assert ("CD-1.1", "related", source.uri, "uri") in related


def test_esco_folder_imports_skills_occupations_and_relations_in_both_languages(esco):
    assert esco.framework == "ESCO"
    skill = Competence.objects.get(uri="http://data.europa.eu/esco/skill/60c78287-22eb-4103-9c8c-28deaa460da0")
    assert skill.label_it == "lavorare in gruppo" and skill.label_en == "work in teams"
    assert skill.kind == "skill" and "cooperare nell'équipe" in skill.alt_labels_it.splitlines()
    occupation = Competence.objects.get(
        uri="http://data.europa.eu/esco/occupation/4b05bef2-ded4-4b09-ab94-f4c6a555a775"
    )
    assert occupation.kind == "occupation" and occupation.label_en == "social worker"
    relations = Association.objects.filter(competence=occupation)
    assert relations.count() >= 3 and set(relations.values_list("relation", flat=True)) <= {"essential", "optional"}
    assert Competence.objects.filter(kind="knowledge").exists()
    assert Association.objects.count() == 28


def test_esco_zip_archive_imports_like_the_folder(db, tmp_path):
    import zipfile

    archive = tmp_path / "ESCO dataset - v1.2.0 - it.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in (FIXTURES / "esco").glob("*.csv"):
            zipped.write(path, f"ESCO dataset - v1.2.0 - classification - it - csv/{path.name}")
    report = api.import_framework(archive, source_format=Format.ESCO_CSV, version="1.2.0")
    assert report.version == "1.2.0" and len(report.added) == 21


def test_esco_crosswalks_of_the_demo_link_to_esco_nodes_when_both_are_loaded(demo, esco):
    detail = api.get_competence(framework="RRFP-TOSCANA-DEMO", code="UC-1003")
    internal = [association.internal for association in detail.associations if association.internal]
    assert internal and internal[0].framework == "ESCO"
    skill = api.get_competence(internal[0].uri)
    assert "UC-1003" in [ref.code for ref in skill.referenced_by]


def test_case_export_then_reimport_gives_back_the_same_tree(demo, esco):
    before, links_before = tree_of("RRFP-TOSCANA-DEMO"), crosswalks_of("RRFP-TOSCANA-DEMO")
    _name, content = api.export_framework("RRFP-TOSCANA-DEMO", export_format=Format.CASE_JSON)
    assert api.import_framework(content, name="export.json", source_format=Format.CASE_JSON).is_noop

    package = json.loads(content)
    package["CFDocument"]["extensions"]["tosca"]["code"] = "COPY"
    package["CFDocument"]["uri"] = "urn:example:copy"
    for item in package["CFItems"]:
        item["uri"] = item["uri"].replace("urn:tosca:repertory:RRFP-TOSCANA-DEMO:", "urn:example:copy:")
    for association in package["CFAssociations"]:
        for end in ("originNodeURI", "destinationNodeURI"):
            association[end]["uri"] = association[end]["uri"].replace(
                "urn:tosca:repertory:RRFP-TOSCANA-DEMO:", "urn:example:copy:"
            )
    api.import_framework(json.dumps(package).encode(), name="copy.json", source_format=Format.CASE_JSON)
    assert tree_of("COPY") == before
    assert crosswalks_of("COPY") == links_before


def test_moodle_export_then_reimport_gives_back_the_same_tree(demo):
    _name, content = api.export_framework("RRFP-TOSCANA-DEMO", export_format=Format.MOODLE_CSV)
    assert api.import_framework(content, name="moodle.csv", source_format=Format.MOODLE_CSV).is_noop

    renamed = content.decode().replace("RRFP-TOSCANA-DEMO", "MOODLE-COPY", 1).encode()
    api.import_framework(renamed, name="moodle-copy.csv", source_format=Format.MOODLE_CSV)
    structure = [
        (code, parent, label_it, description_it)
        for code, parent, _k, label_it, _le, description_it, *_ in tree_of("MOODLE-COPY")
    ]
    expected = [
        (code, parent, label_it, description_it)
        for code, parent, _k, label_it, _le, description_it, *_ in tree_of("RRFP-TOSCANA-DEMO")
    ]
    assert structure == expected


def test_moodle_export_has_moodles_columns_a_framework_row_and_a_taxonomy_per_level(demo):
    _name, content = api.export_framework("RRFP-TOSCANA-DEMO", export_format=Format.MOODLE_CSV)
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert list(rows[0]) == [
        "Parent ID number",
        "ID number",
        "Short name",
        "Description",
        "Description format",
        "Scale values",
        "Scale configuration",
        "Rule type (optional)",
        "Rule outcome (optional)",
        "Rule config (optional)",
        "Cross-referenced competency ID numbers",
        "Exported ID (optional)",
        "Is framework",
        "Taxonomy",
    ]
    assert rows[0]["Is framework"] == "1" and rows[0]["Taxonomy"].split(",")[:3] == ["domain", "practice", "competency"]
    assert json.loads(rows[0]["Scale configuration"])[0] == {"scaleid": "1"}
    assert len(rows) == Competence.objects.filter(retired=False).count() + 1


def test_openedx_taxonomy_csv_lists_every_node_after_its_parent(demo):
    _name, content = api.export_framework("RRFP-TOSCANA-DEMO", export_format=Format.OPENEDX_CSV)
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert list(rows[0]) == ["id", "value", "parent_id"]
    seen = set()
    for row in rows:
        assert row["parent_id"] == "" or row["parent_id"] in seen
        seen.add(row["id"])
    assert len({row["value"] for row in rows}) == len(rows)  # Open edX wants unique tag values
    assert len(rows) == Competence.objects.filter(retired=False).count()


def test_export_of_an_unknown_framework_is_refused(db):
    with pytest.raises(api.FrameworkNotFound):
        api.export_framework("NOPE", export_format=Format.CASE_JSON)


def test_esco_relations_survive_a_case_export_and_reimport(esco):
    before = crosswalks_of("ESCO")
    _name, content = api.export_framework("ESCO", export_format=Format.CASE_JSON)
    assert api.import_framework(content, name="esco.json", source_format=Format.CASE_JSON).is_noop
    assert crosswalks_of("ESCO") == before and len(before) == 28


def test_moodle_plain_text_descriptions_keep_their_angle_brackets(db, tmp_path):
    lines = (FIXTURES / "moodle-small.csv").read_text(encoding="utf-8").splitlines()
    lines.append('"CD-2","CD-2.2","Misurare","temperatura < 5 e pH > 3","2","","","","0","null","","108","",""')
    path = tmp_path / "plain.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    api.import_framework(path, source_format=Format.MOODLE_CSV)
    assert Competence.objects.get(code="CD-2.2").description_it == "temperatura < 5 e pH > 3"
