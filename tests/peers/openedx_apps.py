"""Open edX platform apps as a test peer: openedx-core's tagging app (``openedx_tagging``, what Studio's "Manage
tags" writes to) and edx-completion (``completion``, the LMS's completion service), the real packages, installed
standalone beside Tosca's plugin apps, with no edx-platform.

They live in a virtual environment of their own, ``.venv/peers/openedx-apps`` (git-ignored, created on first use by
``tests/peers/venvs.py``): openedx-core and edx-completion pull in edx-drf-extensions, edx-organizations,
django-simple-history, edx-toggles, event-tracking… which the project's venv does not need. Everything Tosca itself
needs there is pinned to the versions of the project's venv, so the same code runs on the same libraries; Tosca is
installed with ``pip install --no-deps --no-build-isolation -e`` (its build backend's own requirements, setuptools
and Babel, are among the pins).

``run_checks`` runs ``tests/peers/openedx_apps_checks.py`` in that venv (settings ``tests.peers.openedx_apps_settings``,
its SQLite database under a work folder) and returns the JSON it prints: see that module for what is checked.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.peers.venvs import ensure_venv, run_step

PEER = "Open edX platform apps"
TAGGING_REQUIREMENT = "openedx-core==1.15.2"  # the successor of openedx-learning (0.33.1 only depends on it)
COMPLETION_REQUIREMENT = "edx-completion==5.0.0"
# The platform apps and what they declare (openedx-core and edx-completion pin nothing), then Tosca's runtime
# dependencies (setup.cfg install_requires) at the versions of the project's venv, then its build backend's.
PEER_REQUIREMENTS = (
    TAGGING_REQUIREMENT,
    COMPLETION_REQUIREMENT,
    "edx-opaque-keys[django]==4.0.1",
    "edx-drf-extensions==10.9.0",
    "edx-organizations==9.0.0",
    "edx-toggles==6.0.0",
    "django-waffle==5.0.0",
    "django-model-utils==5.0.0",
    "django-simple-history==3.13.0",
    "event-tracking==4.1.5",
    "openedx-events==11.2.0",
    "edx-django-utils==8.1.0",
    "rules==3.5",
    "tomlkit==0.15.2",
    "attrs==26.1.0",
    "pytz==2026.6",
    "Django==5.2.19",
    "djangorestframework==3.18.3",
    "lxml==6.1.3",
    "requests==2.34.2",
    "celery[redis]==5.7.0",
    "redis==8.1.0",
    "PyJWT[crypto]==2.15.1",
    "cryptography==50.0.2",
    "XBlock==6.3.4",
    "web-fragments==4.0.0",
    "WebOb==1.8.11",
    "setuptools==84.2.1",
    "babel==2.19.0",
)
REPO_ROOT = Path(__file__).resolve().parents[2]
PEER_VENV = REPO_ROOT / ".venv" / "peers" / "openedx-apps"
TOSCA_INSTALL = ("--no-deps", "--no-build-isolation", "-e", str(REPO_ROOT))
SETTINGS = "tests.peers.openedx_apps_settings"
CHECKS = "tests.peers.openedx_apps_checks"
DATABASE_VARIABLE = "TOSCA_OPENEDX_APPS_DATABASE"
DATA_DIR_VARIABLE = "TOSCA_OPENEDX_APPS_DATA_DIR"
# Variables of the test process that must not reach the peer: it has its own interpreter, settings and database.
PRIVATE_VARIABLES = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
INSTALL_TIMEOUT = 900.0
CHECKS_TIMEOUT = 300.0


class OpenedxAppsError(RuntimeError):
    """The checks failed to give a result (they crashed, or printed no JSON); the message has their output."""


class OpenedxAppsUnavailable(OpenedxAppsError):
    """The platform apps' venv cannot be had (no network, an install failing); the message says which step."""


def ensure_peer_python() -> Path:
    """The python of the peer's venv: the pinned requirements installed, then Tosca itself (editable)."""
    python = ensure_venv(PEER_VENV, PEER_REQUIREMENTS, unavailable=OpenedxAppsUnavailable, timeout=INSTALL_TIMEOUT)
    marker = PEER_VENV / ".tosca-installed"
    wanted = " ".join(TOSCA_INSTALL)
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == wanted:
        return python
    with open(PEER_VENV.parent / f"{PEER_VENV.name}.tosca.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be installing it: wait for it
        try:
            if not (marker.is_file() and marker.read_text(encoding="utf-8").strip() == wanted):
                _install(python, TOSCA_INSTALL)
                marker.write_text(wanted + "\n", encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return python


def _install(python: Path, arguments: tuple[str, ...]) -> None:
    command = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *arguments]
    run_step(command, f"pip install {' '.join(arguments)} into {PEER_VENV}", OpenedxAppsUnavailable, INSTALL_TIMEOUT)


def run_checks(work_dir: Path, *, python: Path | None = None) -> dict[str, Any]:
    """Run the checks in the peer's venv (its own database and data folder under `work_dir`); their JSON result.

    Raises OpenedxAppsUnavailable when the venv cannot be built, OpenedxAppsError when the checks fail.
    """
    interpreter = python or ensure_peer_python()
    work_dir = Path(work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    database = work_dir / "platform.sqlite3"
    database.unlink(missing_ok=True)
    env = {name: value for name, value in os.environ.items() if name not in PRIVATE_VARIABLES}
    env |= {
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        DATABASE_VARIABLE: str(database),
        DATA_DIR_VARIABLE: str(work_dir / "data"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [str(interpreter), "-m", CHECKS]
    try:
        process = subprocess.run(
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=CHECKS_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise OpenedxAppsError(f"running {CHECKS} with {interpreter} failed: {error}") from error
    lines = process.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, ValueError) as error:
        output = (process.stderr or process.stdout).strip()[-4000:]
        raise OpenedxAppsError(
            f"{CHECKS} ({interpreter}) exited with status {process.returncode} without a result:\n{output}"
        ) from error
    if result.get("status") != "ok":
        log = process.stderr.strip()[-2000:]
        raise OpenedxAppsError(f"{CHECKS} failed:\n{result.get('traceback', result)}\n{log}")
    return result


if __name__ == "__main__":  # python -m tests.peers.openedx_apps [WORK_DIR]: build the venv, run, print the result
    import tempfile

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="tosca-openedx-apps-"))
    print(json.dumps(run_checks(folder), indent=2, sort_keys=True))
