"""Signals this app listens to: Open edX course results, and libretti being deleted."""

from __future__ import annotations

import logging

from django.utils import timezone

from libretto import api as libretto
from repertory import api as repertory
from sync import api, compat

logger = logging.getLogger(__name__)
# A course is passed once: recording it again (grades re-computed) is the same evidence.
COURSE_ATTEMPT = "course-passed"


def connect() -> None:
    libretto.libretto_deleted.connect(forget_deleted_learner, dispatch_uid="sync.forget_deleted_learner")
    signal = compat.course_passing_signal()
    if signal is not None:
        signal.connect(record_course_passing, dispatch_uid="sync.record_course_passing")


def forget_deleted_learner(sender, platform: str, learner: str, **kwargs) -> None:
    """A libretto was deleted: its learner's evidence leaves the outbox, and can never be recorded again."""
    libretto.add_tombstones(api.forget_learner(platform, learner))


def record_course_passing(sender=None, course_passing_status=None, **kwargs) -> None:
    """A learner passed an Open edX course: course-level evidence for the competences tagged on the course."""
    if course_passing_status is None or not course_passing_status.is_passing:
        return
    course_key = str(course_passing_status.course.course_key)
    competences = [tag.competence.uri for tag in repertory.tags_for(course_key)]
    if not competences:
        return
    user = course_passing_status.user
    learner = getattr(getattr(user, "pii", None), "username", None) or str(user.id)
    platform = compat.lms_root_url()
    if api.is_recorded(platform, learner, course_key, COURSE_ATTEMPT):
        return  # grades are recomputed often; the course was passed once
    try:
        api.record_module_completion(
            learner=learner,
            module=course_key,
            completed_at=timezone.now(),
            score=None,
            competences=competences,
            platform=platform,
            attempt=COURSE_ATTEMPT,
            module_title=getattr(course_passing_status.course, "display_name", "") or "",
            passed=True,
        )
    except (api.EvidenceRejected, api.EvidenceConflict):
        logger.exception("course passing of %s in %s could not be recorded", learner, course_key)
