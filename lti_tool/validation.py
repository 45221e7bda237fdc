"""Validating a platform's id_token (1EdTech Security Framework 1.0, LTI 1.3 core, Deep Linking 2.0).

Every check that can refuse a launch lives here, and each refusal names its reason. The signature is verified
with `cryptography` on the token's own bytes: PyJWT's decoder spends most of an RS256 verify in a pure-Python
base64 check (see DESIGN.md), and we need our own claim checks (azp, leeway, maximum age, LTI claims) anyway.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from lti_tool import keys
from lti_tool.data import (
    AGS_CLAIM,
    CLAIM,
    DEEP_LINKING_REQUEST,
    DL_CLAIM,
    LTI_VERSION,
    MESSAGE_TYPES,
    NRPS_CLAIM,
    RESOURCE_LINK_REQUEST,
    Launch,
)
from lti_tool.models import Deployment, Registration

_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")
MAX_TOKEN_BYTES = 64 * 1024


class LaunchRefused(Exception):
    """A launch we do not accept: `reason` is a short code for logs and tests, `message` what the page says."""

    def __init__(self, reason: str, message, *, status: int = 400, detail: str = ""):
        super().__init__(f"{reason}: {detail or message}")
        self.reason = reason
        self.message = message
        self.status = status
        self.detail = detail


def validate_id_token(
    token: str,
    registration: Registration,
    *,
    nonce: str,
    is_our_url: Callable[[str], bool],
    now: float | None = None,
    deployment: Deployment | None = None,
) -> Launch:
    """The launch `token` describes, if it is a valid id_token of `registration` for our authentication
    request with `nonce`; LaunchRefused otherwise. Consuming the nonce is the caller's last step."""
    now = time.time() if now is None else now
    header, claims, signing_input, signature = _split(token)
    if header.get("alg") != "RS256":
        raise LaunchRefused(
            "alg",
            _("The launch was signed with an algorithm Tosca does not accept (only RS256 is)."),
            detail=f"alg {header.get('alg')!r}",
        )
    _check_issuer_and_audience(claims, registration)
    try:
        key = keys.platform_key(registration.keyset_url, header.get("kid"))
    except keys.KeysUnavailable as error:
        raise LaunchRefused(
            "kid",
            _("The platform's signing key could not be found, so the launch cannot be trusted."),
            detail=str(error),
        ) from error
    try:
        key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise LaunchRefused(
            "signature", _("The launch's signature does not match the platform's key."), status=403
        ) from None
    _check_times(claims, now)
    if claims.get("nonce") != nonce:
        raise LaunchRefused(
            "nonce", _("The launch does not answer the sign-in request Tosca made (its nonce differs)."), status=403
        )
    return _launch(claims, registration, is_our_url, deployment)


def unverified_claims(token: str) -> dict:
    """The claims of a token, not verified: only to find which registration should verify it."""
    return _split(token)[1]


def _split(token: str) -> tuple[dict, dict, bytes, bytes]:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_BYTES:
        raise LaunchRefused("malformed", _("The launch carries no readable id_token."))
    parts = token.split(".")
    if len(parts) != 3 or not all(_BASE64URL.match(part) for part in parts):
        raise LaunchRefused("malformed", _("The launch's id_token is not a signed JSON Web Token."))
    try:
        header = json.loads(_b64decode(parts[0]))
        claims = json.loads(_b64decode(parts[1]))
        signature = _b64decode(parts[2])
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise LaunchRefused("malformed", _("The launch's id_token is not a signed JSON Web Token.")) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise LaunchRefused("malformed", _("The launch's id_token is not a signed JSON Web Token."))
    return header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _check_issuer_and_audience(claims: dict, registration: Registration) -> None:
    if claims.get("iss") != registration.issuer:
        raise LaunchRefused(
            "iss",
            _("The launch comes from another platform than the one that started it."),
            status=403,
            detail=f"iss {str(claims.get('iss'))[:200]!r}, expected {registration.issuer!r}",
        )
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    if registration.client_id not in audiences:
        raise LaunchRefused(
            "aud", _("The launch is addressed to another tool (its audience lacks Tosca's client id)."), status=403
        )
    azp = claims.get("azp")
    if (len(audiences) > 1 and azp is None) or (azp is not None and azp != registration.client_id):
        raise LaunchRefused(
            "azp", _("The launch names another tool as the party it is authorised for (azp)."), status=403
        )


