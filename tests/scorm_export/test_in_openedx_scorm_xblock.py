"""Open edX's SCORM XBlock (openedx-scorm-xblock, in its own venv) reads Tosca's packages: it launches the first
module's page, records the right SCORM version, and lists every module in its menu."""

from __future__ import annotations

import pytest

from scorm_export import api
from tests.peers.test_scorm_xblock_peer import read
from tests.xblocks.conftest import DEMO_KEY

pytestmark = [pytest.mark.django_db, pytest.mark.services, pytest.mark.storage_only]

MODULES = [
    "Co-progettare un progetto FSE+",
    "Reti per l'inclusione lavorativa delle persone svantaggiate",
    "Il nido nel sistema integrato 0-6",
]


@pytest.mark.parametrize(("version", "recorded"), [("1.2", "SCORM_12"), ("2004", "SCORM_2004")])
def test_openedx_scorm_xblock_launches_our_first_module_and_knows_the_version(demo_course, tmp_path, version, recorded):
    package = tmp_path / "corso.zip"
    package.write_bytes(api.export_package(DEMO_KEY, version).content)

    reading = read(package, tmp_path / "work")

    assert reading.scorm_version == recorded
    assert reading.launch_path == "m1/index.html" and reading.launch_file_present
    assert [entry.title for entry in reading.navigation if entry.depth == 1] == MODULES
    assert "no_completion_status" not in reading.package_warnings


def test_openedx_scorm_xblock_launches_the_first_page_when_there_is_one_sco_per_page(demo_course, tmp_path):
    package = tmp_path / "pagine.zip"
    package.write_bytes(api.export_package(DEMO_KEY, "2004", layout="page").content)

    reading = read(package, tmp_path / "work")

    assert reading.launch_path == "m1/m1-intro.html" and reading.launch_file_present
    assert [entry.title for entry in reading.navigation if entry.depth == 1] == MODULES
