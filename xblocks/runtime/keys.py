"""Course and block keys, in Open edX's format so that content keys mean the same thing everywhere:
`course-v1:ORG+COURSE+RUN` and `block-v1:ORG+COURSE+RUN+type@TYPE+block@NAME`."""

from __future__ import annotations

import re
from dataclasses import dataclass

PART = r"[A-Za-z0-9_.~-]+"
_COURSE = re.compile(rf"^course-v1:({PART})\+({PART})\+({PART})$")
_USAGE = re.compile(rf"^block-v1:({PART})\+({PART})\+({PART})\+type@([A-Za-z0-9_-]+)\+block@({PART})$")
_ASIDE = re.compile(r"^aside-(usage|def)-v2:(.+)::([A-Za-z0-9_-]+)$")
_NAME = re.compile(rf"^{PART}$")


class InvalidKey(ValueError):
    pass


@dataclass(frozen=True)
class CourseKey:
    org: str
    course: str
    run: str

    def __str__(self) -> str:
        return f"course-v1:{self.org}+{self.course}+{self.run}"

    @classmethod
    def parse(cls, text: str) -> CourseKey:
        match = _COURSE.match(text or "")
        if match is None:
            raise InvalidKey(text)
        return cls(*match.groups())

    def usage(self, block_type: str, name: str) -> str:
        return f"block-v1:{self.org}+{self.course}+{self.run}+type@{block_type}+block@{name}"


def valid_part(text: str) -> bool:
    return bool(_NAME.match(text or "")) and len(text) <= 64


def parse_usage(usage_id: str) -> tuple[CourseKey, str, str]:
    """(course, block type, name) of a usage id; InvalidKey when it is not one."""
    match = _USAGE.match(usage_id or "")
    if match is None:
        raise InvalidKey(usage_id)
    org, course, run, block_type, name = match.groups()
    return CourseKey(org, course, run), block_type, name


def aside_ids(usage_id: str, aside_type: str) -> tuple[str, str]:
    return f"aside-def-v2:{usage_id}::{aside_type}", f"aside-usage-v2:{usage_id}::{aside_type}"


def parse_aside(aside_id: str) -> tuple[str, str]:
    """(block usage id, aside type) of an aside id."""
    match = _ASIDE.match(aside_id or "")
    if match is None:
        raise InvalidKey(aside_id)
    return match.group(2), match.group(3)


def course_of(owner: str) -> str:
    """The course key a stored field belongs to ('' for per-type and per-user fields)."""
    if owner.startswith("aside-"):
        owner = parse_aside(owner)[0]
    if owner.startswith("block-v1:"):
        return str(parse_usage(owner)[0])
    return ""
