"""The OIDC third-party login (LTI 1.3 core, Security Framework §5.1.1): a platform's login initiation becomes
our authentication request, and the id_token it answers with is checked against what we asked for.

What we asked for travels in `state`, signed by us (registration, nonce, target, hints): nothing is stored per
login but the nonce, which a launch consumes once. `state` is bound to the browser that started the login by a
secret kept in a cookie and, when the platform offers it, in the platform's storage (the `lti.put_data`
postMessage flow), for browsers that refuse cookies in third-party frames.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lti_tool.models import Deployment, Nonce, Registration
from lti_tool.validation import LaunchRefused

STATE_SALT = "tosca.lti.state"
COOKIE_PREFIX = "lti_state_"


@dataclass(frozen=True)
class LoginState:
    registration_id: int
    nonce: str
    browser_hash: str
    target_link_uri: str
    storage_target: str
    login_hint: str
    message_hint: str
    client_id: str
    deployment_id: str

    @property
    def cookie_name(self) -> str:
        return COOKIE_PREFIX + self.browser_hash[:16]

    @property
    def storage_key(self) -> str:
        return "tosca_state_" + self.browser_hash[:16]

    def bound_by(self, secret: str | None) -> bool:
        """Whether `secret` (from the cookie or the platform's storage) is the one this login gave the browser."""
        return bool(secret) and hmac.compare_digest(_hash(secret), self.browser_hash)

    def relaunch_params(self, registration: Registration) -> dict:
        """What our login URL needs to start this login again in a window of its own."""
        params = {
            "iss": registration.issuer,
            "login_hint": self.login_hint,
            "target_link_uri": self.target_link_uri,
            "client_id": registration.client_id,
        }
        if self.message_hint:
            params["lti_message_hint"] = self.message_hint
        if self.deployment_id:
            params["lti_deployment_id"] = self.deployment_id
        return params


@dataclass(frozen=True)
class Login:
    """An authentication request to send the browser to, with what binds it to this browser."""

    registration: Registration
    state: str
    auth_url: str
    secret: str
    parsed: LoginState


def start_login(request: HttpRequest, params, *, registration_uuid: str | None = None) -> Login:
    """Check a platform's login initiation and build our authentication request; LaunchRefused if it is bad."""
    issuer = _param(params, "iss")
    login_hint = _param(params, "login_hint")
    target = _param(params, "target_link_uri")
    if not issuer or not login_hint or not target:
        raise LaunchRefused(
            "login",
            _("The platform's login request lacks iss, login_hint or target_link_uri."),
            detail=f"missing {[name for name in ('iss', 'login_hint', 'target_link_uri') if not _param(params, name)]}",
        )
    client_id = _param(params, "client_id")
    deployment_id = _param(params, "lti_deployment_id") or _param(params, "deployment_id")
    registration = _registration(issuer, client_id, registration_uuid, deployment_id)
    if registration is None:
        raise LaunchRefused(
            "deployment",
            _("This placement of Tosca (deployment) is unknown or switched off: ask the platform's administrator."),
            status=403,
            detail=f"deployment {deployment_id[:200]!r}",
        )
    if not is_our_launch_url(request, target):
        raise LaunchRefused(
            "target_link_uri",
            _("The platform asked to open an address that is not Tosca's."),
            status=403,
            detail=f"target_link_uri {target[:300]!r}",
        )
    nonce, secret = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    lifetime = settings.TOSCA_LTI["login_lifetime"]
    Nonce.objects.create(value=nonce, expires_at=timezone.now() + timedelta(seconds=lifetime))
    storage_target = _param(params, "lti_storage_target")
    payload = {
        "r": registration.pk,
        "n": nonce,
        "b": _hash(secret),
        "t": target,
        "s": storage_target[:64],
        "h": login_hint[:2000],
        "m": _param(params, "lti_message_hint")[:2000],
        "c": client_id[:255],
        "d": deployment_id[:255],
    }
    state = signing.dumps(payload, salt=STATE_SALT, compress=True)
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": registration.client_id,
        "redirect_uri": target,
        "login_hint": login_hint,
        "state": state,
        "nonce": nonce,
    }
    if payload["m"]:
        query["lti_message_hint"] = payload["m"]
    separator = "&" if "?" in registration.auth_login_url else "?"
    return Login(
        registration=registration,
        state=state,
        auth_url=registration.auth_login_url + separator + urlencode(query),
        secret=secret,
        parsed=_parsed(payload),
    )


