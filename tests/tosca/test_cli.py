"""The `tosca` command as an operator runs it: real process, real exit codes, a progress bar."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent.parent / "fixtures"
TOSCA = Path(sys.executable).with_name("tosca")


def _runner(database: Path, var: Path):
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "TOSCA_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "tosca.settings",
    }

    def tosca(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(TOSCA), *args], env=environment, capture_output=True, text=True, timeout=120)
        if check:
            assert result.returncode == 0, result.stderr
        return result

    return tosca


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """One migrated SQLite file; each test works on its own copy."""
    folder = tmp_path_factory.mktemp("cli")
    _runner(folder / "template.sqlite3", folder / "var")("migrate", "--no-input", "-v", "0")
    return folder / "template.sqlite3"


@pytest.fixture
def run(migrated, tmp_path):
    database = tmp_path / "cli.sqlite3"
    shutil.copyfile(migrated, database)
    return _runner(database, tmp_path / "var")


def test_tosca_imports_with_a_progress_bar_and_reports_what_changed(run):
    result = run("repertory", "import", str(FIXTURES / "rrfp-v1.csv"), "--format", "rrfp-csv", "--progress", "always")
    assert "writing nodes" in result.stderr or "scrittura" in result.stderr
    assert "RRFP-TEST" in result.stdout and "10" in result.stdout
    again = run("repertory", "import", str(FIXTURES / "rrfp-v1.csv"), "--format", "rrfp-csv")
    assert "rrfp-v1.csv" in again.stdout and ("up to date" in again.stdout or "aggiornato" in again.stdout)


def test_tosca_exits_non_zero_on_a_bad_file_and_says_where(run, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "framework,code,kind,parent_code,label_it\nX,X,framework,,X\nX,A,skill,,X,\nX,A,skill,,Y\n", encoding="utf-8"
    )
    result = run("repertory", "import", str(bad), "--format", "rrfp-csv", check=False)
    assert result.returncode == 1
    assert "bad.csv" in result.stderr and "A" in result.stderr and "Traceback" not in result.stderr
    assert run("repertory", "list").stdout.strip() == ""


def test_tosca_exports_to_standard_output(run):
    run("repertory", "import", str(FIXTURES / "moodle-small.csv"), "--format", "moodle-csv")
    result = run("repertory", "export", "MOODLE-CITT", "--format", "openedx-csv")
    assert result.stdout.splitlines()[0] == "id,value,parent_id" and "CD-2.1.a" in result.stdout
    missing = run("repertory", "export", "NOPE", "--format", "case-json", check=False)
    assert missing.returncode == 1 and "NOPE" in missing.stderr


def test_tosca_export_to_a_folder_that_does_not_exist_says_so(run, tmp_path):
    run("repertory", "import", str(FIXTURES / "moodle-small.csv"), "--format", "moodle-csv")
    result = run(
        "repertory",
        "export",
        "MOODLE-CITT",
        "--format",
        "case-json",
        "-o",
        str(tmp_path / "no" / "x.json"),
        check=False,
    )
    assert result.returncode == 1 and "x.json" in result.stderr and "Traceback" not in result.stderr
