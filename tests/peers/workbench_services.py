"""XBlock services the xblock-sdk workbench peer runs with, in place of the workbench's own.

The workbench has no accounts: the learner is the ``student`` query parameter of each request. Its stock user
service only tells a block ``xblock-workbench.user_id``; Open edX's tells it ``edx-platform.*`` attributes.
``StaffAwareUserService`` gives blocks the Open edX shape, so Tosca's blocks read one shape in every runtime,
and makes any student whose id starts with ``staff`` a member of the course staff.
"""

from __future__ import annotations

import hashlib

from xblock.reference.user_service import UserService, XBlockUser

# The attribute names of Open edX's DjangoXBlockUserService (common/djangoapps/xblock_django/constants.py).
ATTR_KEY_ANONYMOUS_USER_ID = "edx-platform.anonymous_user_id"
ATTR_KEY_IS_AUTHENTICATED = "edx-platform.is_authenticated"
ATTR_KEY_USER_ID = "edx-platform.user_id"
ATTR_KEY_USERNAME = "edx-platform.username"
ATTR_KEY_USER_IS_STAFF = "edx-platform.user_is_staff"
ATTR_KEY_USER_IS_GLOBAL_STAFF = "edx-platform.user_is_global_staff"
ATTR_KEY_USER_ROLE = "edx-platform.user_role"
ATTR_KEY_USER_PREFERENCES = "edx-platform.user_preferences"
# What the workbench's own user service sets, kept so that the SDK's sample blocks see what they expect.
ATTR_KEY_WORKBENCH_USER_ID = "xblock-workbench.user_id"

STAFF_PREFIX = "staff"


def is_staff_student(student_id: str | None) -> bool:
    """Whether a workbench student id stands for a member of the course staff (it starts with "staff")."""
    return bool(student_id) and str(student_id).startswith(STAFF_PREFIX)


def anonymous_id(student_id: str) -> str:
    """A stable, opaque per-student id, standing in for Open edX's anonymous_user_id."""
    return hashlib.sha256(f"tosca-workbench:{student_id}".encode()).hexdigest()[:32]


def xblock_user_for(student_id: str | None) -> XBlockUser:
    """The XBlockUser Open edX would build for this workbench student (anonymous when there is none).

    ``edx-platform.user_id`` is the student id itself: the workbench has no numeric user ids.
    """
    user = XBlockUser(is_current_user=True)
    if not student_id:
        user.opt_attrs[ATTR_KEY_IS_AUTHENTICATED] = False
        return user
    staff = is_staff_student(student_id)
    user.full_name = f"Workbench {'staff member' if staff else 'learner'} {student_id}"
    user.emails = [f"{student_id}@workbench.example"]
    user.opt_attrs.update(
        {
            ATTR_KEY_IS_AUTHENTICATED: True,
            ATTR_KEY_ANONYMOUS_USER_ID: anonymous_id(student_id),
            ATTR_KEY_USER_ID: student_id,
            ATTR_KEY_USERNAME: student_id,
            ATTR_KEY_USER_IS_STAFF: staff,
            ATTR_KEY_USER_IS_GLOBAL_STAFF: False,
            ATTR_KEY_USER_ROLE: "staff" if staff else "student",
            ATTR_KEY_USER_PREFERENCES: {},
            ATTR_KEY_WORKBENCH_USER_ID: student_id,
        }
    )
    return user


class StaffAwareUserService(UserService):
    """The current workbench student as Open edX's user service describes a user.

    The workbench builds services with no arguments and sets ``.runtime`` afterwards (and the runtime sets its
    own ``user_id`` later still), so the user is built on first use from ``self.runtime.user_id``.
    """

    runtime = None

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._current: XBlockUser | None = None
        self._current_for: str | None = None

    def get_current_user(self) -> XBlockUser:
        """The XBlockUser of the student the current request is for."""
        student_id = getattr(self.runtime, "user_id", None)
        if self._current is None or self._current_for != student_id:
            self._current = xblock_user_for(student_id)
            self._current_for = student_id
        return self._current

    def get_anonymous_user_id(self, username: str, course_id: str) -> str | None:
        """Like Open edX: the anonymous id of `username`, told to course staff only (None for learners)."""
        if not self.get_current_user().opt_attrs.get(ATTR_KEY_USER_IS_STAFF):
            return None
        return anonymous_id(username)
