"""Self-tests of the openedx-scorm-xblock harness, on tiny hand-written packages (never the exporter's).

They pin down what the xblock's own manifest parsing records — the SCORM version, the launch page, the
navigation menu — including the ways it departs from the SCORM specification that the exporter must respect:
it launches the first <resource> that has an href (not the default organization's first item), decides the
version with ``re.match("^1.2$", schemaversion)``, reads only the manifest's default namespace, and lists in its
menu only the items marked isvisible="true".
"""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path

import pytest

from tests.peers import scorm_xblock as harness
from tests.peers.availability import peer_unavailable
from tests.peers.scorm_xblock import (
    NavigationEntry,
    ScormXBlockReading,
    ScormXBlockRejected,
    ScormXBlockUnavailable,
    read_with_scorm_xblock,
)

CP_12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP_12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
CP_2004 = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP_2004 = "http://www.adlnet.org/xsd/adlcp_v1p3"
# A SCO page that talks to the LMS: the xblock warns about packages that never mention a completion element.
SCO_PAGE = "<html><body><script>API.LMSSetValue('cmi.core.lesson_status', 'completed');</script></body></html>"
SCO_PAGE_2004 = "<html><body><script>API_1484_11.SetValue('cmi.completion_status', 'completed');</script></body></html>"

MANIFEST_12 = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="tosca.test.12" version="1.0" xmlns="{CP_12}" xmlns:adlcp="{ADLCP_12}">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>Corso di prova</title>
      <item identifier="ITEM1" identifierref="RES1" isvisible="true"><title>Modulo 1</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES1" type="webcontent" adlcp:scormtype="sco" href="m1/index.html">
      <file href="m1/index.html"/>
    </resource>
  </resources>
</manifest>
"""

MANIFEST_2004 = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="tosca.test.2004" version="1.0" xmlns="{CP_2004}" xmlns:adlcp="{ADLCP_2004}">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>Corso 2004</title>
      <item identifier="ITEM1" identifierref="RES1" isvisible="true"><title>Lezione</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES1" type="webcontent" adlcp:scormType="sco" href="lezione/index.html">
      <file href="lezione/index.html"/>
    </resource>
  </resources>
</manifest>
"""


def shared_asset_first(asset_href: str) -> str:
    """A SCORM 1.2 manifest whose first resource is a shared asset (with `asset_href` as its href, or none)."""
    href = f' href="{asset_href}"' if asset_href else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="tosca.test.shared" version="1.0" xmlns="{CP_12}" xmlns:adlcp="{ADLCP_12}">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>Corso</title>
      <item identifier="ITEM1" identifierref="RES1" isvisible="true"><title>Modulo 1</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="SHARED" type="webcontent" adlcp:scormtype="asset"{href}>
      <file href="shared/style.css"/>
    </resource>
    <resource identifier="RES1" type="webcontent" adlcp:scormtype="sco" href="m1/index.html">
      <file href="m1/index.html"/>
      <dependency identifierref="SHARED"/>
    </resource>
  </resources>
</manifest>
"""


def write_package(folder: Path, name: str, manifest: str | None, files: dict[str, str]) -> Path:
    path = folder / f"{name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        if manifest is not None:
            package.writestr("imsmanifest.xml", manifest)
        for member, text in files.items():
            package.writestr(member, text)
    return path


def peer_python() -> Path:
    """The xblock's own venv, created on first use; the test skips (fails in CI) if it cannot be had."""
    try:
        return harness.ensure_peer_python()
    except ScormXBlockUnavailable as error:
        peer_unavailable(harness.PEER, str(error))


def read(zip_path: Path, work_dir: Path) -> ScormXBlockReading:
    python = peer_python()
    try:
        return read_with_scorm_xblock(zip_path, work_dir, python=python)
    except ScormXBlockUnavailable as error:
        peer_unavailable(harness.PEER, str(error))


