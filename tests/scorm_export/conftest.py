from __future__ import annotations

import pytest
from django.utils import translation

from tests.xblocks.conftest import DEMO_COURSE, DEMO_KEY, designer, learner  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def demo_course(demo):
    from xblocks.runtime import api

    return api.import_folder(DEMO_COURSE)
