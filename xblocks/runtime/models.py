"""The runtime's storage: courses, their modules and competence index, field data per XBlock scope, and the
completion and grades that blocks publish. Private to the runtime: others use xblocks.runtime.api."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Course(models.Model):
    key = models.CharField(max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=255)
    summary = models.TextField(_("summary"), blank=True)
    overview = models.TextField(_("overview (sanitized HTML)"), blank=True)
    language = models.CharField(max_length=16, blank=True)
    published = models.BooleanField(_("published"), default=True)
    version = models.PositiveIntegerField(default=1, help_text="bumped whenever the content changes")
    asset_dir = models.CharField(max_length=255, blank=True, help_text="under MEDIA_ROOT")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        permissions = [("author_course", _("Can author courses (import, tag, set completion rules)"))]

    def __str__(self) -> str:
        return self.title


class CourseModule(models.Model):
    """The outline: a course's modules in order, with what the catalogue shows and searches."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    position = models.PositiveIntegerField()
    usage_id = models.CharField(max_length=255, unique=True)
    section = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    estimated_hours = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["course", "position"]


class CourseCompetence(models.Model):
    """A competence a module is tagged with, or an ancestor of one (a figure, a sector): what lets the catalogue
    answer "courses that develop UC X" and "courses for figure F" with one indexed lookup."""

    module = models.ForeignKey(CourseModule, on_delete=models.CASCADE, related_name="competences")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="competences")
    uri = models.CharField(max_length=500, db_index=True)
    role = models.CharField(max_length=16)
    direct = models.BooleanField(default=True, help_text="tagged itself, not an ancestor of a tagged one")


class BlockRecord(models.Model):
    """Every block of a course, for lookups that must not load field data (type, parent, course)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="blocks")
    usage_id = models.CharField(max_length=255, unique=True)
    block_type = models.CharField(max_length=64)
    parent_id_text = models.CharField(max_length=255, blank=True)


class FieldValue(models.Model):
    """One XBlock field value. `owner` is what the scope keys on: a usage/definition id, a block type, or ''
    (all); `user_id` is 0 for fields that are not per user."""

    scope = models.CharField(max_length=24)
    owner = models.CharField(max_length=255)
    user_id = models.BigIntegerField(default=0)
    name = models.CharField(max_length=64)
    course_key = models.CharField(max_length=200, blank=True)
    value = models.JSONField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "owner", "user_id", "name"], name="xblocks_field_unique")
        ]
        indexes = [models.Index(fields=["course_key", "user_id"], name="xblocks_field_course_user")]


class Completion(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    usage_id = models.CharField(max_length=255)
    course_key = models.CharField(max_length=200)
    completion = models.FloatField()
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "usage_id"], name="xblocks_completion_unique")]
        indexes = [models.Index(fields=["user", "course_key"], name="xblocks_completion_course")]


class Grade(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    usage_id = models.CharField(max_length=255)
    course_key = models.CharField(max_length=200)
    earned = models.FloatField()
    possible = models.FloatField()
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "usage_id"], name="xblocks_grade_unique")]


class Enrollment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tosca_enrollments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="xblocks_enrollment_unique")]
