from __future__ import annotations

import pytest
from django.utils import translation

from tests.conftest import DEMO, FIXTURES

__all__ = ["DEMO", "FIXTURES"]


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the Italian catalogue has tests of its own (test_italian.py)."""
    with translation.override("en"):
        yield
