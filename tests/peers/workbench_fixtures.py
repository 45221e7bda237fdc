"""Pytest fixture for the xblock-sdk workbench peer: one workbench process for the whole session.

Load with ``pytest_plugins = [..., "tests.peers.workbench_fixtures"]`` in tests/conftest.py, or import the
fixture into a test module. When the workbench cannot start, tests that use it are skipped with the reason;
with CI=true (or 1, yes) they fail instead, since CI must exercise the real peer. Block state is kept for the
whole session: give each test its own student ids (``uuid``-suffixed) and compare counts before and after.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.peers.availability import peer_unavailable

if TYPE_CHECKING:
    from tests.peers.workbench import WorkbenchServer


def _unavailable(reason: str) -> None:
    peer_unavailable("xblock-sdk workbench test peer", reason)


@pytest.fixture(scope="session")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkbenchServer]:
    """A running xblock-sdk workbench on 127.0.0.1 with Tosca's apps and demo repertory, shared by the session.

    Its database, log and files are in a pytest temporary folder (``workbench.workdir``), kept after the run.
    """
    try:
        from tests.peers.workbench import WorkbenchServer, WorkbenchUnavailable
    except ImportError as error:  # requests missing from the project's venv
        _unavailable(f"cannot import the harness: {error}")
    server = WorkbenchServer()
    try:
        server.start(tmp_path_factory.mktemp("workbench"))
    except (WorkbenchUnavailable, OSError) as error:
        server.stop()
        _unavailable(str(error))
    try:
        yield server
    finally:
        server.stop()
