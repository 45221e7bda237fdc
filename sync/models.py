"""Private to the sync app: other apps go through `sync.api`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sync.data import State


class Evidence(models.Model):
    """An immutable fact: a learner completed a module on a platform, developing these competences.

    Its id is a uuid5 of (platform, learner, module, attempt), so every retry and every destination
    deduplicates on it.
    """

    id = models.UUIDField(primary_key=True)
    platform = models.CharField(_("platform"), max_length=255)
    learner = models.CharField(_("learner"), max_length=255)
    module = models.CharField(_("module"), max_length=255)
    module_title = models.CharField(_("module title"), max_length=255, blank=True)
    attempt = models.CharField(_("attempt"), max_length=64)
    completed_at = models.DateTimeField(_("completed"))
    score = models.FloatField(_("score"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    competences = models.JSONField(_("competences"), default=list)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = pgettext_lazy("one", "evidence")
        verbose_name_plural = pgettext_lazy("many", "evidence")
        indexes = [models.Index(fields=["platform", "learner"], name="sync_evidence_learner")]

    def __str__(self) -> str:
        return f"{self.learner} {self.module} ({self.id})"


class Delivery(models.Model):
    """One destination's copy of one evidence: the outbox row a dispatcher works through."""

    evidence = models.ForeignKey(
        Evidence, on_delete=models.CASCADE, related_name="deliveries", verbose_name=pgettext_lazy("one", "evidence")
    )
    destination = models.CharField(_("destination"), max_length=64)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["next_attempt_at", "id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["evidence", "destination"], name="sync_one_delivery_per_destination")
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="sync_delivery_due"),
            models.Index(fields=["destination", "state"], name="sync_delivery_status"),
        ]

    def __str__(self) -> str:
        return f"{self.evidence_id} -> {self.destination} ({self.state})"
