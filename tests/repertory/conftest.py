from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from repertory import api
from repertory.data import Format

FIXTURES = Path(__file__).parent.parent / "fixtures"
DEMO = Path(__file__).parent.parent.parent / "tosca" / "demo" / "repertorio-toscana-demo.csv"


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the Italian catalogue has tests of its own (test_italian.py)."""
    with translation.override("en"):
        yield


@pytest.fixture
def rrfp_v1(db):
    return api.import_framework(FIXTURES / "rrfp-v1.csv", source_format=Format.RRFP_CSV)


@pytest.fixture
def demo(db):
    return api.import_framework(DEMO, source_format=Format.RRFP_CSV)


@pytest.fixture
def esco(db):
    return api.import_framework(FIXTURES / "esco", source_format=Format.ESCO_CSV)
