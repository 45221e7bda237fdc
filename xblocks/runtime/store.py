"""Field data in the database, per XBlock scope, with the reads a page needs done in two queries.

A course's definition fields (content, settings, children, parent: user 0) are cached per process and per
course version; a learner's own fields are read once per request. Writes go to the database at once, inside
the caller's transaction, and a change to a definition field bumps the course version."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F
from xblock.fields import Scope
from xblock.runtime import KeyValueStore

from xblocks.runtime.keys import course_of
from xblocks.runtime.models import Course, FieldValue

DEFINITION_SCOPES = frozenset({"content", "settings", "children", "parent"})
_definitions: dict[tuple, dict[tuple[str, str, str], object]] = {}
_lock = threading.Lock()


def scope_name(scope) -> str:
    for name in (
        "content",
        "settings",
        "children",
        "parent",
        "user_state",
        "preferences",
        "user_info",
        "user_state_summary",
    ):
        if getattr(Scope, name) == scope:
            return name
    raise ValueError(f"unsupported scope {scope!r}")


def _row_key(key: KeyValueStore.Key) -> tuple[str, str, int, str]:
    scope = scope_name(key.scope)
    user = 0 if scope in DEFINITION_SCOPES or scope == "user_state_summary" else int(key.user_id or 0)
    return scope, str(key.block_scope_id or ""), user, key.field_name


def definitions(course: Course) -> dict:
    """All definition fields of a course, cached per course version (and per import: a course deleted and
    imported again starts its versions afresh, but not its asset folder)."""
    course_key = course.key
    stamp = (course_key, course.pk, course.version, course.asset_dir)
    cached = _definitions.get(stamp)
    if cached is not None:
        return cached
    rows = FieldValue.objects.filter(course_key=course_key, user_id=0).values_list("scope", "owner", "name", "value")
    values = {(scope, owner, name): value for scope, owner, name, value in rows}
    with _lock:
        for stale in [key for key in _definitions if key[0] == course_key]:
            del _definitions[stale]
        _definitions[stamp] = values
    return values


def forget_course(course_key: str) -> None:
    with _lock:
        for stale in [key for key in _definitions if key[0] == course_key]:
            del _definitions[stale]


class DatabaseKeyValueStore(KeyValueStore):
    """The key-value store behind `KvsFieldData` for one course and one user (0 when nobody is signed in)."""

    def __init__(self, course: Course, user_id: int):
        self.course = course
        self.user_id = user_id
        self._definitions = definitions(course)
        self._own: dict[tuple[str, str, int, str], object] = {}
        self._loaded_user = False
        self.definition_changed = False

    def _load_user(self) -> None:
        if self._loaded_user or not self.user_id:
            self._loaded_user = True
            return
        rows = FieldValue.objects.filter(course_key=self.course.key, user_id=self.user_id).values_list(
            "scope", "owner", "name", "value"
        )
        for scope, owner, name, value in rows:
            self._own[(scope, owner, self.user_id, name)] = value
        self._loaded_user = True

    def _lookup(self, row: tuple[str, str, int, str]):
        scope, owner, user, name = row
        if row in self._own:
            return True, self._own[row]
        if user == 0 and scope not in DEFINITION_SCOPES and scope != "user_state_summary":
            return False, None  # nobody is signed in: per-user fields keep their defaults
        if user == 0 and scope in DEFINITION_SCOPES:
            marker = (scope, owner, name)
            if marker in self._definitions:
                return True, self._definitions[marker]
            return False, None
        if user == self.user_id and owner.startswith(("block-v1:", "aside-")) and course_of(owner) == self.course.key:
            self._load_user()
            return (True, self._own[row]) if row in self._own else (False, None)
        value = (
            FieldValue.objects.filter(scope=scope, owner=owner, user_id=user, name=name)
            .values_list("value", flat=True)
            .first()
        )
        exists = (
            value is not None or FieldValue.objects.filter(scope=scope, owner=owner, user_id=user, name=name).exists()
        )
        if exists:
            self._own[row] = value
        return exists, value

    def get(self, key):
        found, value = self._lookup(_row_key(key))
        if not found:
            raise KeyError(key.field_name)
        return copy.deepcopy(value) if isinstance(value, list | dict) else value  # the cache is shared

    def has(self, key) -> bool:
        return self._lookup(_row_key(key))[0]

    def set(self, key, value) -> None:
        self.set_many({key: value})

    def set_many(self, update_dict) -> None:
        rows = {_row_key(key): value for key, value in update_dict.items()}
        self._write(rows.items())

    def _write(self, items: Iterable[tuple[tuple[str, str, int, str], object]]) -> None:
        objects = []
        for (scope, owner, user, name), value in items:
            if user == 0 and scope not in DEFINITION_SCOPES and scope != "user_state_summary":
                raise PermissionError("a per-user field cannot be saved when nobody is signed in")
            objects.append(
                FieldValue(scope=scope, owner=owner, user_id=user, name=name, course_key=course_of(owner), value=value)
            )
            self._own[(scope, owner, user, name)] = value
            if user == 0 and scope in DEFINITION_SCOPES:
                self.definition_changed = True
        if not objects:
            return
        # MySQL and MariaDB upsert on any unique key (ON DUPLICATE KEY UPDATE) and refuse a named target.
        with_target = connection.features.supports_update_conflicts_with_target
        target = ["scope", "owner", "user_id", "name"] if with_target else None
        FieldValue.objects.bulk_create(
            objects, update_conflicts=True, unique_fields=target, update_fields=["value", "course_key"]
        )
        if self.definition_changed:
            course_id = self.course.pk
            transaction.on_commit(lambda: forget_course(self.course.key))
            Course.objects.filter(pk=course_id).update(version=F("version") + 1)

    def delete(self, key) -> None:
        scope, owner, user, name = row = _row_key(key)
        FieldValue.objects.filter(scope=scope, owner=owner, user_id=user, name=name).delete()
        self._own.pop(row, None)
        if user == 0 and scope in DEFINITION_SCOPES:
            self.definition_changed = True
            Course.objects.filter(pk=self.course.pk).update(version=F("version") + 1)
            transaction.on_commit(lambda: forget_course(self.course.key))
