"""What a test does when a real peer (a database, the LRS, the workbench, the browser) cannot be had: skip with
the reason, except in CI (CI=true, 1 or yes), where every peer must run and a missing one fails the test."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def peer_unavailable(peer: str, reason: str) -> NoReturn:
    """Skip the test because `peer` is unavailable for `reason`; with CI=true, fail it instead."""
    if IN_CI:
        pytest.fail(f"CI=true but the {peer} is unavailable: {reason}", pytrace=False)
    pytest.skip(f"the {peer} is unavailable: {reason}")
