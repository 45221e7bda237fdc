"""Bad input: each case gets a specific error naming file, row and field, a non-zero exit, and leaves the
database exactly as it was."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from repertory.models import Association, Competence, Framework, FrameworkVersion, NodeChange, SearchTerm
from tests.repertory.conftest import FIXTURES

HEADER = "framework,code,kind,parent_code,label_it,label_en,eqf_level,version"
FRAMEWORK_ROW = "RRFP-TEST,RRFP-TEST,framework,,Repertorio di prova,Test repertory,,9.9"


def snapshot() -> tuple:
    return (
        list(Framework.objects.values_list("code", "version", "title_it")),
        list(Competence.objects.order_by("id").values_list("code", "label_it", "retired", "fingerprint")),
        Association.objects.count(),
        FrameworkVersion.objects.count(),
        NodeChange.objects.count(),
        SearchTerm.objects.count(),
    )


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def rows(*lines: str) -> str:
    return "\n".join([HEADER, FRAMEWORK_ROW, *lines]) + "\n"


def refused(path: Path, *args: str, source_format: str = "rrfp-csv") -> str:
    """Run the CLI import, expect a refusal, and return its message."""
    with pytest.raises(CommandError) as error:
        call_command("repertory", "import", str(path), "--format", source_format, *args)
    message = str(error.value)
    assert "nothing was written" in message
    return message


@pytest.fixture
def untouched(rrfp_v1):
    """The database holds framework RRFP-TEST v1.0; the test's import must leave it exactly so."""
    before = snapshot()
    yield
    assert snapshot() == before


BAD_CSV = {
    "duplicate code": (
        rows("RRFP-TEST,UC-1,competence_unit,,Prima,,4", "RRFP-TEST,UC-1,competence_unit,,Seconda,,4"),
        ["row 4", "“code”", "duplicate code “UC-1”", "row 3"],
    ),
    "unknown parent": (
        rows("RRFP-TEST,UC-1,competence_unit,FIG-404,Unità,,4"),
        ["row 3", "“parent_code”", "unknown parent “FIG-404”"],
    ),
    "parent cycle": (
        rows("RRFP-TEST,A,figure,C,Alfa,,4", "RRFP-TEST,B,figure,A,Beta,,4", "RRFP-TEST,C,figure,B,Gamma,,4"),
        ["parent cycle", "A (row 3)", "B (row 4)", "C (row 5)"],
    ),
    "EQF above 8": (
        rows("RRFP-TEST,UC-1,competence_unit,,Unità,,9"),
        ["row 3", "“eqf_level”", "EQF level 9 is outside 1-8"],
    ),
    "EQF zero": (rows("RRFP-TEST,UC-1,competence_unit,,Unità,,0"), ["row 3", "“eqf_level”", "outside 1-8"]),
    "EQF not a number": (rows("RRFP-TEST,UC-1,competence_unit,,Unità,,alto"), ["row 3", "“eqf_level”", "“alto”"]),
    "empty label": (rows("RRFP-TEST,UC-1,competence_unit,,  ,,4"), ["row 3", "“label_it”", "the label is empty"]),
    "unknown kind": (rows("RRFP-TEST,UC-1,unita,,Unità,,4"), ["row 3", "“kind”", "unknown kind “unita”"]),
    "missing column": (
        "framework,code,kind,label_it\nRRFP-TEST,RRFP-TEST,framework,Prova\n",
        ["row 1", "“parent_code”", "required column “parent_code” is missing"],
    ),
    "renamed column": (
        "framework,codice,kind,parent_code,label_it\nRRFP-TEST,RRFP-TEST,framework,,Prova\n",
        ["unknown column “codice”", "required column “code” is missing"],
    ),
    "misspelt column": (
        "framework,code,kind,parent_code,lable_it\nRRFP-TEST,RRFP-TEST,framework,,Prova\n",
        ["unknown column “lable_it”", "Did you mean “label_it”?"],
    ),
    "two frameworks in one file": (
        rows("OTHER,UC-1,competence_unit,,Unità,,4"),
        ["row 3", "“framework”", "import one framework per file"],
    ),
    "no framework row": (
        f"{HEADER}\nRRFP-TEST,UC-1,competence_unit,,Unità,,4\n",
        ["no framework row"],
    ),
    "unbalanced quotes": (
        rows('RRFP-TEST,UC-1,competence_unit,,"Unità, senza fine,,4', "RRFP-TEST,UC-2,competence_unit,,Due,,4"),
        ["row 3", "a quoted value is never closed"],
    ),
    "too many values in a row": (
        rows("RRFP-TEST,UC-1,competence_unit,,Unità, con virgola,,4,extra"),
        ["row 3", "values but the header has 8 columns"],
    ),
    "crosswalk that is neither URI nor ADA": (
        "framework,code,kind,parent_code,label_it,related,version\nRRFP-TEST,RRFP-TEST,framework,,Prova,,1\n"
        "RRFP-TEST,UC-1,competence_unit,,Unità,non-un-uri\n",
        ["row 3", "“related”", "neither a URI nor an Atlante ADA code"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_CSV))
def test_bad_native_csv_is_refused_with_its_place_and_nothing_changes(case, untouched, tmp_path):
    content, expected = BAD_CSV[case]
    message = refused(write(tmp_path, "bad.csv", content))
    assert "bad.csv" in message
    for fragment in expected:
        assert fragment in message


def test_all_problems_of_a_file_are_reported_together(untouched, tmp_path):
    content = rows("RRFP-TEST,UC-1,competence_unit,,,,9", "RRFP-TEST,UC-2,competence_unit,NOPE,Due,,4")
    message = refused(write(tmp_path, "many.csv", content))
    assert "3 problem" in message
    assert "row 3, field “label_it”" in message and "row 3, field “eqf_level”" in message
    assert "row 4, field “parent_code”" in message


def test_windows_1252_from_an_office_spreadsheet_is_read_automatically(db, tmp_path):
    content = rows("RRFP-TEST,UC-1,competence_unit,,Qualità e sicurezza,,4").encode("cp1252")
    call_command("repertory", "import", str(write(tmp_path, "excel.csv", content)), "--format", "rrfp-csv")
    assert Competence.objects.get(code="UC-1").label_it == "Qualità e sicurezza"


def test_utf8_with_bom_and_semicolons_from_an_italian_spreadsheet_is_accepted(db, tmp_path):
    content = rows("RRFP-TEST,UC-1,competence_unit,,Attività educative,,4").replace(",", ";")
    call_command(
        "repertory",
        "import",
        str(write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + content.encode())),
        "--format",
        "rrfp-csv",
    )
    assert Competence.objects.get(code="UC-1").label_it == "Attività educative"


