from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


@pytest.fixture
def units(demo) -> list[str]:
    """URIs of a few competence units of the demo repertory."""
    from repertory import api as repertory

    return [match.ref.uri for match in repertory.search_competences("progettazione", kinds=["competence_unit"]).results]


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user("giulia", password="x", first_name="Giulia", last_name="Rossi")


@pytest.fixture
def yesterday():
    return timezone.now() - timedelta(days=1)
