"""Exporting courses and modules as SCORM packages: what the package holds, what is refused and how, the
command line, the API endpoint and the authoring page's button; and the validator on packages that are wrong."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from lxml import etree

from scorm_export import api
from scorm_export.data import WARNING
from tests.xblocks.conftest import DEMO_KEY, usage

pytestmark = [pytest.mark.django_db, pytest.mark.storage_only]  # exports only read the course

CP = {"1.2": "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "2004": "http://www.imsglobal.org/xsd/imscp_v1p1"}
ADLCP = {"1.2": "http://www.adlnet.org/xsd/adlcp_rootv1p2", "2004": "http://www.adlnet.org/xsd/adlcp_v1p3"}
LAYOUTS = [("1.2", "module"), ("1.2", "page"), ("2004", "module"), ("2004", "page")]


def entries(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def manifest_of(content: bytes) -> etree._Element:
    return etree.fromstring(entries(content)["imsmanifest.xml"])


def course_folder(tmp_path: Path, modules: str, assets: dict[str, bytes] | None = None, key=("Test", "SCORM", "run")):
    """A small OLX course written as Open edX exports it, with `modules` (tosca_module elements) in one unit."""
    folder = tmp_path / "olx"
    (folder / "static").mkdir(parents=True)
    org, number, run = key
    (folder / "course.xml").write_text(
        f'<course url_name="{run}" org="{org}" course="{number}" display_name="Città aperta" language="it">'
        f'<chapter url_name="c1" display_name="Sezione"><sequential url_name="s1" display_name="Sequenza">'
        f'<vertical url_name="v1" display_name="Unità">{modules}</vertical></sequential></chapter></course>',
        encoding="utf-8",
    )
    for name, content in (assets or {}).items():
        path = folder / "static" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return folder


def imported(tmp_path, modules: str, assets=None) -> str:
    from xblocks.runtime import api as runtime

    runtime.import_folder(course_folder(tmp_path, modules, assets))
    return "course-v1:Test+SCORM+run"


# -- what a package holds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "layout"), LAYOUTS)
def test_every_package_lists_the_launch_resource_first_and_every_file_with_safe_zip_entries(
    demo_course, version, layout
):
    package = api.export_package(DEMO_KEY, version, layout=layout)

    files = entries(package.content)
    names = list(files)
    assert names[0] == "imsmanifest.xml"
    assert all(not name.endswith("/") and "\\" not in name and not name.startswith("/") for name in names)
    assert all(".." not in name.split("/") for name in names)
    root = manifest_of(package.content)
    ns = CP[version]
    first_item = next(item for item in root.iter(f"{{{ns}}}item") if item.get("identifierref"))
    resources = root.findall(f"{{{ns}}}resources/{{{ns}}}resource")
    assert resources[0].get("identifier") == first_item.get("identifierref")
    listed = {file.get("href") for file in root.iter(f"{{{ns}}}file")}
    schemas = {name for name in names if name.endswith((".xsd", ".dtd"))}
    assert listed == set(names) - {"imsmanifest.xml"} - schemas
    assert {"imscp_rootv1p1p2.xsd" if version == "1.2" else "imscp_v1p1.xsd"} <= schemas
    assert api.validate_package(package.content).problems == ()
    assert package.scos == (3 if layout == "module" else 12)


def test_a_module_alone_carries_only_the_assets_its_pages_use(demo_course):
    package = api.export_package(usage("tosca_module", "m1"), "2004")

    assets = sorted(name for name in entries(package.content) if name.startswith("assets/"))
    assert assets == ["assets/m1-video.it.vtt", "assets/m1-video.webm"]
    assert package.filename == "m1-scorm2004.zip"


def test_competences_are_lom_classifications_and_2004_objectives_mapped_to_global_ones(demo_course):
    root = manifest_of(api.export_package(DEMO_KEY, "2004").content)

    lom = "http://ltsc.ieee.org/xsd/LOM"
    imsss = "http://www.imsglobal.org/xsd/imsss"
    item = root.find(f".//{{{CP['2004']}}}item")
    assert item.findtext(f".//{{{lom}}}purpose/{{{lom}}}value") == "competency"
    taxa = [path.findall(f"{{{lom}}}taxon")[-1].findtext(f"{{{lom}}}id") for path in item.iter(f"{{{lom}}}taxonPath")]
    assert taxa == ["urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-1010", "urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-1033"]
    primary = item.find(f".//{{{imsss}}}primaryObjective")
    assert primary.get("objectiveID") == usage("tosca_module", "m1")
    assert primary.findtext(f"{{{imsss}}}minNormalizedMeasure") == "0.6"
    mapped = [
        (o.get("objectiveID"), o.find(f"{{{imsss}}}mapInfo").get("targetObjectiveID"))
        for o in item.iter(f"{{{imsss}}}objective")
    ]
    assert mapped == [(uri, uri) for uri in taxa]
    control = root.find(f".//{{{CP['2004']}}}organization/{{{imsss}}}sequencing/{{{imsss}}}controlMode")
    assert control.get("flow") == "true"


def test_scorm12_items_carry_the_mastery_score_of_the_module_rule(demo_course):
    root = manifest_of(api.export_package(DEMO_KEY, "1.2").content)

    scores = [element.text for element in root.iter(f"{{{ADLCP['1.2']}}}masteryscore")]
    assert scores == ["60", "60", "60"]
    assert {resource.get(f"{{{ADLCP['1.2']}}}scormtype") for resource in root.iter(f"{{{CP['1.2']}}}resource")} == {
        "sco",
        "asset",
    }


# -- odd courses --------------------------------------------------------------------------------------------


def test_names_with_accents_become_ascii_paths_that_the_pages_still_point_to(db, demo, tmp_path):
    key = imported(
        tmp_path,
        '<tosca_module url_name="m1" display_name="Perché la città">'
        '<tosca_html url_name="m1-a" display_name="Già fatto"><![CDATA[<p><img src="/static/città è/bella foto.png"'
        ' alt="La città"></p><p><a href="/static/citt%C3%A0%20%C3%A8/bella%20foto.png">foto</a></p>]]></tosca_html>'
        "</tosca_module>",
        {"città è/bella foto.png": b"\x89PNG fake"},
    )

    package = api.export_package(key, "1.2")

    files = entries(package.content)
    assert "assets/citta_e/bella_foto.png" in files
    assert all(name.isascii() for name in files)
    page = files["m1/index.html"].decode()
    assert page.count('"../assets/citta_e/bella_foto.png"') == 2
    assert "Perché la città" in page
    assert api.validate_package(package.content).problems == ()


def test_an_empty_module_is_refused_with_its_name(db, demo, tmp_path):
    key = imported(
        tmp_path,
        '<tosca_module url_name="m1" display_name="Pieno"><tosca_html url_name="a" display_name="A">'
        "<![CDATA[<p>x</p>]]></tosca_html></tosca_module>"
        '<tosca_module url_name="m2" display_name="Vuoto"></tosca_module>',
    )

    with pytest.raises(api.ExportRefused, match="Module “Vuoto” \\(m2\\) has no content"):
        api.export_package(key, "2004")


def test_a_block_tosca_cannot_run_becomes_a_notice_and_the_export_says_so(db, demo, tmp_path):
    key = imported(
        tmp_path,
        '<tosca_module url_name="m1" display_name="Con un gioco"><tosca_html url_name="a" display_name="A">'
        '<![CDATA[<p>x</p>]]></tosca_html><drag-and-drop-v2 url_name="dnd" display_name="Trascina"/></tosca_module>',
    )

    package = api.export_package(key, "2004")

    assert len(package.warnings) == 1 and "m1/dnd" in package.warnings[0] and "drag-and-drop-v2" in package.warnings[0]
    page = entries(package.content)["m1/index.html"].decode()
    assert "drag-and-drop-v2" in page
    config = json.loads(re.search(r'id="tosca-sco-config">(.*?)</script>', page).group(1))
    assert [(item["id"], item["required"]) for item in config["pages"]] == [("a", True), ("dnd", False)]


def test_a_course_with_hundreds_of_assets_carries_every_one(db, demo, tmp_path):
    assets = {f"img/figura-{number:03}.png": b"png %d" % number for number in range(400)}
    key = imported(
        tmp_path,
        '<tosca_module url_name="m1" display_name="Figure"><tosca_html url_name="a" display_name="A">'
        '<![CDATA[<p><img src="/static/img/figura-007.png" alt="7"></p>]]></tosca_html></tosca_module>',
        assets,
    )

    package = api.export_package(key, "1.2")

    files = entries(package.content)
    assert sum(name.startswith("assets/img/") for name in files) == 400
    assert api.validate_package(package.content).problems == ()


@pytest.mark.parametrize(
    ("target", "version", "layout", "message"),
    [
        ("course-v1:Nobody+Here+run", "2004", "module", "There is no course"),
        ("block-v1:RegioneToscana+TRIO-RETI+2026+type@tosca_module+block@m9", "2004", "module", "There is no module"),
        ("m1", "2004", "module", "neither a course key"),
        (DEMO_KEY, "2004 3rd", "module", "Unknown SCORM version"),
        (DEMO_KEY, "1.2", "chapter", "Unknown layout"),
    ],
)
def test_unknown_targets_and_options_are_clear_errors(demo_course, target, version, layout, message):
    with pytest.raises(api.ExportRefused, match=message):
        api.export_package(target, version, layout=layout)


# -- the validator on packages that are wrong ---------------------------------------------------------------


def broken(content: bytes, change) -> bytes:
    """The package with its manifest changed by `change(root)` (and files dropped when it returns names)."""
    files = entries(content)
    root = etree.fromstring(files["imsmanifest.xml"])
    dropped = change(root) or ()
    files["imsmanifest.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            if name not in dropped:
                archive.writestr(name, data)
    return buffer.getvalue()


def first(root, version: str, name: str):
    return next(root.iter(f"{{{CP[version]}}}{name}"))


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_an_attribute_spelled_as_the_other_version_spells_it_is_caught(demo_course, version):
    right, wrong = ("scormtype", "scormType") if version == "1.2" else ("scormType", "scormtype")

    def respell(root):
        resource = first(root, version, "resource")
        resource.set(f"{{{ADLCP[version]}}}{wrong}", resource.attrib.pop(f"{{{ADLCP[version]}}}{right}"))

    report = api.validate_package(broken(api.export_package(DEMO_KEY, version).content, respell))

    assert not report.valid
    assert any(f"spells the attribute “adlcp:{right}”" in problem.message for problem in report.errors)


def test_a_dangling_identifierref_is_caught(demo_course):
    def dangle(root):
        first(root, "2004", "item").set("identifierref", "res-nowhere")

    report = api.validate_package(broken(api.export_package(DEMO_KEY, "2004").content, dangle))

    assert any("“res-nowhere” names no resource" in problem.message for problem in report.errors)


def test_a_listed_file_missing_from_the_zip_is_caught(demo_course):
    report = api.validate_package(
        broken(api.export_package(DEMO_KEY, "1.2").content, lambda root: ["shared/tosca-sco.css"])
    )

    assert [problem.message for problem in report.errors] == [
        "“shared/tosca-sco.css” is listed but not in the package."
    ]
    assert report.errors[0].where.startswith("imsmanifest.xml line ")


@pytest.mark.parametrize("href", ["/m1/index.html", "https://example.org/m1/index.html", "m1\\index.html"])
def test_an_absolute_or_backslashed_href_is_caught(demo_course, href):
    def absolute(root):
        first(root, "2004", "resource").set("href", href)

    report = api.validate_package(broken(api.export_package(DEMO_KEY, "2004").content, absolute))

    assert any(href in problem.message for problem in report.errors)


def test_a_launch_resource_listed_after_another_is_a_warning(demo_course):
    def reorder(root):
        resources = first(root, "2004", "resources")
        resources.append(resources[0])

    report = api.validate_package(broken(api.export_package(DEMO_KEY, "2004").content, reorder))

    assert report.valid
    assert [problem.severity for problem in report.problems if "listed first" in problem.message] == [WARNING]


def test_a_zip_with_unsafe_entry_names_is_caught():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.html", b"x")
        archive.writestr("folder/", b"")
    report = api.validate_package(buffer.getvalue())

    messages = [problem.message for problem in report.problems]
    assert any("“..”" in message for message in messages)
    assert any("directory entry" in message for message in messages)
    assert any("no imsmanifest.xml" in message for message in messages)


def test_a_file_that_is_not_a_zip_is_one_clear_problem():
    report = api.validate_package(b"not a zip", name="corso.zip")

    assert [str(problem) for problem in report.problems] == ["corso.zip: the file is not a zip archive."]


# -- command line --------------------------------------------------------------------------------------------


def test_tosca_export_scorm_writes_a_valid_package_and_says_what_it_wrote(demo_course, tmp_path, capsys):
    target = tmp_path / "corso.zip"

    call_command("export", "scorm", DEMO_KEY, "--version", "1.2", "-o", str(target), "--progress", "always")

    out, err = capsys.readouterr()
    assert f"Wrote {target}: SCORM 1.2, 3 SCO(s)" in out
    assert "packing files" in err and "100%" in err
    assert api.validate_package(target.read_bytes()).problems == ()
    assert not list(tmp_path.glob(".tosca-*"))


def test_tosca_export_scorm_of_an_unknown_module_fails_and_writes_nothing(demo_course, tmp_path):
    out = tmp_path / "out"
    out.mkdir()

    with pytest.raises(CommandError, match="There is no module"):
        call_command("export", "scorm", usage("tosca_module", "m9"), "--version", "2004", "-o", str(out / "m.zip"))

    assert list(out.iterdir()) == []


def test_tosca_scorm_validate_prints_every_problem_and_fails(demo_course, tmp_path, capsys):
    def two_problems(root):
        first(root, "2004", "item").set("identifierref", "res-nowhere")
        return ["shared/tosca-sco.js"]

    package = tmp_path / "rotto.zip"
    package.write_bytes(broken(api.export_package(DEMO_KEY, "2004").content, two_problems))

    with pytest.raises(CommandError, match=r"rotto.zip \(SCORM 2004\): 2 error\(s\)"):
        call_command("scorm", "validate", str(package))

    out = capsys.readouterr().out
    assert "“res-nowhere” names no resource" in out and "“shared/tosca-sco.js” is listed but not in the package" in out


def test_tosca_scorm_validate_accepts_tosca_packages(demo_course, tmp_path, capsys):
    package = tmp_path / "corso.zip"
    package.write_bytes(api.export_package(DEMO_KEY, "2004", layout="page").content)

    call_command("scorm", "validate", str(package))

    assert "corso.zip: a valid SCORM 2004 package (0 warning(s))." in capsys.readouterr().out


# -- the API endpoint and the authoring page ----------------------------------------------------------------


def test_designers_download_a_package_from_the_api(demo_course, client, designer):
    client.force_login(designer)

    response = client.get(reverse("scorm:package"), {"target": usage("tosca_module", "m2"), "version": "1.2"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="m2-scorm12.zip"' in response["Content-Disposition"]
    assert api.validate_package(response.content).valid


@pytest.mark.parametrize(
    ("who", "query", "status", "error"),
    [
        (None, {"target": DEMO_KEY, "version": "1.2"}, 401, "Sign in"),
        ("learner", {"target": DEMO_KEY, "version": "1.2"}, 403, "Only course designers"),
        ("designer", {"target": DEMO_KEY, "version": "3"}, 400, "Unknown SCORM version"),
        ("designer", {"target": "course-v1:No+Such+run", "version": "1.2"}, 404, "There is no course"),
    ],
)
def test_the_api_answers_a_json_error_that_says_what_is_wrong(
    demo_course, client, designer, learner, who, query, status, error
):
    if who:
        client.force_login(designer if who == "designer" else learner)

    response = client.get(reverse("scorm:package"), query, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == status
    assert error in response.json()["error"]


def test_the_authoring_page_exports_a_course_as_scorm(demo_course, client, designer, settings):
    client.force_login(designer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("authoring:home")).content.decode()
    action = reverse("authoring:export-scorm", args=[DEMO_KEY])
    assert f'action="{action}"' in page

    response = client.get(action, {"version": "2004", "layout": "page"})
    refused = client.get(action, {"version": "2005"})

    assert response.status_code == 200 and api.validate_package(response.content).valid
    assert refused.status_code == 400 and "Unknown SCORM version" in refused.content.decode()
