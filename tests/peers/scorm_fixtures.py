"""Pytest fixtures for the SCORM player peer: ``scorm_again`` (the run-time's script) and ``scorm_player`` (a factory
of players, each serving one extracted SCORM package on 127.0.0.1).

Load with ``pytest_plugins = [..., "tests.peers.scorm_fixtures"]`` in tests/conftest.py, or name this module in a
test module's own ``pytest_plugins``. The player is shown in the ``browser`` fixture's Chromium
(tests/peers/browser_fixtures.py). When npm cannot install scorm-again, tests that use these fixtures are skipped
with the reason; with CI=true (or 1, yes) they fail instead, since CI must exercise the real run-time.

    def test_the_course_reports_its_score(browser, scorm_player, tmp_path):
        player = scorm_player(extract(package, tmp_path), "2004")
        player.open(browser, "index.html")
        wait_for_call(browser, "Terminate")
        assert runtime_state(browser)["cmi"]["cmi.score.scaled"] == "0.8"
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.peers.availability import peer_unavailable

if TYPE_CHECKING:
    from tests.peers.scorm_player import ScormPlayer

PEER = "SCORM player (scorm-again)"


def _unavailable(reason: str) -> None:
    peer_unavailable(PEER, reason)


@pytest.fixture(scope="session")
def scorm_again() -> Path:
    """The path of scorm-again's browser bundle (installed with npm under .venv/peers/scorm-again on first use)."""
    from tests.peers.browser import BrowserUnavailable
    from tests.peers.scorm_player import ensure_scorm_again

    try:
        return ensure_scorm_again()
    except BrowserUnavailable as error:
        _unavailable(str(error))


@pytest.fixture
def scorm_player(scorm_again: Path) -> Iterator[Callable[..., ScormPlayer]]:
    """A factory: ``scorm_player(folder, "1.2" or "2004", cmi=..., settings=..., unvalidated=...)`` starts a
    ``ScormPlayer`` for the extracted package in `folder`; every player it started is closed after the test."""
    from tests.peers.scorm_player import ScormPlayer

    players: list[ScormPlayer] = []

    def start(folder: Path, version: str, **options: Any) -> ScormPlayer:
        player = ScormPlayer(folder, version, script=scorm_again, **options)
        players.append(player)
        return player

    try:
        yield start
    finally:
        for player in players:
            player.close()