def test_a_scorm_12_package_is_read_as_scorm_12_launching_its_sco(tmp_path: Path) -> None:
    package = write_package(tmp_path, "scorm12", MANIFEST_12, {"m1/index.html": SCO_PAGE})

    reading = read(package, tmp_path / "work")

    assert reading.scorm_version == "SCORM_12"
    assert reading.launch_path == "m1/index.html"
    assert reading.launch_file_present
    assert reading.extracted_files == ("imsmanifest.xml", "m1/index.html")
    assert reading.navigation == (
        NavigationEntry("Corso di prova", None, 0),
        NavigationEntry("Modulo 1", "m1/index.html", 1),
    )
    assert reading.package_warnings == ()
    assert reading.package_meta["name"] == "scorm12.zip"
    assert reading.package_meta["size"] == package.stat().st_size
    assert reading.extract_folder.is_relative_to(tmp_path / "work")  # their STORAGE_FUNC hook, not default_storage
    assert (reading.extract_folder / "m1" / "index.html").read_text() == SCO_PAGE
    assert reading.xblock_version


def test_a_scorm_2004_4th_edition_package_is_read_as_scorm_2004(tmp_path: Path) -> None:
    package = write_package(tmp_path, "scorm2004", MANIFEST_2004, {"lezione/index.html": SCO_PAGE_2004})

    reading = read(package, tmp_path / "work")

    assert reading.scorm_version == "SCORM_2004"
    assert reading.launch_path == "lezione/index.html"
    assert reading.launch_file_present
    assert reading.navigation == (
        NavigationEntry("Corso 2004", None, 0),
        NavigationEntry("Lezione", "lezione/index.html", 1),
    )
    assert reading.package_warnings == ()


def test_a_shared_asset_listed_first_with_an_href_is_what_it_launches(tmp_path: Path) -> None:
    """It launches `resources/resource[@href]`, the first in document order: neither the default organization's
    item, nor its identifierref, nor adlcp:scormtype count. Hence the exporter lists the launch resource first."""
    files = {"m1/index.html": SCO_PAGE, "shared/style.css": "body { color: black }"}
    package = write_package(tmp_path, "shared-href", shared_asset_first("shared/style.css"), files)

    reading = read(package, tmp_path / "work")

    assert reading.launch_path == "shared/style.css"
    assert reading.navigation[1] == NavigationEntry("Modulo 1", "m1/index.html", 1)  # the menu follows the items
    assert reading.scorm_version == "SCORM_12"


def test_a_shared_asset_listed_first_without_an_href_is_skipped(tmp_path: Path) -> None:
    files = {"m1/index.html": SCO_PAGE, "shared/style.css": "body { color: black }"}
    package = write_package(tmp_path, "shared-no-href", shared_asset_first(""), files)

    reading = read(package, tmp_path / "work")

    assert reading.launch_path == "m1/index.html"


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ("<schema>ADL SCORM</schema><schemaversion>1.2</schemaversion>", "SCORM_12"),
        ("<schema>ADL SCORM</schema><schemaversion>1.2\n</schemaversion>", "SCORM_12"),  # `$` allows a final \n
        ("<schema>ADL SCORM</schema><schemaversion> 1.2 </schemaversion>", "SCORM_2004"),  # no stripping
        ("<schema>ADL SCORM</schema><schemaversion>CAM 1.3</schemaversion>", "SCORM_2004"),
        ("<schema>ADL SCORM</schema><schemaversion>2004 3rd Edition</schemaversion>", "SCORM_2004"),
        ("<schema>ADL SCORM</schema>", "SCORM_12"),  # no schemaversion at all
    ],
)
def test_the_version_is_scorm_12_only_for_a_schemaversion_of_exactly_1_2(
    tmp_path: Path, metadata: str, expected: str
) -> None:
    manifest = MANIFEST_12.replace("<schema>ADL SCORM</schema><schemaversion>1.2</schemaversion>", metadata)
    assert metadata in manifest
    package = write_package(tmp_path, "version", manifest, {"m1/index.html": SCO_PAGE})

    assert read(package, tmp_path / "work").scorm_version == expected


