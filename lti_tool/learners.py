"""Platform users as Tosca accounts, and where their launches placed modules."""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from lti_tool.data import Launch
from lti_tool.models import Deployment, Placement, PlatformLearner


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


def place(learner: PlatformLearner, launch: Launch, module: str) -> Placement:
    """Remember the resource link this learner opened: its module and the platform's service endpoints."""
    deployment = Deployment.objects.get(registration_id=launch.registration_id, deployment_id=launch.deployment_id)
    values = {
        "module": module,
        "context_id": launch.context_id,
        "context_title": launch.context_title,
        "lineitems_url": launch.lineitems_url,
        "ags_scopes": list(launch.ags_scopes),
        "memberships_url": launch.memberships_url,
        "launched_at": timezone.now(),
    }
    link = {"learner": learner, "deployment": deployment, "resource_link_id": launch.resource_link_id}
    before = Placement.objects.filter(**link).values_list("module", flat=True).first()
    if launch.lineitem_url or (before is not None and before != module):
        # The platform names the line item; or the designer pointed the link at another module, and the line
        # item found for the old one is not the new one's.
        values["lineitem_url"] = launch.lineitem_url
    placement, _created = Placement.objects.update_or_create(**link, defaults=values)
    return placement
