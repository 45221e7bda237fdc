"""Pytest fixture for the LTI 1.3 platform peer (lti-consumer-xblock): one platform process for the session.

Load with ``pytest_plugins = [..., "tests.peers.lti_fixtures"]`` in tests/conftest.py, or import the fixture into
a test module. When the platform cannot be installed or started, tests that use it are skipped with the reason;
with CI=true (or 1, yes) they fail instead, since CI must exercise the real peer. Registrations, launches and
scores are kept for the whole session: register a tool of your own (``lti_platform.register_tool``) in each test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.peers.availability import peer_unavailable

if TYPE_CHECKING:
    from tests.peers.lti_platform import LtiPlatform

PEER = "LTI platform (lti-consumer-xblock)"


@pytest.fixture(scope="session")
def lti_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LtiPlatform]:
    """A running lti-consumer-xblock LTI 1.3 platform on 127.0.0.1, shared by the session.

    Its SQLite database and log (``lti-platform.log``) are in a pytest temporary folder (``lti_platform.workdir``).
    """
    try:
        from tests.peers.lti_platform import LtiPlatform, LtiPlatformUnavailable
    except ImportError as error:  # requests missing from the project's venv
        peer_unavailable(PEER, f"cannot import the harness: {error}")
    platform = LtiPlatform()
    try:
        platform.start(tmp_path_factory.mktemp("lti-platform"))
    except (LtiPlatformUnavailable, OSError) as error:
        platform.stop()
        peer_unavailable(PEER, str(error))
    try:
        yield platform
    finally:
        platform.stop()
