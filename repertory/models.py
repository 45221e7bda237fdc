"""Private to the repertory app: other apps go through `repertory.api`."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from repertory.data import Kind, Relation, Role
from repertory.fields import ExactCharField
from repertory.text import in_active_language


class Framework(models.Model):
    code = ExactCharField(_("code"), max_length=100, unique=True)
    uri = ExactCharField(_("URI"), max_length=500, unique=True)
    title_it = models.TextField(_("title (Italian)"), blank=True)
    title_en = models.TextField(_("title (English)"), blank=True)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    version = models.CharField(_("version"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    licence = models.CharField(_("licence"), max_length=255, blank=True)
    source_url = models.CharField(_("source URL"), max_length=500, blank=True)
    publisher = models.CharField(_("publisher"), max_length=255, blank=True)
    source_format = models.CharField(_("imported from"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    @property
    def title(self) -> str:
        return in_active_language(self.title_it, self.title_en) or self.code

    @property
    def description(self) -> str:
        return in_active_language(self.description_it, self.description_en)


class FrameworkVersion(models.Model):
    """One import that changed a framework: the version history operators read."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(_("version"), max_length=100)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    source_format = models.CharField(_("format"), max_length=32)
    source_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the input"), max_length=64)
    added = models.PositiveIntegerField(_("added"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    retired = models.PositiveIntegerField(_("retired"), default=0)
    restored = models.PositiveIntegerField(_("restored"), default=0)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("framework version")
        verbose_name_plural = _("framework versions")

    def __str__(self) -> str:
        return f"{self.framework.code} {self.version}"


class Competence(models.Model):
    """A node of a framework's tree. Never deleted once imported: evidence may point at its URI."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="competences")
    uri = ExactCharField(_("URI"), max_length=500, unique=True)
    code = ExactCharField(_("code"), max_length=255)
    code_key = ExactCharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    source_type = models.CharField(
        _("type in the source"), max_length=255, blank=True, help_text=_("For example CASE's CFItemType.")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    position = models.PositiveIntegerField(_("position among siblings"), default=0)
    label_it = models.TextField(_("label (Italian)"), blank=True)
    label_en = models.TextField(_("label (English)"), blank=True)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    alt_labels_it = models.TextField(_("alternative labels (Italian)"), blank=True, help_text=_("One per line."))
    alt_labels_en = models.TextField(_("alternative labels (English)"), blank=True, help_text=_("One per line."))
    eqf_level = models.PositiveSmallIntegerField(
        _("EQF level"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    retired = models.BooleanField(_("retired"), default=False)
    introduced_in = models.CharField(_("introduced in version"), max_length=100, blank=True)
    retired_in = models.CharField(_("retired in version"), max_length=100, blank=True)
    fingerprint = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["framework", "position", "id"]
        verbose_name = _("competence")
        verbose_name_plural = _("competences")
        constraints = [
            # A retired node keeps its code, and a newer node may reuse it: codes are unique among live nodes.
            models.UniqueConstraint(
                fields=["framework", "code"],
                condition=models.Q(retired=False),
                name="repertory_unique_live_code_in_framework",
            ),
            models.CheckConstraint(
                condition=models.Q(eqf_level__isnull=True) | models.Q(eqf_level__gte=1, eqf_level__lte=8),
                name="repertory_eqf_level_1_to_8",
            ),
        ]
        indexes = [models.Index(fields=["framework", "parent", "position"], name="repertory_tree_order")]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        return in_active_language(self.label_it, self.label_en) or self.code

    @property
    def description(self) -> str:
        return in_active_language(self.description_it, self.description_en)


class ContentTag(models.Model):
    """A competence a learning module (or course) develops or assesses. Tags point at live or retired nodes alike."""

    content_key = ExactCharField(_("content key"), max_length=255, db_index=True)
    competence = models.ForeignKey(Competence, on_delete=models.PROTECT, related_name="tags")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.DEVELOPS)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["content_key", "id"]
        verbose_name = _("content tag")
        verbose_name_plural = _("content tags")
        constraints = [
            models.UniqueConstraint(fields=["content_key", "competence", "role"], name="repertory_one_tag_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.content_key} {self.role} {self.competence.code}"


class Association(models.Model):
    """A cross-walk (exact match, related) or an ESCO occupation-skill relation, from `competence` to `target`."""

    competence = models.ForeignKey(Competence, on_delete=models.CASCADE, related_name="associations")
    relation = models.CharField(_("relation"), max_length=32, choices=Relation.choices)
    target = ExactCharField(_("target"), max_length=500, db_index=True)
    scheme = models.CharField(_("scheme"), max_length=32, default="uri")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["competence", "position", "id"]
        verbose_name = _("association")
        verbose_name_plural = _("associations")

    def __str__(self) -> str:
        return f"{self.competence.code} {self.relation} {self.target}"


class NodeChange(models.Model):
    """What one import did to one node: the per-node version history."""

    class Change(models.TextChoices):
        ADDED = "added", _("added")
        CHANGED = "changed", _("changed")
        RETIRED = "retired", _("retired")
        RESTORED = "restored", _("restored")

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="changes")
    competence = models.ForeignKey(Competence, on_delete=models.CASCADE, related_name="changes")
    change = models.CharField(max_length=16, choices=Change.choices)
    fields = models.CharField(_("changed fields"), max_length=255, blank=True)

    class Meta:
        ordering = ["version", "id"]


class SearchTerm(models.Model):
    """The search index: one row per (node, normalised word). Only live (not retired) nodes are indexed.

    Prefix search is an index range scan on `term`; framework and kind are copied here so that a
    search filters without joining the competence table.
    """

    CODE = 0
    LABEL = 1
    ALT_LABEL = 2

    competence = models.ForeignKey(Competence, on_delete=models.CASCADE, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=32)
    term = ExactCharField(max_length=64)
    source = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["term", "source", "competence", "kind"], name="repertory_term_prefix"),
            models.Index(fields=["framework", "term"], name="repertory_term_in_framework"),
        ]
