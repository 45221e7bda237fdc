"""Open edX's COURSE_PASSING_STATUS_UPDATED, sent with openedx-events' real signal and data classes."""

from __future__ import annotations

import pytest
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.data import CourseData, CoursePassingStatusData, UserData, UserPersonalData
from openedx_events.learning.signals import COURSE_PASSING_STATUS_UPDATED

from libretto import api as libretto
from repertory import api as repertory
from sync.models import Evidence

COURSE = "course-v1:RegioneToscana+PROG01+2026"


def passing(user, *, is_passing: bool = True, course: str = COURSE) -> CoursePassingStatusData:
    return CoursePassingStatusData(
        is_passing=is_passing,
        course=CourseData(course_key=CourseKey.from_string(course), display_name="Progettare interventi educativi"),
        user=UserData(
            id=user.pk, is_active=True, pii=UserPersonalData(username=user.username, email="", name="Giulia Rossi")
        ),
    )


@pytest.fixture
def tagged_course(units):
    for uri in units[:2]:
        repertory.tag_content(COURSE, uri)
    return units[:2]


def send(data: CoursePassingStatusData) -> None:
    COURSE_PASSING_STATUS_UPDATED.send_event(course_passing_status=data)


def test_passing_a_tagged_course_records_evidence_of_its_competences(
    tagged_course, learner, settings, django_capture_on_commit_callbacks
):
    settings.LMS_ROOT_URL = "https://lms.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        send(passing(learner))
    evidence = Evidence.objects.get()
    assert evidence.platform == "https://lms.example.org" and evidence.module == COURSE
    assert evidence.learner == "giulia" and sorted(evidence.competences) == sorted(tagged_course)
    assert evidence.module_title == "Progettare interventi educativi" and evidence.passed is True


def test_grades_recomputed_later_do_not_record_the_course_twice(tagged_course, learner):
    send(passing(learner))
    send(passing(learner))
    assert Evidence.objects.count() == 1


def test_not_passing_or_an_untagged_course_records_nothing(tagged_course, learner):
    send(passing(learner, is_passing=False))
    send(passing(learner, course="course-v1:Other+X+2026"))
    assert not Evidence.objects.exists()


def test_the_local_libretto_of_the_learner_gets_the_course(tagged_course, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(passing(learner))
    # The LMS is this instance here (no LMS_ROOT_URL), so the evidence lands in Giulia's own libretto.
    assert sorted(entry.competence.uri for entry in libretto.libretto_for(learner).entries) == sorted(tagged_course)