def read_state(state: str) -> LoginState:
    """The login a launch's `state` names, if we signed it and it has not expired."""
    try:
        payload = signing.loads(state or "", salt=STATE_SALT, max_age=settings.TOSCA_LTI["login_lifetime"])
    except signing.SignatureExpired:
        raise LaunchRefused(
            "state", _("The sign-in took too long: start it again from your course."), status=403
        ) from None
    except signing.BadSignature:
        raise LaunchRefused(
            "state", _("The launch does not answer a sign-in that Tosca started (its state is not ours)."), status=403
        ) from None
    return _parsed(payload)


def consume_nonce(nonce: str) -> bool:
    """Use the nonce up: true only for the first launch that presents it, before it expires."""
    deleted, _rows = Nonce.objects.filter(value=nonce, expires_at__gt=timezone.now()).delete()
    return deleted == 1


def forget_expired_nonces() -> int:
    deleted, _rows = Nonce.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def bind_cookie(response: HttpResponse, request: HttpRequest, login: Login) -> None:
    """The cookie that binds the login to this browser. In a platform's frame a cookie must be SameSite=None and
    Secure (and Partitioned, so that browsers that keep third-party cookies apart still keep it)."""
    name = login.parsed.cookie_name
    response.cookies[name] = login.secret
    morsel = response.cookies[name]
    morsel["max-age"] = settings.TOSCA_LTI["login_lifetime"]
    morsel["path"] = reverse("lti:launch")
    morsel["httponly"] = True
    if request.is_secure() or urlsplit(request.build_absolute_uri()).hostname in {"localhost", "127.0.0.1"}:
        morsel["secure"] = True
        morsel["samesite"] = "None; Partitioned"  # Python 3.12's cookies know no Partitioned attribute of their own
    else:
        morsel["samesite"] = "Lax"


def clear_cookie(response: HttpResponse, state: LoginState) -> None:
    response.delete_cookie(state.cookie_name, path=reverse("lti:launch"))


def is_our_launch_url(request: HttpRequest, url: str) -> bool:
    """Whether `url` is our launch URL, at our configured address or the one this request reached."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in {"https", "http"} or parts.path != reverse("lti:launch") or parts.username:
        return False
    origins = {_origin(settings.TOSCA_BASE_URL), _origin(request.build_absolute_uri("/"))}
    return f"{parts.scheme}://{parts.netloc}".lower() in origins


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _registration(
    issuer: str, client_id: str, registration_uuid: str | None, deployment_id: str
) -> Registration | None:
    """The one active registration the login names; None when it names a deployment the registration lacks."""
    registrations = Registration.objects.filter(issuer=issuer, active=True)
    if registration_uuid:
        registrations = registrations.filter(uuid=registration_uuid)
    if client_id:
        registrations = registrations.filter(client_id=client_id)
    if deployment_id:
        # One query for both: is the deployment there and on (per registration)?
        registrations = registrations.annotate(
            deployment_known=Exists(
                Deployment.objects.filter(registration=OuterRef("pk"), deployment_id=deployment_id, active=True)
            )
        )
    found = list(registrations[:2])
    if not found:
        raise LaunchRefused(
            "registration",
            _("This platform is not registered with Tosca (or its registration is switched off)."),
            status=403,
            detail=f"iss {issuer[:200]!r} client_id {client_id[:200]!r}",
        )
    if len(found) > 1:
        raise LaunchRefused(
            "registration",
            _("This platform has several registrations with Tosca: it must say which one (client_id)."),
            detail=f"iss {issuer[:200]!r}",
        )
    if deployment_id and not found[0].deployment_known:
        return None
    return found[0]


def _parsed(payload: dict) -> LoginState:
    try:
        return LoginState(
            registration_id=int(payload["r"]),
            nonce=str(payload["n"]),
            browser_hash=str(payload["b"]),
            target_link_uri=str(payload["t"]),
            storage_target=str(payload.get("s") or ""),
            login_hint=str(payload.get("h") or ""),
            message_hint=str(payload.get("m") or ""),
            client_id=str(payload.get("c") or ""),
            deployment_id=str(payload.get("d") or ""),
        )
    except (KeyError, TypeError, ValueError):
        raise LaunchRefused("state", _("The launch's state is not one Tosca made."), status=403) from None


def _param(params, name: str) -> str:
    value = params.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