def test_only_the_default_namespace_is_read(tmp_path: Path) -> None:
    """With the content-packaging namespace bound to a prefix, nothing is found: the version falls back to
    SCORM_12 and the launch page to the first file named index.html."""
    manifest = f"""<?xml version="1.0" encoding="UTF-8"?>
<imscp:manifest identifier="tosca.test.prefixed" xmlns:imscp="{CP_2004}" xmlns:adlcp="{ADLCP_2004}">
  <imscp:metadata><imscp:schema>ADL SCORM</imscp:schema><imscp:schemaversion>2004 4th Edition</imscp:schemaversion>
  </imscp:metadata>
  <imscp:organizations default="ORG">
    <imscp:organization identifier="ORG"><imscp:title>Corso</imscp:title>
      <imscp:item identifier="ITEM1" identifierref="RES1" isvisible="true">
        <imscp:title>Lezione</imscp:title>
      </imscp:item>
    </imscp:organization>
  </imscp:organizations>
  <imscp:resources>
    <imscp:resource identifier="RES1" type="webcontent" adlcp:scormType="sco" href="lezione/index.html">
      <imscp:file href="lezione/index.html"/>
    </imscp:resource>
  </imscp:resources>
</imscp:manifest>
"""
    package = write_package(tmp_path, "prefixed", manifest, {"lezione/index.html": SCO_PAGE_2004})

    reading = read(package, tmp_path / "work")

    assert reading.scorm_version == "SCORM_12"
    assert reading.launch_path == "lezione/index.html"  # found by file name, not from the manifest
    assert reading.navigation == ()


def test_the_menu_lists_only_items_marked_visible_and_nests_them(tmp_path: Path) -> None:
    items = """<item identifier="ITEM1" identifierref="RES1" isvisible="true"><title>Modulo 1</title>
        <item identifier="ITEM11" identifierref="RES2" isvisible="true"><title>Parte 1 &amp; 2</title></item>
      </item>
      <item identifier="ITEM2" identifierref="RES2"><title>Senza isvisible</title></item>"""
    resource_2 = """<resource identifier="RES2" type="webcontent" adlcp:scormtype="sco" href="m2/index.html">
      <file href="m2/index.html"/>
    </resource>
  </resources>"""
    manifest = MANIFEST_12.replace(
        '<item identifier="ITEM1" identifierref="RES1" isvisible="true"><title>Modulo 1</title></item>', items
    ).replace("</resources>", resource_2)
    assert "Senza isvisible" in manifest and 'identifier="RES2"' in manifest
    package = write_package(tmp_path, "menu", manifest, {"m1/index.html": SCO_PAGE, "m2/index.html": SCO_PAGE})

    reading = read(package, tmp_path / "work")

    assert reading.navigation == (
        NavigationEntry("Corso di prova", None, 0),
        NavigationEntry("Modulo 1", "m1/index.html", 1),
        NavigationEntry("Parte 1 & 2", "m2/index.html", 2),
    )
    assert reading.launch_path == "m1/index.html"


def test_a_package_that_never_mentions_completion_gets_their_warning(tmp_path: Path) -> None:
    package = write_package(tmp_path, "silent", MANIFEST_12, {"m1/index.html": "<html><body>Ciao</body></html>"})

    reading = read(package, tmp_path / "work")

    assert reading.package_warnings == ("no_completion_status",)
    assert reading.scorm_version == "SCORM_12"


def test_a_zip_without_a_manifest_is_refused_with_their_message(tmp_path: Path) -> None:
    package = write_package(tmp_path, "empty", None, {"index.html": SCO_PAGE})
    python = peer_python()

    with pytest.raises(ScormXBlockRejected, match=r"Could not find 'imsmanifest\.xml'"):
        read_with_scorm_xblock(package, tmp_path / "work", python=python)


def test_an_interpreter_without_the_xblock_is_reported_as_unavailable(tmp_path: Path) -> None:
    """The project's own venv does not have it (see the harness's docstring), so its python says so."""
    if importlib.util.find_spec("openedxscorm") is not None:
        pytest.skip("openedx-scorm-xblock is installed in the test process's venv too")
    package = write_package(tmp_path, "scorm12", MANIFEST_12, {"m1/index.html": SCO_PAGE})

    with pytest.raises(ScormXBlockUnavailable, match=f"{harness.PEER} is not installed"):
        read_with_scorm_xblock(package, tmp_path / "work", python=Path(sys.executable))
