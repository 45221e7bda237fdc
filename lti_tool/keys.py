"""Keys: the tool's own (published at our JWKS URL, rotated by `tosca lti rotate-keys`) and each platform's
(read from its JWKS URL, cached, fetched again once when a token names a key we do not know).

Loading a PEM costs tens of milliseconds and building a key from a JWK almost as much, so key objects are built
once per process and kept: a launch does one dictionary lookup and one RSA verify.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lti_tool.models import ToolKey

log = logging.getLogger(__name__)


# -- the tool's keys ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rotation:
    published: str | None
    """The kid of the key published as next by this rotation (None: there already was one)."""
    promoted: str | None
    """The kid that started signing (None: the next key was not published long enough yet)."""
    removed: tuple[str, ...]
    """Retired kids no longer published."""


_private_keys: dict[str, rsa.RSAPrivateKey] = {}
_lock = threading.Lock()


def signing_key() -> tuple[str, rsa.RSAPrivateKey]:
    """(kid, private key) of the key that signs now; the first call on a new installation creates the keys."""
    current = ToolKey.objects.filter(state=ToolKey.State.CURRENT).order_by("-changed_at").first()
    if current is None:
        with transaction.atomic():
            ensure_keys()
        current = ToolKey.objects.filter(state=ToolKey.State.CURRENT).order_by("-changed_at").first()
    return current.kid, _private_key(current)


def _private_key(record: ToolKey) -> rsa.RSAPrivateKey:
    key = _private_keys.get(record.kid)
    if key is None:
        with _lock:
            key = serialization.load_pem_private_key(record.private_pem.encode("ascii"), password=None)
            _private_keys[record.kid] = key
    return key


def public_jwks() -> dict:
    """The tool's JWKS: every key that is next, current or retired-but-kept."""
    keys = list(ToolKey.objects.order_by("created_at").values_list("public_jwk", flat=True))
    if not keys:
        with transaction.atomic():
            ensure_keys()
        keys = list(ToolKey.objects.order_by("created_at").values_list("public_jwk", flat=True))
    return {"keys": keys}


def ensure_keys() -> None:
    """A signing key and a next key, creating whichever is missing (call inside a transaction)."""
    states = set(ToolKey.objects.select_for_update().values_list("state", flat=True))
    if ToolKey.State.CURRENT not in states:
        _new_key(ToolKey.State.CURRENT)
    if ToolKey.State.NEXT not in states:
        _new_key(ToolKey.State.NEXT)


def rotate(*, publish_ahead: timedelta, keep_retired: timedelta, now=None) -> Rotation:
    """One step of key rotation. A next key that has been published for `publish_ahead` starts signing (the
    current one retires); a new next key is published; retired keys older than `keep_retired` are removed.
    Platforms cache our JWKS: publishing ahead means they know a key before anything signed with it arrives."""
    now = now or timezone.now()
    with transaction.atomic():
        keys = list(ToolKey.objects.select_for_update().order_by("created_at"))
        promoted = published = None
        nexts = [key for key in keys if key.state == ToolKey.State.NEXT]
        currents = [key for key in keys if key.state == ToolKey.State.CURRENT]
        if not currents:
            promoted = (nexts.pop(0) if nexts else _new_key(ToolKey.State.NEXT)).kid
            ToolKey.objects.filter(kid=promoted).update(state=ToolKey.State.CURRENT, changed_at=now)
        elif nexts and nexts[0].changed_at <= now - publish_ahead:
            promoted = nexts.pop(0).kid
            ToolKey.objects.filter(state=ToolKey.State.CURRENT).update(state=ToolKey.State.RETIRED, changed_at=now)
            ToolKey.objects.filter(kid=promoted).update(state=ToolKey.State.CURRENT, changed_at=now)
        if not nexts:
            published = _new_key(ToolKey.State.NEXT, now=now).kid
        old = ToolKey.objects.filter(state=ToolKey.State.RETIRED, changed_at__lte=now - keep_retired)
        removed = tuple(old.values_list("kid", flat=True))
        old.delete()
    for kid in removed:
        _private_keys.pop(kid, None)
    return Rotation(published=published, promoted=promoted, removed=removed)


def new_private_key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit RSA key (about a tenth of a second: tests hand out keys made once instead)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _new_key(state: str, *, now=None) -> ToolKey:
    private = new_private_key()
    kid = secrets.token_urlsafe(16)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    return ToolKey.objects.create(
        kid=kid, private_pem=pem, public_jwk=public, state=state, changed_at=now or timezone.now()
    )


def sign(claims: dict, *, headers: dict | None = None) -> str:
    """A JWT of `claims` signed RS256 with the current key, its kid in the header."""
    kid, key = signing_key()
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid, **(headers or {})})


# -- platforms' keys ----------------------------------------------------------------------------------------


class KeysUnavailable(Exception):
    """The platform's JWKS could not be read, or holds no usable key with that kid."""


@dataclass
class _Keyset:
    keys: dict[str | None, rsa.RSAPublicKey]
    fetched_at: float


_keysets: dict[str, _Keyset] = {}
_keyset_lock = threading.Lock()


def platform_key(keyset_url: str, kid: str | None) -> rsa.RSAPublicKey:
    """The platform's RSA key `kid`, from the cached keyset; an unknown kid fetches the keyset again once (the
    platform may have rotated its keys), at most once per `refetch_interval` so forged kids cannot flood it."""
    options = settings.TOSCA_LTI
    cached = _keysets.get(keyset_url)
    now = time.monotonic()
    if cached is not None and now - cached.fetched_at > options["jwks_cache_seconds"]:
        cached = None
    if cached is not None:
        key = _pick(cached, kid)
        if key is not None:
            return key
        if now - cached.fetched_at < options["jwks_refetch_interval"]:
            raise KeysUnavailable(f"the platform's keyset has no key with kid {kid!r}")
    with _keyset_lock:
        cached = _keysets.get(keyset_url)
        if cached is None or cached.fetched_at < now:
            cached = _fetch(keyset_url)
            _keysets[keyset_url] = cached
    key = _pick(cached, kid)
    if key is None:
        raise KeysUnavailable(f"the platform's keyset has no key with kid {kid!r}")
    return key


def forget_platform_keys() -> None:
    _keysets.clear()


def _pick(keyset: _Keyset, kid: str | None) -> rsa.RSAPublicKey | None:
    if kid is None:
        # A token without a kid is accepted only from a platform that publishes a single key.
        return next(iter(keyset.keys.values())) if len(keyset.keys) == 1 else None
    return keyset.keys.get(kid)


def _fetch(keyset_url: str) -> _Keyset:
    try:
        answer = requests.get(
            keyset_url, timeout=settings.TOSCA_LTI["http_timeout"], headers={"Accept": "application/json"}
        )
        answer.raise_for_status()
        document = answer.json()
    except (requests.RequestException, ValueError) as error:
        raise KeysUnavailable(f"the platform's keyset {keyset_url} could not be read: {error}") from error
    keys: dict[str | None, rsa.RSAPublicKey] = {}
    for jwk in document.get("keys", []) if isinstance(document, dict) else []:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
            keys[jwk.get("kid")] = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
        except (jwt.InvalidKeyError, ValueError, KeyError, TypeError):
            log.warning("skipping an unreadable key in %s", keyset_url)
    return _Keyset(keys=keys, fetched_at=time.monotonic())
