"""Platform users as Tosca accounts, and where their launches placed modules."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from lti_tool.data import Launch
from lti_tool.models import Placement, PlatformLearner


def learner_for(launch: Launch) -> PlatformLearner:
    """The account of (issuer, deployment, sub), created on first launch. It has no password: it signs in only
    through its platform. Nothing personal is kept but the name the platform chose to send."""
    found = (
        PlatformLearner.objects.select_related("user")
        .filter(issuer=launch.issuer, deployment_id=launch.deployment_id, sub=launch.sub)
        .first()
    )
    if found is not None:
        if launch.name and found.name != launch.name:
            PlatformLearner.objects.filter(pk=found.pk).update(name=launch.name)
            found.name = launch.name
        return found
    username = (
        "lti-" + hashlib.sha256(f"{launch.issuer}\n{launch.deployment_id}\n{launch.sub}".encode()).hexdigest()[:24]
    )
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(username=username, first_name=launch.name[:150])
            user.set_unusable_password()
            user.save(update_fields=["password"])
            return PlatformLearner.objects.create(
                issuer=launch.issuer, deployment_id=launch.deployment_id, sub=launch.sub, user=user, name=launch.name
            )
    except IntegrityError:  # the same person's first launch from another window, a moment ago
        return PlatformLearner.objects.select_related("user").get(
            issuer=launch.issuer, deployment_id=launch.deployment_id, sub=launch.sub
        )


PLACEMENT_FIELDS = ("module", "context_id", "context_title", "lineitems_url", "ags_scopes", "memberships_url")
# How stale `launched_at` may get before a launch that changes nothing else writes it again.
LAUNCHED_AT_PRECISION = timedelta(hours=1)


def returning(launch: Launch) -> tuple[PlatformLearner, Placement] | None:
    """A learner opening a resource link they opened before: both in one query (the common launch)."""
    placement = (
        Placement.objects.select_related("learner__user")
        .filter(
            learner__issuer=launch.issuer,
            learner__deployment_id=launch.deployment_id,
            learner__sub=launch.sub,
            deployment_id=launch.deployment_pk,
            resource_link_id=launch.resource_link_id,
        )
        .first()
    )
    return (placement.learner, placement) if placement is not None else None


def place(
    learner: PlatformLearner, launch: Launch, module: str, placement: Placement | None = None
) -> tuple[int, bool]:
    """Remember the resource link this learner opened: its module and the platform's service endpoints.
    (placement id, whether the link is new for this learner). At most one UPDATE for a link opened before."""
    values = {
        "module": module,
        "context_id": launch.context_id,
        "context_title": launch.context_title,
        "lineitems_url": launch.lineitems_url,
        "ags_scopes": list(launch.ags_scopes),
        "memberships_url": launch.memberships_url,
    }
    link = {"learner": learner, "deployment_id": launch.deployment_pk, "resource_link_id": launch.resource_link_id}
    now = timezone.now()
    if placement is None:
        placement = Placement.objects.filter(**link).first()
    if placement is not None:
        if launch.lineitem_url or placement.module != module:
            # The platform names the line item; or the designer pointed the link at another module, and the line
            # item found for the old module is not the new one's.
            values["lineitem_url"] = launch.lineitem_url
        unchanged = all(getattr(placement, name) == value for name, value in values.items())
        if not unchanged or now - placement.launched_at > LAUNCHED_AT_PRECISION:
            Placement.objects.filter(pk=placement.pk).update(**values, launched_at=now)
        return placement.pk, False
    try:
        with transaction.atomic():
            created = Placement.objects.create(**link, **values, lineitem_url=launch.lineitem_url, launched_at=now)
            return created.pk, True
    except IntegrityError:  # the same link opened from another window a moment ago
        return Placement.objects.filter(**link).values_list("pk", flat=True).get(), False