def test_tab_separated_files_are_accepted(db, tmp_path):
    content = rows("RRFP-TEST,UC-1,competence_unit,,Unità,,4").replace(",", "\t")
    call_command("repertory", "import", str(write(tmp_path, "tabs.tsv", content)), "--format", "rrfp-csv")
    assert Competence.objects.filter(code="UC-1").exists()


def test_mixed_utf8_and_windows_1252_is_refused_naming_both_rows(untouched, tmp_path):
    content = rows("RRFP-TEST,UC-1,competence_unit,,Attività,,4").encode(
        "utf-8"
    ) + "RRFP-TEST,UC-2,competence_unit,,Qualità,,4\n".encode("cp1252")
    message = refused(write(tmp_path, "mixed.csv", content))
    assert "mixed encodings" in message and "row 3 is UTF-8" in message and "row 4" in message


def test_a_windows_1252_file_declared_utf8_is_refused_with_a_hint(untouched, tmp_path):
    content = rows("RRFP-TEST,UC-1,competence_unit,,Qualità,,4").encode("cp1252")
    message = refused(write(tmp_path, "declared.csv", content), "--encoding", "utf-8")
    assert "row 3" in message and "not valid utf-8" in message and "--encoding cp1252" in message


def test_a_utf8_file_declared_windows_1252_is_refused_as_mojibake(untouched, tmp_path):
    content = rows("RRFP-TEST,UC-1,competence_unit,,Qualità,,4").encode("utf-8")
    message = refused(write(tmp_path, "declared.csv", content), "--encoding", "cp1252")
    assert "row 3" in message and "looks like UTF-8" in message


def test_an_unknown_encoding_name_is_refused(untouched, tmp_path):
    message = refused(write(tmp_path, "x.csv", rows()), "--encoding", "klingon")
    assert "unknown encoding “klingon”" in message


def test_a_file_far_too_large_is_refused_before_it_is_read(untouched, tmp_path, settings):
    settings.TOSCA_REPERTORY_MAX_IMPORT_BYTES = 1_000
    lines = [f"RRFP-TEST,UC-{number},competence_unit,,Unità,,4" for number in range(100)]
    message = refused(write(tmp_path, "huge.csv", rows(*lines)))
    assert "larger than the import limit of 1000\xa0bytes" in message
    assert "TOSCA_REPERTORY_MAX_IMPORT_BYTES" in message


