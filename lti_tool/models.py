"""Private to the LTI tool: other apps go through `lti_tool.api`."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Registration(models.Model):
    """A platform (an LMS) that registered Tosca as a tool: one issuer and one client id, many deployments."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, blank=True)
    issuer = models.CharField(_("issuer"), max_length=255, db_index=True)
    client_id = models.CharField(_("client id"), max_length=255)
    auth_login_url = models.URLField(_("authentication request URL"), max_length=500)
    auth_token_url = models.URLField(_("access token URL"), max_length=500, blank=True)
    token_audience = models.CharField(
        _("token audience"),
        max_length=500,
        blank=True,
        help_text=_("The audience of the client assertion, when the platform wants another than its token URL."),
    )
    keyset_url = models.URLField(_("public keyset URL"), max_length=500)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("platform registration")
        verbose_name_plural = _("platform registrations")
        constraints = [models.UniqueConstraint(fields=["issuer", "client_id"], name="lti_one_registration_per_client")]

    def __str__(self) -> str:
        return self.name or f"{self.issuer} ({self.client_id})"


class Deployment(models.Model):
    """One placement of the tool in a platform (a whole site, or one course), named by the platform."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="deployments", verbose_name=_("registration")
    )
    deployment_id = models.CharField(_("deployment id"), max_length=255)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        constraints = [
            models.UniqueConstraint(fields=["registration", "deployment_id"], name="lti_one_deployment_per_id")
        ]

    def __str__(self) -> str:
        return self.deployment_id


class ToolKey(models.Model):
    """One of the tool's own RSA keys. A key is published as `next` before it signs anything, signs while
    `current`, and stays published while `retired` so that what it signed can still be checked."""

    class State(models.TextChoices):
        NEXT = "next", _("published, not signing yet")
        CURRENT = "current", _("signing")
        RETIRED = "retired", _("retired, still published")

    kid = models.CharField(_("key id"), max_length=64, unique=True)
    private_pem = models.TextField(_("private key"))
    public_jwk = models.JSONField(_("public key"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    changed_at = models.DateTimeField(_("state since"))

    class Meta:
        verbose_name = _("tool key")
        verbose_name_plural = _("tool keys")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kid} ({self.state})"


class Nonce(models.Model):
    """A nonce we put in an authentication request: a launch may use it once, before it expires."""

    value = models.CharField(max_length=64, primary_key=True)
    expires_at = models.DateTimeField(db_index=True)


class PlatformLearner(models.Model):
    """The Tosca account of a platform's user: (issuer, deployment, sub) names one person on one platform."""

    issuer = models.CharField(_("issuer"), max_length=255)
    deployment_id = models.CharField(_("deployment id"), max_length=255)
    sub = models.CharField(_("platform user id"), max_length=255)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_identity", verbose_name=_("account")
    )
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("platform learner")
        verbose_name_plural = _("platform learners")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "deployment_id", "sub"], name="lti_one_account_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.sub} @ {self.issuer}"


class Placement(models.Model):
    """A module placed in a platform's course (a resource link) as a learner last launched it: where its score
    goes (the grade service endpoints of the launch) and where the course roster is read."""

    learner = models.ForeignKey(PlatformLearner, on_delete=models.CASCADE, related_name="placements")
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="placements")
    module = models.CharField(max_length=255)
    resource_link_id = models.CharField(max_length=255)
    context_id = models.CharField(max_length=255, blank=True)
    context_title = models.CharField(max_length=255, blank=True)
    lineitems_url = models.URLField(max_length=1000, blank=True)
    lineitem_url = models.URLField(max_length=1000, blank=True)
    ags_scopes = models.JSONField(default=list)
    memberships_url = models.URLField(max_length=1000, blank=True)
    launched_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "deployment", "resource_link_id"], name="lti_one_placement")
        ]
        indexes = [models.Index(fields=["learner", "module"], name="lti_placement_module")]
