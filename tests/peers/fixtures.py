"""Pytest fixtures for the real peers: a Ralph LRS for the session, a fault-injecting proxy per test.

Load with ``pytest_plugins = ["tests.peers.fixtures"]`` in tests/conftest.py. When Ralph cannot be installed
or started, tests that use it are skipped with the reason; with CI=true (or 1) they fail instead, since CI
must exercise the real peer. Ralph keeps its statements for the whole session: use unique statement ids
(and unique activity IRIs when counting what a test stored).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.peers.availability import peer_unavailable
from tests.peers.faults import FaultyProxy

if TYPE_CHECKING:
    from tests.peers.ralph import RalphServer


def _unavailable(reason: str) -> None:
    peer_unavailable("Ralph LRS test peer", reason)


@pytest.fixture(scope="session")
def ralph_server() -> Iterator[RalphServer]:
    """A running Ralph 5.1.0 LRS (file-system backend) on 127.0.0.1, shared by the whole session."""
    try:
        from tests.peers.ralph import RalphServer, RalphUnavailable
    except ImportError as error:  # requests missing from the project's venv
        _unavailable(f"cannot import the harness: {error}")
    workdir = Path(tempfile.mkdtemp(prefix="tosca-ralph-"))
    server = RalphServer()
    try:
        server.start(workdir)
    except (RalphUnavailable, OSError) as error:
        shutil.rmtree(workdir, ignore_errors=True)
        _unavailable(str(error))
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def faulty_proxy(ralph_server: RalphServer) -> Iterator[FaultyProxy]:
    """A fresh FaultyProxy in "pass" mode in front of Ralph; ``faulty_proxy.url`` is the xAPI endpoint."""
    with FaultyProxy(ralph_server.endpoint).start() as proxy:
        yield proxy


@pytest.fixture(scope="session")
def remote_tosca(tmp_path_factory) -> Iterator:
    """A second Tosca instance (own process, own database) acting as the regional libretto.

    It accepts evidence from this instance's platform (http://127.0.0.1:8000, the test settings' TOSCA_BASE_URL).
    """
    from django.conf import settings

    from tests.peers.tosca_instance import ToscaInstance

    instance = ToscaInstance(tmp_path_factory.mktemp("remote-tosca"), client_platform=settings.TOSCA_BASE_URL)
    try:
        instance.start()
    except (RuntimeError, OSError) as error:
        instance.stop()
        peer_unavailable("second Tosca instance", f"it did not start: {error}")
    try:
        yield instance
    finally:
        instance.stop()
