"""Open Badges 3.0 credentials for the competences of a libretto, signed as VC-JWT with an Ed25519 key.

Pure code: no database, no Django. The libretto's API turns entries into the values below, and the site serves
`jwks()` at a public URL so that anyone holding a credential can check it.

Specification followed: 1EdTech Open Badges Specification 3.0 (Final, the VC Data Model 2.0 edition; JSON-LD
context 3.0.3), sections "OpenBadgeCredential" / "Achievement" / "AchievementSubject" / "Alignment" / "Evidence"
(data model), 8.2 "JSON Web Token Proof Format" (VC-JWT: JOSE header, JWT payload, verification) and
"OpenBadgeCredential Verification". Keys: RFC 8037 (OKP JWK for Ed25519, JOSE alg "EdDSA") and RFC 7638 (JWK
thumbprint, used as `kid`).

What a token looks like::

    header  {"alg": "EdDSA", "jwk": {<public JWK, never "d">}, "kid": "<JWKS URL>#<thumbprint>", "typ": "JWT"}
    payload {<the OpenBadgeCredential itself, top level>, "iss": issuer.id, "jti": id,
             "sub": credentialSubject.id, "nbf": validFrom, ["exp": validUntil]}

EdDSA is allowed by the spec, which only makes RS256 the minimum every verifier supports ("other algorithms
... limit interoperability"); a verifier that only knows RS256 will not check these tokens.

OB 3.0 on VC 2.0 puts the credential's members at the top of the payload (the VC 1.1 `vc` wrapper is the older
layout, which this module neither issues nor accepts), allows only alg/kid/jwk/typ in the header, and asks that
`kid` be a URI a verifier can dereference to the JWK; `sign_credential(..., jwks_url=...)` makes it one. The
public key also travels in `jwk` so that generic OB 3.0 verifiers can check the signature offline, but
`verify_credential` never trusts it: it only uses keys from the JWKS it is given.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "ALIGNMENT_TARGET_TYPES",
    "CREDENTIAL_SCHEMA",
    "OB3_CONTEXT",
    "VC2_CONTEXT",
    "Alignment",
    "BadgeEvidence",
    "BadgeInvalid",
    "CompetenceAchievement",
    "build_credential",
    "generate_signing_key",
    "jwk_thumbprint",
    "jwks",
    "load_or_create_signing_key",
    "public_jwk",
    "sign_credential",
    "verify_credential",
]

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
# 3.0.3 is the newest context version (OB 3.0 errata): older versions stay resolvable, so verification accepts any
# 3.0.x, but we issue with the newest, as the errata recommend.
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
_OB3_CONTEXT_PATTERN = re.compile(r"https://purl\.imsglobal\.org/spec/ob/v3p0/context-3\.0\.\d+\.json")
CREDENTIAL_SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
# The AlignmentTargetType vocabulary of OB 3.0; anything else must be an extension term prefixed "ext:".
ALIGNMENT_TARGET_TYPES = frozenset(
    {
        "ceasn:Competency",
        "ceterms:Credential",
        "CFItem",
        "CFRubric",
        "CFRubricCriterion",
        "CFRubricCriterionLevel",
        "CTDL",
    }
)
_CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential"}  # the spec makes them aliases
_ALGORITHM = "EdDSA"
_ALLOWED_HEADERS = {"alg", "kid", "jwk", "typ"}  # OB 3.0: "Additional JOSE Headers are NOT allowed"
_JWT_CLAIMS = ("iss", "jti", "sub", "nbf", "exp", "iat", "aud")
# A competence credential is a few kilobytes; refusing anything far larger bounds the work an attacker can cause.
MAX_TOKEN_CHARS = 256 * 1024
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
# NumericDate range that datetime can represent (years 1..9999): larger values would overflow, not fail cleanly.
_MAX_NUMERIC_DATE = 253402300799


class BadgeInvalid(ValueError):
    """A credential (or the token carrying it) is not a valid Open Badges 3.0 credential from a trusted key.

    The message is plain English and names the problem; callers wrap it for translation.
    """


# --- keys -----------------------------------------------------------------------------------------------------


def generate_signing_key() -> Ed25519PrivateKey:
    """A new Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """The issuer key stored at `path` (unencrypted PKCS#8 PEM), created there with mode 0600 if absent.

    Created once: when several processes start together, exactly one key wins and every process loads it (the file
    appears atomically, complete, through a hard link that fails if another process got there first).
    Call it at start-up and keep the object: reading and parsing the file on each request is wasted I/O (about
    60 us for an Ed25519 PEM here, far more for RSA keys, ~57 ms, see DESIGN.md), and a key rotated on disk
    mid-flight would sign with a key the published JWKS does not list yet.
    """
    path = Path(path)
    try:
        return _load_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_signing_key()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    # Write a private temporary file in the same directory, then link it into place: link() is atomic and refuses
    # to replace an existing file, so no reader ever sees half a key and no process overwrites another's key.
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)  # mkstemp already uses 0600; say so explicitly, whatever the umask
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _load_key(path)
    finally:
        os.unlink(temporary)
    return key


