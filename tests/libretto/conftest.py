from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from sync import api as sync


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


@pytest.fixture
def client(client):
    """Pages asserted in English; test_italian_pages checks the Italian default."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def units(demo) -> list[str]:
    from repertory import api as repertory

    return [match.ref.uri for match in repertory.search_competences("progettazione", kinds=["competence_unit"]).results]


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user("giulia", password="pw-giulia", first_name="Giulia", last_name="Rossi")


@pytest.fixture
def operator(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("operatore", password="pw-operatore", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="change_competenceentry"), Permission.objects.get(codename="view_libretto")
    )
    return user


@pytest.fixture
def attested(units, learner, settings, django_capture_on_commit_callbacks):
    """Giulia completed two modules that develop three demo competence units."""
    settings.TOSCA_SYNC_DISPATCH = "inline"
    day = timezone.now() - timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        first = sync.record_module_completion("giulia", "modulo-a", day, 0.9, units[:2], module_title="Modulo A")
        second = sync.record_module_completion(
            "giulia", "modulo-b", day + timedelta(days=1), None, units[1:3], module_title="Modulo B", passed=True
        )
    return [first.evidence_id, second.evidence_id]


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client
