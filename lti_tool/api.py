"""The LTI tool's public face: platform registrations, and what other apps (and the site) may ask of it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from lti_tool import keys
from lti_tool.data import RegistrationInfo
from lti_tool.models import Deployment, Registration

__all__ = ["add_registration", "registrations", "rotate_keys"]


def add_registration(
    issuer: str,
    client_id: str,
    *,
    auth_login_url: str,
    auth_token_url: str = "",
    keyset_url: str,
    deployments: Iterable[str] = (),
    token_audience: str = "",
    name: str = "",
) -> RegistrationInfo:
    """Register a platform (or update its registration), with the deployments it told its administrator."""
    with transaction.atomic():
        registration, _created = Registration.objects.update_or_create(
            issuer=issuer,
            client_id=client_id,
            defaults={
                "name": name,
                "auth_login_url": auth_login_url,
                "auth_token_url": auth_token_url,
                "keyset_url": keyset_url,
                "token_audience": token_audience,
                "active": True,
            },
        )
        for deployment_id in deployments:
            Deployment.objects.get_or_create(registration=registration, deployment_id=str(deployment_id))
    return _info(registration)


def registrations() -> list[RegistrationInfo]:
    return [_info(registration) for registration in Registration.objects.prefetch_related("deployments")]


def rotate_keys(**options) -> keys.Rotation:
    return keys.rotate(**options)


def _info(registration: Registration) -> RegistrationInfo:
    return RegistrationInfo(
        uuid=str(registration.uuid),
        name=registration.name,
        issuer=registration.issuer,
        client_id=registration.client_id,
        auth_login_url=registration.auth_login_url,
        auth_token_url=registration.auth_token_url,
        keyset_url=registration.keyset_url,
        token_audience=registration.token_audience,
        deployments=tuple(deployment.deployment_id for deployment in registration.deployments.all()),
        active=registration.active,
    )
