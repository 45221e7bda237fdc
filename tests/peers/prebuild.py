"""The peers' own venvs and npm packages, built in a background thread as soon as the tests are collected: on a
fresh clone each takes half a minute to a minute of pip, and the tests that need them come late in the run, so
building them while the first tests run saves most of that wait. A test that needs one before it is ready waits
on its file lock, exactly as it would for another pytest process; a build that fails is left for the test to
retry and report (skip, or fail in CI)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from importlib import import_module

# Which tests need what, in the order the builds run: (test path prefix, (module, function, arguments...)).
NEEDS: tuple[tuple[str, tuple], ...] = (
    # Tests that touch the database run first (the SCORM export's and sync's among them), the others after.
    ("tests/scorm_export/", ("tests.peers.scorm_xblock", "ensure_peer_python")),
    ("tests/peers/test_scorm_xblock_peer.py", ("tests.peers.scorm_xblock", "ensure_peer_python")),
    ("tests/scorm_export/", ("tests.peers.scorm_player", "ensure_scorm_again")),
    ("tests/sync/", ("tests.peers.ralph", "ensure_ralph_python")),
    ("tests/peers/test_ralph_peer.py", ("tests.peers.ralph", "ensure_ralph_python")),
    ("tests/lti_tool/", ("tests.peers.lti_platform", "ensure_platform_python")),
    ("tests/peers/test_lti_platform_peer.py", ("tests.peers.lti_platform", "ensure_platform_python")),
    ("tests/deploy/", ("tests.deploy.tutor_env", "tutor_python", 21)),
    ("tests/deploy/", ("tests.deploy.tutor_env", "tutor_python", 22)),
    ("tests/openedx/test_platform_apps.py", ("tests.peers.openedx_apps", "ensure_peer_python")),
)


def start(node_ids: Iterable[str]) -> threading.Thread | None:
    """Start building what the selected tests need (nothing when they need nothing)."""
    ids = list(node_ids)
    builds = list(dict.fromkeys(build for prefix, build in NEEDS if any(node.startswith(prefix) for node in ids)))
    if not builds:
        return None
    thread = threading.Thread(target=_build_all, args=(builds,), name="tosca-peer-prebuild", daemon=True)
    thread.start()
    return thread


def _build_all(builds: list[tuple]) -> None:
    for module, function, *arguments in builds:
        try:
            getattr(import_module(module), function)(*arguments)
        except Exception:  # the test that needs it builds it again, and says why it cannot
            continue
