"""What a platform needs to know of Tosca as a tool: its URLs, and the tool configuration of LTI Dynamic
Registration 1.0 (an OpenID Connect client registration with the LTI tool configuration claim)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from lti_tool.data import DEEP_LINKING_REQUEST, TOOL_SCOPES

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


def base_url(request: HttpRequest | None) -> str:
    """Our public address: TOSCA_BASE_URL, unless this request came through another that Django accepts."""
    if request is None:
        return settings.TOSCA_BASE_URL
    return request.build_absolute_uri("/").rstrip("/")


def urls(request: HttpRequest | None) -> dict[str, str]:
    base = base_url(request)
    return {
        "login": base + reverse("lti:login"),
        "launch": base + reverse("lti:launch"),
        "deep_linking": base + reverse("lti:launch"),
        "jwks": base + reverse("lti:jwks"),
        "registration": base + reverse("lti:register"),
        "configuration": base + reverse("lti:configuration-json"),
    }


def tool_configuration(request: HttpRequest | None) -> dict:
    found = urls(request)
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": found["login"],
        "redirect_uris": [found["launch"]],
        "client_name": settings.TOSCA_ISSUER_NAME,
        "jwks_uri": found["jwks"],
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(TOOL_SCOPES),
        TOOL_CONFIGURATION: {
            "domain": urlsplit(found["launch"]).netloc,
            "description": _("Open courses whose modules develop the competences of the regional repertory."),
            "target_link_uri": found["launch"],
            "claims": ["iss", "sub", "name", "given_name", "family_name"],
            "messages": [
                {
                    "type": DEEP_LINKING_REQUEST,
                    "target_link_uri": found["launch"],
                    "label": _("Add Tosca modules"),
                    "placements": ["ContentArea"],
                }
            ],
        },
    }