def test_an_empty_file_is_refused(untouched, tmp_path):
    assert "the file is empty" in refused(write(tmp_path, "empty.csv", "\n\n"))


def test_binary_garbage_is_refused(untouched, tmp_path):
    message = refused(write(tmp_path, "garbage.csv", b"\x00\x01\x02\xff\xfe" * 50))
    assert "garbage.csv" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"CFDocument": {"title": "x"}, "CFItems": [', "malformed JSON at line 1, column"),
        ("[1, 2, 3]", "not a CASE package"),
        ('{"CFDocument": {"identifier": "d", "title": "T"}, "CFItems": {"a": 1}}', "“CFItems”: expected a list"),
        (
            '{"CFDocument": {"identifier": "d", "title": "T"}, '
            '"CFItems": [{"identifier": "i1", "fullStatement": ["x"]}]}',
            "CFItems[0].fullStatement",
        ),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_malformed_case_json_is_refused_with_where(content, expected, untouched, tmp_path):
    message = refused(write(tmp_path, "bad.json", content), source_format="case-json")
    assert "bad.json" in message and expected in message


def test_case_package_whose_items_form_a_cycle_is_refused(untouched, tmp_path):
    package = json.loads((FIXTURES / "case-small.json").read_text(encoding="utf-8"))
    sector = next(a for a in package["CFAssociations"] if a["originNodeURI"]["title"] == "Turismo e accoglienza")
    sector["destinationNodeURI"] = next(
        a["originNodeURI"]
        for a in package["CFAssociations"]
        if a["originNodeURI"]["title"] == "Gestione delle prenotazioni"
    )
    message = refused(write(tmp_path, "cycle.json", json.dumps(package)), source_format="case-json")
    assert "parent cycle" in message and "TUR" in message


def test_case_item_with_two_parents_is_refused(untouched, tmp_path):
    package = json.loads((FIXTURES / "case-small.json").read_text(encoding="utf-8"))
    package["CFAssociations"].append(dict(package["CFAssociations"][2], identifier="extra"))
    message = refused(write(tmp_path, "twice.json", json.dumps(package)), source_format="case-json")
    assert "already has a parent" in message and "a repertory is a tree" in message


def test_moodle_csv_without_its_framework_row_is_refused(untouched, tmp_path):
    lines = (FIXTURES / "moodle-small.csv").read_text(encoding="utf-8").splitlines()
    message = refused(write(tmp_path, "moodle.csv", "\n".join([lines[0], *lines[2:]])), source_format="moodle-csv")
    assert "no framework row" in message and "Is framework" in message


def test_esco_relation_to_an_unknown_skill_is_refused_with_its_row(untouched, tmp_path):
    folder = tmp_path / "esco"
    folder.mkdir()
    for path in (FIXTURES / "esco").glob("*.csv"):
        (folder / path.name).write_bytes(path.read_bytes())
    relations = folder / "occupationSkillRelations_en.csv"
    relations.write_text(
        relations.read_text(encoding="utf-8")
        + "http://data.europa.eu/esco/occupation/4b05bef2-ded4-4b09-ab94-f4c6a555a775,social worker,"
        "essential,knowledge,http://data.europa.eu/esco/skill/not-there,nothing\n",
        encoding="utf-8",
    )
    message = refused(folder, source_format="esco-csv")
    assert "occupationSkillRelations_en.csv, row 30, field “skillUri”" in message


def test_a_folder_without_esco_files_is_refused(untouched, tmp_path):
    assert "no ESCO files found" in refused(tmp_path, source_format="esco-csv")


def test_a_missing_file_is_refused(untouched, tmp_path):
    assert "no such file" in refused(tmp_path / "nope.csv")


# -- spreadsheets (the one XML input) ----------------------------------------------------------------------


def workbook(lines: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for line in lines:
        sheet.append([int(cell) if cell.isdigit() else cell for cell in line])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_workbook_saved_by_a_spreadsheet_imports_like_csv(db, tmp_path):
    content = workbook(
        [
            HEADER.split(","),
            FRAMEWORK_ROW.split(","),
            ["RRFP-TEST", "UC-1", "competence_unit", "", "Qualità dell'accoglienza", "", "4", ""],
        ]
    )
    call_command("repertory", "import", str(write(tmp_path, "repertorio.xlsx", content)), "--format", "rrfp-csv")
    unit = Competence.objects.get(code="UC-1")
    assert unit.label_it == "Qualità dell'accoglienza" and unit.eqf_level == 4


@pytest.mark.parametrize(
    "declaration",
    [
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
        '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd">',
    ],
)
def test_xlsx_whose_xml_declares_entities_is_refused(declaration, untouched, tmp_path):
    source = zipfile.ZipFile(io.BytesIO(workbook([HEADER.split(","), FRAMEWORK_ROW.split(",")])))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as evil:
        for member in source.namelist():
            data = source.read(member)
            if member == "xl/worksheets/sheet1.xml":
                data = declaration.encode() + data
            evil.writestr(member, data)
    message = refused(write(tmp_path, "evil.xlsx", target.getvalue()))
    assert "xl/worksheets/sheet1.xml" in message and "declares a DTD or entities" in message


def test_a_zip_that_is_not_a_workbook_is_refused(untouched, tmp_path):
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("readme.txt", "ciao")
    assert "not an .xlsx workbook" in refused(write(tmp_path, "archive.csv", target.getvalue()))


def test_a_code_with_a_line_break_is_refused(untouched, tmp_path):
    content = rows('RRFP-TEST,"UC\n1",competence_unit,,Unità,,4')
    message = refused(write(tmp_path, "newline.csv", content))
    assert "row 3, field “code”" in message and "line break" in message


def test_a_code_too_long_to_make_a_uri_from_is_refused(untouched, tmp_path):
    content = rows(f"RRFP-TEST,{'è' * 250},competence_unit,,Unità,,4")
    message = refused(write(tmp_path, "long.csv", content))
    assert "row 3, field “uri”" in message and "longer than 500 characters" in message


@pytest.mark.parametrize(
    "item",
    [
        '{"identifier": "i1", "fullStatement": "Uno", "humanCodingScheme": "\\ud800"}',
        '{"identifier": "i1", "fullStatement": "Uno\\u0000"}',
        '{"identifier": "i1", "fullStatement": "Uno", "humanCodingScheme": 1' + "0" * 5000 + "}",
    ],
)
def test_case_values_no_database_could_store_are_refused(item, untouched, tmp_path):
    content = '{"CFDocument": {"identifier": "d", "uri": "urn:x:d", "title": "T"}, "CFItems": [' + item + "]}"
    assert "odd.json" in refused(write(tmp_path, "odd.json", content), source_format="case-json")


def test_odd_sequence_numbers_in_case_do_not_break_the_import(db, tmp_path):
    package = json.loads((FIXTURES / "case-small.json").read_text(encoding="utf-8"))
    text = json.dumps(package).replace('"sequenceNumber": 2', '"sequenceNumber": Infinity', 1)
    call_command("repertory", "import", str(write(tmp_path, "inf.json", text)), "--format", "case-json")
    assert Competence.objects.count() == 7


def test_a_codec_that_is_not_a_text_encoding_is_refused(untouched, tmp_path):
    assert "unknown encoding “rot13”" in refused(write(tmp_path, "x.csv", rows()), "--encoding", "rot13")


def test_an_xlsx_cell_beyond_the_last_column_is_refused(untouched, tmp_path):
    source = zipfile.ZipFile(io.BytesIO(workbook([HEADER.split(","), FRAMEWORK_ROW.split(","), ["x"] * 8])))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as changed:
        for member in source.namelist():
            data = source.read(member)
            if member == "xl/worksheets/sheet1.xml":
                data = data.replace(b'r="A3"', b'r="ZZZZZZZZZZZZ3"')
            changed.writestr(member, data)
    assert "beyond the last column" in refused(write(tmp_path, "wide.xlsx", target.getvalue()))


def test_an_unreadable_file_in_an_esco_folder_is_refused_by_name(untouched, tmp_path):
    folder = tmp_path / "esco"
    folder.mkdir()
    (folder / "skills_it.csv").symlink_to(tmp_path / "gone.csv")
    message = refused(folder, source_format="esco-csv")
    assert "skills_it.csv" in message and "cannot be read" in message


def test_an_upload_above_the_limit_is_refused(untouched, settings):
    from repertory import api

    settings.TOSCA_REPERTORY_MAX_IMPORT_BYTES = 100
    with pytest.raises(api.ImportRejected) as rejected:
        api.import_framework(rows().encode() * 10, name="big.csv", source_format="rrfp-csv")
    assert "big.csv" in rejected.value.summary() and "import limit" in rejected.value.summary()