def _load_key(path: Path) -> Ed25519PrivateKey:
    data = path.read_bytes()
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ValueError(f"{path} does not hold an unencrypted PEM private key: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} holds a {type(key).__name__}, but Open Badges signing here uses Ed25519 keys")
    return key


def _raw_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    # Only the unpadded URL-safe alphabet (RFC 7515 section 2): the lenient stdlib decoder would skip junk.
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint of an OKP public JWK: the hash of its required members (crv, kty, x) only,
    in lexicographic order with no whitespace, so metadata such as kid/use/alg never changes it."""
    members = {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def public_jwk(key: Ed25519PrivateKey | Ed25519PublicKey) -> dict[str, str]:
    """The public half of `key` as an RFC 8037 JWK, with `kid` = its RFC 7638 thumbprint (stable across restarts
    and machines, so every process derives the same id for the same key without sharing state)."""
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64url(_raw_public(key))}
    return {**jwk, "kid": jwk_thumbprint(jwk), "use": "sig", "alg": _ALGORITHM}


def jwks(*keys: Ed25519PrivateKey | Ed25519PublicKey) -> dict[str, list[dict[str, str]]]:
    """A JWK Set (`{"keys": [...]}`) of the public halves of `keys`, to serve at the URL given as `jwks_url`.

    Pass the current key and every retired key whose credentials must stay verifiable: a credential stays valid
    only while its key is published.
    """
    return {"keys": [public_jwk(key) for key in keys]}


# --- the credential -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alignment:
    """A competence of a framework that the achievement stands for (an OB 3.0 `Alignment`).

    `target_type` defaults to "CFItem" because the repertory publishes its competences as 1EdTech CASE items
    with these URIs; use "ceasn:Competency" for CTDL sources or an "ext:..." term for others (e.g. ESCO).
    """

    uri: str
    code: str
    name: str
    framework: str
    target_type: str = "CFItem"


@dataclass(frozen=True)
class CompetenceAchievement:
    """What the badge recognises: one competence (an OB 3.0 `Achievement` of achievementType "Competency")."""

    id: str
    name: str
    description: str
    criteria: str
    alignments: tuple[Alignment, ...] = ()


@dataclass(frozen=True)
class BadgeEvidence:
    """A piece of evidence behind the competence (an OB 3.0 `Evidence`), e.g. a module completion."""

    id: str
    name: str
    description: str


def _timestamp(moment: datetime, what: str) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    # Whole seconds: the JWT `nbf`/`exp` claims are whole seconds and the spec requires them to equal these dates.
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_credential(
    *,
    credential_id: str,
    issuer_id: str,
    issuer_name: str,
    subject_id: str,
    achievement: CompetenceAchievement,
    valid_from: datetime,
    evidence: tuple[BadgeEvidence, ...] = (),
    name: str | None = None,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """The OpenBadgeCredential JSON (without proof) saying that `subject_id` holds the competence `achievement`.

    Identifiers must be URIs (e.g. "urn:uuid:...", an https URL, a DID). Prefer a pseudonymous `subject_id`
    (urn:uuid) to an e-mail address: the credential travels, and personal data should stay minimal. `valid_from`
    and `valid_until` must be timezone-aware and are cut to whole seconds. Raises BadgeInvalid (a ValueError)
    when the result would not verify.
    """
    achievement_json: dict[str, Any] = {
        "id": achievement.id,
        "type": ["Achievement"],
        "achievementType": "Competency",
        "name": achievement.name,
        "description": achievement.description,
        "criteria": {"narrative": achievement.criteria},
    }
    if achievement.alignments:
        achievement_json["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": alignment.name,
                "targetUrl": alignment.uri,
                "targetCode": alignment.code,
                "targetFramework": alignment.framework,
                "targetType": alignment.target_type,
            }
            for alignment in achievement.alignments
        ]
    credential: dict[str, Any] = {
        "@context": [VC2_CONTEXT, OB3_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": issuer_name},
        "validFrom": _timestamp(valid_from, "valid_from"),
        "name": name or achievement.name,
        "credentialSubject": {"id": subject_id, "type": ["AchievementSubject"], "achievement": achievement_json},
    }
    if valid_until is not None:
        credential["validUntil"] = _timestamp(valid_until, "valid_until")
    if evidence:
        credential["evidence"] = [
            {"id": item.id, "type": ["Evidence"], "name": item.name, "description": item.description}
            for item in evidence
        ]
    credential["credentialSchema"] = [dict(CREDENTIAL_SCHEMA)]
    _check_credential(credential)
    return credential


# --- signing --------------------------------------------------------------------------------------------------


def sign_credential(credential: dict[str, Any], key: Ed25519PrivateKey, *, jwks_url: str | None = None) -> str:
    """The credential as a compact VC-JWT (JWS signed with EdDSA), per OB 3.0 section 8.2.

    The header carries `kid` and the public `jwk`. With `jwks_url` (the public URL serving `jwks(...)`), `kid` is
    "<jwks_url>#<thumbprint>", a URI verifiers can dereference as the spec asks; without it, `kid` is the bare
    thumbprint, which only verifiers given the JWKS some other way can use. Raises BadgeInvalid when the
    credential would not pass `verify_credential`, so Tosca never signs what it would itself reject.
    """
    _check_credential(credential)
    jwk = public_jwk(key)
    kid = f"{jwks_url}#{jwk['kid']}" if jwks_url else jwk["kid"]
    claims: dict[str, Any] = {
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": _numeric_date(credential["validFrom"], "validFrom"),
    }
    if "validUntil" in credential:
        claims["exp"] = _numeric_date(credential["validUntil"], "validUntil")
    payload = {name: value for name, value in credential.items() if name not in _JWT_CLAIMS} | claims
    return jwt.encode(payload, key, algorithm=_ALGORITHM, headers={"typ": "JWT", "kid": kid, "jwk": jwk})


def _numeric_date(value: str, what: str) -> int:
    moment = _parse_datetime(value, what)
    if moment.microsecond:
        # The JWT claim is whole seconds and must equal the credential's date exactly.
        raise BadgeInvalid(f"The credential's {what} must be whole seconds to be signed as a JWT.")
    return int(moment.timestamp())


# --- verification ---------------------------------------------------------------------------------------------


def verify_credential(
    token: str,
    jwks: dict[str, Any],
    *,
    expected_issuer: str | None = None,
    now: datetime | None = None,
    leeway: timedelta = timedelta(seconds=60),
) -> dict[str, Any]:
    """Check a VC-JWT against the keys of `jwks` and return the OpenBadgeCredential it carries.

    Checks, in order: the token's form; the header (alg EdDSA, typ JWT, only the allowed members, a `kid` naming
    a key of `jwks`, an embedded `jwk` equal to that key); the signature; that iss/jti/sub/nbf/exp agree with the
    credential's issuer.id/id/credentialSubject.id/validFrom/validUntil; `expected_issuer` when given; the OB 3.0
    structure (contexts, types, achievement, alignments, evidence); and the validity period at `now` (default:
    the current time) with `leeway` for clock skew. The returned dict is the credential without the JWT claims.

    Raises BadgeInvalid, with a message naming the problem, for every failure and every token or key set
    whatsoever (a naive `now` is a programming error and raises a plain ValueError).
    """
    if now is not None and now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    try:
        return _verify(token, jwks, expected_issuer, now, leeway)
    except BadgeInvalid:
        raise
    except RecursionError as error:
        # json.loads recurses once per nesting level: a few kilobytes of "[[[[" exhaust the stack.
        raise BadgeInvalid("The token contains JSON nested too deeply to be a credential.") from error
    except Exception as error:
        # The contract is one exception type for any input; a failure not foreseen above must still not surface
        # as a 500 in the views that call this with text pasted by the public.
        raise BadgeInvalid(f"The credential could not be verified ({type(error).__name__}).") from error


def _verify(
    token: object,
    jwks: dict[str, Any],
    expected_issuer: str | None,
    now: datetime | None,
    leeway: timedelta,
) -> dict[str, Any]:
    if not isinstance(token, str):
        raise BadgeInvalid("The credential must be given as text (a compact JWT).")
    token = token.strip()
    if not token:
        raise BadgeInvalid("The credential is empty.")
    if len(token) > MAX_TOKEN_CHARS:
        raise BadgeInvalid(f"The credential is too large ({len(token)} characters; at most {MAX_TOKEN_CHARS}).")
    if not _COMPACT_JWS.fullmatch(token):
        raise BadgeInvalid(
            "The credential is not a compact JWT: expected three non-empty base64url parts separated by dots."
        )
    header_part, payload_part, signature_part = token.split(".")

    header = _decode_json_part(header_part, "header")
    unexpected = sorted(set(header) - _ALLOWED_HEADERS)
    if unexpected:
        raise BadgeInvalid(f"The token header has members Open Badges 3.0 does not allow: {_show(unexpected)}.")
    if header.get("alg") != _ALGORITHM:
        raise BadgeInvalid(f"The token is signed with algorithm {_show(header.get('alg'))}; expected {_ALGORITHM}.")
    if "typ" in header and header["typ"] != "JWT":
        raise BadgeInvalid(f'The token header has typ {_show(header["typ"])}; Open Badges 3.0 requires "JWT".')
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise BadgeInvalid("The token header has no key id (kid), so the signing key cannot be found.")
    try:
        _b64url_decode(payload_part)
        signature = _b64url_decode(signature_part)
    except (ValueError, binascii.Error) as error:
        raise BadgeInvalid("The token is truncated or damaged: a part is not valid base64url.") from error
    if len(signature) != 64:  # Ed25519 signatures are always 64 bytes (RFC 8032)
        raise BadgeInvalid("The token's signature is truncated or damaged (an Ed25519 signature is 64 bytes).")

    jwk = _find_key(jwks, kid)
    public_key = _public_key_from_jwk(jwk)
    embedded = header.get("jwk")
    if embedded is not None and (
        not isinstance(embedded, dict)
        or "d" in embedded
        or any(embedded.get(member) != jwk[member] for member in ("kty", "crv", "x"))
    ):
        raise BadgeInvalid("The public key embedded in the token header does not match the issuer's key.")

    try:
        decoded = jwt.api_jws.PyJWS().decode_complete(token, public_key, algorithms=[_ALGORITHM])
    except jwt.InvalidSignatureError as error:
        raise BadgeInvalid(
            "The signature does not match: the credential was altered or not signed by this key."
        ) from error
    except jwt.PyJWTError as error:
        raise BadgeInvalid(f"The token could not be checked: {error}.") from error

    payload = _loads(decoded["payload"], "payload")
    if "vc" in payload and "@context" not in payload:
        raise BadgeInvalid(
            'The token uses the older VC 1.1 layout (credential inside a "vc" claim); '
            "Open Badges 3.0 credentials carry the credential itself as the JWT payload."
        )
    credential = {name: value for name, value in payload.items() if name not in _JWT_CLAIMS}
    _check_credential(credential)
    _check_claims(payload, credential, expected_issuer)
    _check_period(credential, now, leeway)
    return credential


def _decode_json_part(part: str, what: str) -> dict[str, Any]:
    try:
        raw = _b64url_decode(part)
    except (ValueError, binascii.Error) as error:
        raise BadgeInvalid(f"The token {what} is not valid base64url.") from error
    return _loads(raw, what)


def _loads(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except UnicodeDecodeError as error:
        raise BadgeInvalid(f"The token {what} is not UTF-8 text.") from error
    except ValueError as error:  # json.JSONDecodeError, and the hooks below
        raise BadgeInvalid(f"The token {what} is not valid JSON: {error}.") from error
    if not isinstance(value, dict):
        raise BadgeInvalid(f"The token {what} is not a JSON object.")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers disagreeing on which duplicate wins is a classic way to smuggle a claim past a signature check.
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"member {_show(name)} appears twice")
        result[name] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _find_key(jwks: object, kid: str) -> dict[str, Any]:
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list):
        raise BadgeInvalid('The issuer\'s key set is malformed (no "keys" list).')
    # "<JWKS URL>#<thumbprint>" dereferences to the key of that JWKS whose kid is the fragment; a bare kid names
    # the key directly.
    wanted = kid.rsplit("#", 1)[-1]
    for jwk in keys:
        if isinstance(jwk, dict) and jwk.get("kid") in (wanted, kid):
            return jwk
    raise BadgeInvalid(f"The credential was signed with key {_show(kid)}, which the issuer does not publish.")


def _public_key_from_jwk(jwk: dict[str, Any]) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise BadgeInvalid("The issuer's key is not an Ed25519 (OKP) public key.")
    if jwk.get("alg", _ALGORITHM) != _ALGORITHM or jwk.get("use", "sig") != "sig":
        raise BadgeInvalid("The issuer's key is not meant for EdDSA signatures.")
    try:
        raw = _b64url_decode(jwk["x"])
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, binascii.Error) as error:
        raise BadgeInvalid("The issuer's key is malformed.") from error


def _check_claims(payload: dict[str, Any], credential: dict[str, Any], expected_issuer: str | None) -> None:
    pairs = (
        ("iss", "issuer.id", credential["issuer"]["id"]),
        ("jti", "id", credential["id"]),
        ("sub", "credentialSubject.id", credential["credentialSubject"].get("id")),
    )
    for claim, field, value in pairs:
        if claim not in payload:
            raise BadgeInvalid(f"The token has no {claim} claim; Open Badges 3.0 requires it.")
        if payload[claim] != value:
            raise BadgeInvalid(
                f"The token's {claim} claim ({_show(payload[claim])}) differs from the credential's {field} "
                f"({_show(value)})."
            )
    if "nbf" not in payload:
        raise BadgeInvalid("The token has no nbf claim; Open Badges 3.0 requires it.")
    _check_date_claim(payload["nbf"], "nbf", credential["validFrom"], "validFrom")
    if "validUntil" in credential and "exp" not in payload:
        raise BadgeInvalid("The credential has a validUntil but the token has no exp claim.")
    if "exp" in payload:
        if "validUntil" not in credential:
            raise BadgeInvalid("The token has an exp claim but the credential has no validUntil.")
        _check_date_claim(payload["exp"], "exp", credential["validUntil"], "validUntil")
    if expected_issuer is not None and credential["issuer"]["id"] != expected_issuer:
        raise BadgeInvalid(
            f"The credential was issued by {_show(credential['issuer']['id'])}, not by {_show(expected_issuer)}."
        )


def _check_date_claim(claim_value: object, claim: str, date_value: str, field: str) -> None:
    if (
        isinstance(claim_value, bool)
        or not isinstance(claim_value, int | float)
        or not math.isfinite(claim_value)
        or not 0 <= claim_value <= _MAX_NUMERIC_DATE
    ):
        raise BadgeInvalid(f"The token's {claim} claim is not a valid date (seconds since 1970).")
    if datetime.fromtimestamp(claim_value, UTC) != _parse_datetime(date_value, field):
        raise BadgeInvalid(f"The token's {claim} claim differs from the credential's {field} ({_show(date_value)}).")


def _check_period(credential: dict[str, Any], now: datetime | None, leeway: timedelta) -> None:
    moment = now or datetime.now(UTC)
    valid_from = _parse_datetime(credential["validFrom"], "validFrom")
    if moment + leeway < valid_from:
        raise BadgeInvalid(f"The credential is not valid yet: it is valid from {credential['validFrom']}.")
    if "validUntil" in credential:
        valid_until = _parse_datetime(credential["validUntil"], "validUntil")
        if moment - leeway >= valid_until:
            raise BadgeInvalid(f"The credential expired on {credential['validUntil']}.")


def _parse_datetime(value: object, field: str) -> datetime:
    if not isinstance(value, str):
        raise BadgeInvalid(f"The credential's {field} is not a date-time string.")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise BadgeInvalid(f"The credential's {field} ({_show(value)}) is not an ISO 8601 date-time.") from error
    if moment.tzinfo is None:
        raise BadgeInvalid(f"The credential's {field} ({_show(value)}) has no time zone.")
    return moment


# --- OB 3.0 structure -----------------------------------------------------------------------------------------


def _check_credential(credential: object) -> None:
    """Raise BadgeInvalid unless `credential` has the structure OB 3.0 requires of an OpenBadgeCredential."""
    if not isinstance(credential, dict):
        raise BadgeInvalid("The credential is not a JSON object.")
    contexts = credential.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != VC2_CONTEXT:
        raise BadgeInvalid(f"The credential's @context must be a list starting with {VC2_CONTEXT}.")
    if not any(isinstance(item, str) and _OB3_CONTEXT_PATTERN.fullmatch(item) for item in contexts):
        raise BadgeInvalid(f"The credential's @context does not include the Open Badges 3.0 context ({OB3_CONTEXT}).")
    types = _types(credential, "credential")
    if "VerifiableCredential" not in types or not _CREDENTIAL_TYPES & set(types):
        raise BadgeInvalid(
            f"The credential's type must include VerifiableCredential and OpenBadgeCredential (found {_show(types)})."
        )
    _require_uri(credential, "id", "credential")
    if "issuanceDate" in credential and "validFrom" not in credential:
        raise BadgeInvalid("The credential uses VC 1.1's issuanceDate; Open Badges 3.0 credentials use validFrom.")
    _parse_datetime(credential.get("validFrom"), "validFrom")
    if "validUntil" in credential:
        _parse_datetime(credential["validUntil"], "validUntil")
    if "name" in credential:
        _require_text(credential, "name", "credential")

    issuer = credential.get("issuer")
    if not isinstance(issuer, dict):
        raise BadgeInvalid("The credential's issuer must be a Profile object.")
    _require_uri(issuer, "id", "issuer")
    if "Profile" not in _types(issuer, "issuer"):
        raise BadgeInvalid("The credential's issuer must have type Profile.")

    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise BadgeInvalid("The credential's credentialSubject must be one AchievementSubject object.")
    if "AchievementSubject" not in _types(subject, "credentialSubject"):
        raise BadgeInvalid("The credential's credentialSubject must have type AchievementSubject.")
    # VC-JWT maps credentialSubject.id to the required `sub` claim, so an identifier-only subject cannot be signed.
    _require_uri(subject, "id", "credentialSubject")

    achievement = subject.get("achievement")
    if not isinstance(achievement, dict):
        raise BadgeInvalid("The credential's credentialSubject has no achievement.")
    _require_uri(achievement, "id", "achievement")
    if "Achievement" not in _types(achievement, "achievement"):
        raise BadgeInvalid("The credential's achievement must have type Achievement.")
    _require_text(achievement, "name", "achievement")
    _require_text(achievement, "description", "achievement")
    criteria = achievement.get("criteria")
    if not isinstance(criteria, dict) or not (criteria.get("narrative") or criteria.get("id")):
        raise BadgeInvalid("The credential's achievement must have criteria (a narrative or an id).")

    for index, alignment in enumerate(_list(achievement, "alignment", "achievement")):
        where = f"alignment {index + 1}"
        if not isinstance(alignment, dict) or "Alignment" not in _types(alignment, where):
            raise BadgeInvalid(f"The achievement's {where} must be an object of type Alignment.")
        _require_text(alignment, "targetName", where)
        _require_uri(alignment, "targetUrl", where)
        target_type = alignment.get("targetType")
        if target_type is not None and not (
            target_type in ALIGNMENT_TARGET_TYPES or (isinstance(target_type, str) and target_type.startswith("ext:"))
        ):
            raise BadgeInvalid(
                f"The achievement's {where} has targetType {_show(target_type)}, which is neither an Open Badges "
                'alignment target type nor an "ext:" extension.'
            )

    for index, item in enumerate(_list(credential, "evidence", "credential")):
        where = f"evidence {index + 1}"
        if not isinstance(item, dict) or "Evidence" not in _types(item, where):
            raise BadgeInvalid(f"The credential's {where} must be an object of type Evidence.")
        if "id" in item:
            _require_uri(item, "id", where)


def _types(node: dict[str, Any], where: str) -> list[str]:
    value = node.get("type")
    types = [value] if isinstance(value, str) else value  # JSON-LD lets a single type be a bare string
    if not isinstance(types, list) or not types or not all(isinstance(item, str) for item in types):
        raise BadgeInvalid(f"The {where} has no valid type.")
    return types


def _list(node: dict[str, Any], name: str, where: str) -> list[Any]:
    value = node.get(name, [])
    if not isinstance(value, list):
        raise BadgeInvalid(f"The {where}'s {name} must be a list.")
    return value


def _require_text(node: dict[str, Any], name: str, where: str) -> None:
    value = node.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadgeInvalid(f"The {where} has no {name}.")


def _require_uri(node: dict[str, Any], name: str, where: str) -> None:
    value = node.get(name)
    if not isinstance(value, str) or not _URI.fullmatch(value):
        raise BadgeInvalid(f"The {where}'s {name} must be a URI (found {_show(value)}).")


def _show(value: object) -> str:
    """A short rendering of an untrusted value for a message: bounded, so a huge input cannot bloat logs/pages."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."