def _check_times(claims: dict, now: float) -> None:
    options = settings.TOSCA_LTI
    leeway, max_age = options["leeway"], options["max_token_age"]
    exp, iat = claims.get("exp"), claims.get("iat")
    if not _number(exp) or not _number(iat):
        raise LaunchRefused("times", _("The launch lacks its issue or expiry time."))
    if now > exp + leeway:
        raise LaunchRefused("exp", _("The launch has expired: start it again from your course."), status=403)
    if iat > now + leeway:
        raise LaunchRefused(
            "iat", _("The launch says it was issued in the future: the platform's clock may be wrong."), status=403
        )
    if now - iat > max_age + leeway:
        raise LaunchRefused("too_old", _("The launch is too old: start it again from your course."), status=403)


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _launch(
    claims: dict, registration: Registration, is_our_url: Callable[[str], bool], deployment: Deployment | None
) -> Launch:
    if claims.get(CLAIM + "version") != LTI_VERSION:
        raise LaunchRefused("version", _("The launch is not an LTI 1.3 launch (version 1.3.0)."))
    message_type = claims.get(CLAIM + "message_type")
    if message_type not in MESSAGE_TYPES:
        raise LaunchRefused("message_type", _("Tosca does not handle this kind of LTI message."))
    deployment_id = claims.get(CLAIM + "deployment_id")
    if not isinstance(deployment_id, str) or not deployment_id:
        raise LaunchRefused("deployment", _("The launch names no deployment of the tool."))
    if deployment is None or deployment.deployment_id != deployment_id or deployment.registration_id != registration.pk:
        deployment = Deployment.objects.filter(registration=registration, deployment_id=deployment_id).first()
    if deployment is None or not deployment.active:
        raise LaunchRefused(
            "deployment",
            _("This placement of Tosca (deployment) is unknown or switched off: ask the platform's administrator."),
            status=403,
            detail=f"deployment {deployment_id[:200]!r}",
        )
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise LaunchRefused("sub", _("The launch does not say who the user is (sub)."))
    roles = claims.get(CLAIM + "roles")
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise LaunchRefused("roles", _("The launch does not list the user's roles."))
    target = claims.get(CLAIM + "target_link_uri")
    if not isinstance(target, str) or not is_our_url(target):
        raise LaunchRefused("target_link_uri", _("The launch points at an address that is not Tosca's."))
    fields = {
        "registration_id": registration.pk,
        "deployment_pk": deployment.pk,
        "issuer": registration.issuer,
        "client_id": registration.client_id,
        "deployment_id": deployment_id,
        "message_type": message_type,
        "sub": sub,
        "roles": tuple(roles),
        "name": _text(
            claims.get("name") or " ".join(filter(None, [claims.get("given_name"), claims.get("family_name")]))
        ),
        "target_link_uri": target,
        "custom": _dict(claims.get(CLAIM + "custom")),
        "locale": _text(_dict(claims.get(CLAIM + "launch_presentation")).get("locale")),
    }
    context = _dict(claims.get(CLAIM + "context"))
    fields["context_id"] = _text(context.get("id"))
    fields["context_title"] = _text(context.get("title"))
    if message_type == RESOURCE_LINK_REQUEST:
        link = _dict(claims.get(CLAIM + "resource_link"))
        if not isinstance(link.get("id"), str) or not link["id"]:
            raise LaunchRefused("resource_link", _("The launch does not say which resource link was opened."))
        fields["resource_link_id"] = link["id"][:255]
        fields["resource_link_title"] = _text(link.get("title"))
        ags = _dict(claims.get(AGS_CLAIM))
        fields["lineitems_url"] = _url(ags.get("lineitems"))
        fields["lineitem_url"] = _url(ags.get("lineitem"))
        fields["ags_scopes"] = tuple(scope for scope in ags.get("scope") or [] if isinstance(scope, str))
    elif message_type == DEEP_LINKING_REQUEST:
        settings_claim = _dict(claims.get(DL_CLAIM + "deep_linking_settings"))
        return_url = settings_claim.get("deep_link_return_url")
        if not isinstance(return_url, str) or not return_url.startswith(("https://", "http://")):
            raise LaunchRefused("deep_linking", _("The deep linking request does not say where to return."))
        data = settings_claim.get("data")
        fields["deep_link_return_url"] = return_url
        fields["deep_link_data"] = data if isinstance(data, str) else None
        fields["deep_link_accept_multiple"] = settings_claim.get("accept_multiple", True) is not False
        fields["deep_link_accept_types"] = tuple(settings_claim.get("accept_types") or ())
    nrps = _dict(claims.get(NRPS_CLAIM))
    fields["memberships_url"] = _url(nrps.get("context_memberships_url"))
    return Launch(**fields)


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value, limit: int = 255) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _url(value) -> str:
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= 1000 else ""
