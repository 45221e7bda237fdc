"""Private to the libretto app: other apps go through `libretto.api`."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from libretto.data import Ambito, CurriculumKind, Status


class Libretto(models.Model):
    """One citizen's libretto. A libretto may exist before its holder has an account here (remote evidence)."""

    holder = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="libretto",
        verbose_name=_("holder"),
    )
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    """Names the holder in credentials issued to them, without revealing who they are on any platform."""
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("libretto")
        verbose_name_plural = _("libretti")

    def __str__(self) -> str:
        return self.full_name or (self.holder.get_username() if self.holder else f"#{self.pk}")


class LearnerIdentity(models.Model):
    """How a platform names the holder: evidence arrives as (platform, learner)."""

    libretto = models.ForeignKey(Libretto, on_delete=models.CASCADE, related_name="identities")
    platform = models.CharField(_("platform"), max_length=255)
    subject = models.CharField(_("learner on the platform"), max_length=255)

    class Meta:
        verbose_name = _("learner identity")
        verbose_name_plural = _("learner identities")
        constraints = [
            models.UniqueConstraint(fields=["platform", "subject"], name="libretto_one_libretto_per_learner")
        ]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.platform}"


class CurriculumItem(models.Model):
    """Section 1: work experiences, education titles and training, as the holder writes them."""

    libretto = models.ForeignKey(Libretto, on_delete=models.CASCADE, related_name="curriculum")
    kind = models.CharField(_("kind"), max_length=16, choices=CurriculumKind.choices)
    title = models.CharField(_("title or role"), max_length=255)
    organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("to"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["kind", "-start", "id"]


class CompetenceEntry(models.Model):
    """Section 2: a competence the holder has, where it was learnt, and how it is backed."""

    libretto = models.ForeignKey(Libretto, on_delete=models.CASCADE, related_name="entries")
    competence_uri = models.CharField(_("competence"), max_length=500)
    ambito = models.CharField(_("setting"), max_length=16, choices=Ambito.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    statement = models.TextField(_("how it was acquired"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("operator's note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_end", "id"]
        verbose_name = _("competence entry")
        verbose_name_plural = _("competence entries")
        constraints = [
            models.UniqueConstraint(
                fields=["libretto", "competence_uri", "ambito"], name="libretto_one_entry_per_setting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.competence_uri} ({self.status})"


class EvidenceRecord(models.Model):
    """A module completion behind one or more entries. Its id is the evidence id every system shares."""

    evidence_id = models.UUIDField(primary_key=True)
    libretto = models.ForeignKey(Libretto, on_delete=models.CASCADE, related_name="evidence")
    entries = models.ManyToManyField(CompetenceEntry, related_name="evidence")
    platform = models.CharField(max_length=255)
    learner = models.CharField(max_length=255, blank=True)
    module = models.CharField(max_length=255)
    module_title = models.CharField(max_length=255, blank=True)
    completed_at = models.DateTimeField()
    score = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_at"]


def _document_path(document, original_name: str) -> str:
    """A random name: the holder's file name says things about them and must not be guessable."""
    return f"libretto/documents/{uuid.uuid4().hex}{document.extension}"


class SupportingDocument(models.Model):
    """A file the holder attached to a self-declared competence."""

    entry = models.ForeignKey(CompetenceEntry, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=_document_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    @property
    def extension(self) -> str:
        from django.conf import settings as django_settings

        return django_settings.TOSCA_LIBRETTO_DOCUMENT_TYPES.get(self.content_type, "")


class EvidenceTombstone(models.Model):
    """The id of evidence whose libretto was deleted: a late redelivery must not bring it back."""

    evidence_id = models.UUIDField(primary_key=True)
    deleted_at = models.DateTimeField(auto_now_add=True)


class ApiClient(models.Model):
    """A remote platform allowed to write evidence here, for its own learners only."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    platform = models.CharField(_("platform"), max_length=255)
    token_sha256 = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.platform})"
