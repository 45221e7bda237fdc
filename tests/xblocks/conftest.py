from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

from tests.conftest import DEMO
from xblocks.runtime.keys import CourseKey

DEMO_COURSE = DEMO.parent / "course"
OPENEDX_SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "olx" / "openedx-sample"
DEMO_KEY = "course-v1:RegioneToscana+TRIO-RETI+2026"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def english_pages(client, settings):
    """Requests ask for English pages, so that the language a request activates is the one tests read."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def usage(kind: str, name: str, course: str = DEMO_KEY) -> str:
    """The usage id of block `name` of type `kind` in `course`."""
    return CourseKey.parse(course).usage(kind, name)


@pytest.fixture
def demo_course(demo):
    from xblocks.runtime import api

    return api.import_folder(DEMO_COURSE)


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user("learner", "learner@example.org", "pw")


@pytest.fixture
def designer(django_user_model):
    user = django_user_model.objects.create_user("designer", "designer@example.org", "pw")
    user.user_permissions.add(Permission.objects.get(codename="author_course"))
    return django_user_model.objects.get(pk=user.pk)


class Learner:
    """A signed-in browser-less client that calls block handlers as the page's JavaScript does."""

    def __init__(self, client, user, on_commit=None):
        self.client = client
        self.user = user
        self.on_commit = on_commit
        client.force_login(user)

    def call(self, usage_id: str, handler: str, payload: dict | None = None, **extra):
        """POST to a handler; what the call commits runs its on-commit work (inline delivery) at once."""
        with self.on_commit(execute=True):
            return self.client.post(
                f"/xblock/handler/{usage_id}/{handler}/",
                data=json.dumps(payload or {}),
                content_type="application/json",
                **extra,
            )


@pytest.fixture
def as_learner(client, learner, django_capture_on_commit_callbacks):
    """A learner whose handler calls commit as in production: inline delivery to the libretto runs after each."""
    return Learner(client, learner, django_capture_on_commit_callbacks)
