"""Everything this app takes from the Open edX platform, with a fallback that works outside it."""

from __future__ import annotations

from django.conf import settings


def course_passing_signal():
    """openedx-events' COURSE_PASSING_STATUS_UPDATED, or None where openedx-events is not installed."""
    try:
        from openedx_events.learning.signals import COURSE_PASSING_STATUS_UPDATED
    except ImportError:
        return None
    return COURSE_PASSING_STATUS_UPDATED


def lms_root_url() -> str:
    """The LMS's public URL (its platform id for evidence); outside Open edX, this instance's."""
    return getattr(settings, "LMS_ROOT_URL", None) or settings.TOSCA_BASE_URL
