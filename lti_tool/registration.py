"""LTI Dynamic Registration 1.0: read the platform's OpenID configuration, send it our tool configuration,
store what it answers (client id, deployment) as a registration."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from lti_tool.models import Deployment, Registration
from lti_tool.tool_config import TOOL_CONFIGURATION

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")


class RegistrationFailed(Exception):
    """Dynamic registration could not go on; the message says why, for the administrator who started it."""


@dataclass(frozen=True)
class PlatformConfiguration:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    token_audience: str
    jwks_uri: str
    registration_endpoint: str
    product: str


def read_platform_configuration(url: str) -> PlatformConfiguration:
    """The platform's openid-configuration at `url`, checked: every endpoint we need, and an issuer that the
    configuration's own URL starts with (so that a page cannot register one platform in another's name)."""
    if not _acceptable_url(url):
        raise RegistrationFailed(_("The platform's configuration address must be an https:// address."))
    try:
        answer = requests.get(url, timeout=settings.TOSCA_LTI["http_timeout"], headers={"Accept": "application/json"})
        answer.raise_for_status()
        document = answer.json()
    except (requests.RequestException, ValueError) as error:
        raise RegistrationFailed(
            _("The platform's configuration could not be read from %(url)s: %(error)s") % {"url": url, "error": error}
        ) from error
    if not isinstance(document, dict):
        raise RegistrationFailed(_("The platform's configuration is not a JSON object."))
    missing = [name for name in REQUIRED if not isinstance(document.get(name), str) or not document[name]]
    if missing:
        raise RegistrationFailed(_("The platform's configuration lacks %(fields)s.") % {"fields": ", ".join(missing)})
    issuer = document["issuer"]
    if not _acceptable_url(issuer) or not url.startswith(issuer.rstrip("/")):
        raise RegistrationFailed(
            _("The platform's configuration names the issuer %(issuer)s, but comes from %(url)s.")
            % {"issuer": issuer, "url": url}
        )
    for name in REQUIRED[1:]:
        if not _acceptable_url(document[name]):
            raise RegistrationFailed(_("The platform's %(field)s is not an https:// address.") % {"field": name})
    platform = document.get(PLATFORM_CONFIGURATION) if isinstance(document.get(PLATFORM_CONFIGURATION), dict) else {}
    audience = document.get("authorization_server")
    return PlatformConfiguration(
        issuer=issuer,
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        token_audience=audience if isinstance(audience, str) else "",
        jwks_uri=document["jwks_uri"],
        registration_endpoint=document["registration_endpoint"],
        product=str(platform.get("product_family_code") or ""),
    )


def register(platform: PlatformConfiguration, tool_configuration: dict, registration_token: str) -> Registration:
    """Post our tool configuration to the platform and store the registration (and deployment) it answers."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = "Bearer " + registration_token
    try:
        answer = requests.post(
            platform.registration_endpoint,
            json=tool_configuration,
            headers=headers,
            timeout=settings.TOSCA_LTI["http_timeout"],
        )
    except requests.RequestException as error:
        raise RegistrationFailed(_("The platform could not be reached: %(error)s") % {"error": error}) from error
    if answer.status_code not in (200, 201):
        raise RegistrationFailed(
            _("The platform refused the registration (%(status)s): %(answer)s")
            % {"status": answer.status_code, "answer": answer.text[:300]}
        )
    try:
        document = answer.json()
        client_id = str(document["client_id"])
    except (ValueError, KeyError, TypeError):
        raise RegistrationFailed(_("The platform's answer does not give Tosca a client id.")) from None
    tool = document.get(TOOL_CONFIGURATION) if isinstance(document.get(TOOL_CONFIGURATION), dict) else {}
    deployment_id = tool.get("deployment_id")
    with transaction.atomic():
        registration, _created = Registration.objects.update_or_create(
            issuer=platform.issuer,
            client_id=client_id,
            defaults={
                "name": platform.product or platform.issuer,
                "auth_login_url": platform.authorization_endpoint,
                "auth_token_url": platform.token_endpoint,
                "token_audience": platform.token_audience,
                "keyset_url": platform.jwks_uri,
                "active": True,
            },
        )
        if isinstance(deployment_id, str | int) and str(deployment_id):
            Deployment.objects.get_or_create(registration=registration, deployment_id=str(deployment_id))
    return registration


def _acceptable_url(url) -> bool:
    """https, or http on this machine (a platform under test)."""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.netloc:
        return True
    return parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost"}
