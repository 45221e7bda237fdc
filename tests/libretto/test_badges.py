"""Open Badges 3.0 credentials as VC-JWT: issue, verify, and refuse everything else with BadgeInvalid.

Pure tests: no database. Tokens that `sign_credential` refuses to make are forged with PyJWT directly, signed by
the real key, so that each check of `verify_credential` is exercised behind a valid signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from libretto.badges import (
    OB3_CONTEXT,
    VC2_CONTEXT,
    Alignment,
    BadgeEvidence,
    BadgeInvalid,
    CompetenceAchievement,
    build_credential,
    generate_signing_key,
    jwk_thumbprint,
    jwks,
    load_or_create_signing_key,
    public_jwk,
    sign_credential,
    verify_credential,
)

ISSUER = "https://tosca.example.it/libretto/issuer"
JWKS_URL = "https://tosca.example.it/libretto/badges/jwks.json"
VALID_FROM = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

# RFC 8037 appendix A.1 (the Ed25519 key) and A.3 (its RFC 7638 thumbprint).
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def part(token: str, index: int) -> dict[str, Any]:
    return json.loads(b64url_decode(token.split(".")[index]))


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return generate_signing_key()


@pytest.fixture(scope="module")
def key_set(key: Ed25519PrivateKey) -> dict[str, Any]:
    return jwks(key)


def credential(**changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "credential_id": "urn:uuid:6f1d3c2a-9b7e-5e1f-8a4d-2c3b4a5d6e7f",
        "issuer_id": ISSUER,
        "issuer_name": "Regione Toscana — Libretto formativo",
        "subject_id": "urn:uuid:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "achievement": CompetenceAchievement(
            id="https://tosca.example.it/repertorio/rrfp/UC-1234",
            name="Gestire la contabilità di base",
            description="Registrare i fatti amministrativi e redigere la prima nota.",
            criteria="Modulo «Contabilità di base» completato con punteggio ≥ 80%.",
            alignments=(
                Alignment(
                    uri="https://tosca.example.it/repertorio/rrfp/UC-1234",
                    code="UC-1234",
                    name="Gestire la contabilità di base",
                    framework="RRFP Regione Toscana",
                ),
                Alignment(
                    uri="http://data.europa.eu/esco/skill/0b6d6a85-1e2b-4b1f-9b3e-3a4d5e6f7a8b",
                    code="S1.2.3",
                    name="keep financial records",
                    framework="ESCO",
                    target_type="ext:ESCOSkill",
                ),
            ),
        ),
        "valid_from": VALID_FROM,
        "evidence": (
            BadgeEvidence(
                id="urn:uuid:9c8b7a6d-5e4f-5a3b-9c2d-1e0f9a8b7c6d",
                name="Contabilità di base",
                description="Completed on Trio, score 92/100.",
            ),
        ),
    }
    arguments.update(changes)
    return build_credential(**arguments)


def forge(payload: dict[str, Any], key: Ed25519PrivateKey, **headers: Any) -> str:
    """A token signed by the real key, with whatever payload and header a test needs."""
    header = {"typ": "JWT", "kid": public_jwk(key)["kid"], **headers}
    header = {name: value for name, value in header.items() if value is not None}
    return jwt.encode(payload, key, algorithm="EdDSA", headers=header)


def claims_for(data: dict[str, Any]) -> dict[str, Any]:
    return {
        **data,
        "iss": data["issuer"]["id"],
        "jti": data["id"],
        "sub": data["credentialSubject"]["id"],
        "nbf": int(datetime.fromisoformat(data["validFrom"]).timestamp()),
    }


def rejects(token: Any, key_set: dict[str, Any], **options: Any) -> str:
    with pytest.raises(BadgeInvalid) as caught:
        verify_credential(token, key_set, now=NOW, **options)
    assert type(caught.value) is BadgeInvalid
    message = str(caught.value)
    assert message and len(message) < 400
    return message


# --- the credential ---------------------------------------------------------------------------------------------


def test_credential_has_the_open_badges_3_shape() -> None:
    data = credential()
    assert data["@context"] == [VC2_CONTEXT, OB3_CONTEXT]
    assert OB3_CONTEXT == "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    assert data["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert data["issuer"] == {"id": ISSUER, "type": ["Profile"], "name": "Regione Toscana — Libretto formativo"}
    assert data["validFrom"] == "2025-03-14T09:26:53Z"  # whole seconds, UTC: it must equal the nbf claim
    assert data["name"] == "Gestire la contabilità di base"
    subject = data["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Competency"
    assert achievement["criteria"] == {"narrative": "Modulo «Contabilità di base» completato con punteggio ≥ 80%."}
    assert achievement["alignment"][0] == {
        "type": ["Alignment"],
        "targetName": "Gestire la contabilità di base",
        "targetUrl": "https://tosca.example.it/repertorio/rrfp/UC-1234",
        "targetCode": "UC-1234",
        "targetFramework": "RRFP Regione Toscana",
        "targetType": "CFItem",
    }
    assert achievement["alignment"][1]["targetType"] == "ext:ESCOSkill"
    assert data["evidence"][0]["type"] == ["Evidence"]
    assert data["credentialSchema"][0]["type"] == "1EdTechJsonSchemaValidator2019"
    assert "proof" not in data
    json.dumps(data)  # plain JSON, nothing Python-specific


def test_credential_without_optional_parts() -> None:
    data = credential(
        evidence=(),
        achievement=CompetenceAchievement(id="urn:uuid:1", name="n", description="d", criteria="c"),
        name="Badge",
    )
    assert "evidence" not in data
    assert "alignment" not in data["credentialSubject"]["achievement"]
    assert data["name"] == "Badge"


@pytest.mark.parametrize(
    "changes",
    [
        {"credential_id": "6f1d3c2a-9b7e"},  # not a URI
        {"issuer_id": ""},
        {"subject_id": "mario.rossi"},
        {"valid_from": datetime(2025, 1, 1)},  # naive
        {"achievement": CompetenceAchievement(id="urn:x:1", name=" ", description="d", criteria="c")},
        {"achievement": CompetenceAchievement(id="urn:x:1", name="n", description="d", criteria="")},
        {
            "achievement": CompetenceAchievement(
                id="urn:x:1", name="n", description="d", criteria="c", alignments=(Alignment("x", "c", "n", "f"),)
            )
        },
        {
            "achievement": CompetenceAchievement(
                id="urn:x:1",
                name="n",
                description="d",
                criteria="c",
                alignments=(Alignment("urn:x:2", "c", "n", "f", target_type="Skill"),),
            )
        },
    ],
)
def test_build_refuses_what_would_not_verify(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        credential(**changes)


# --- issue and verify -------------------------------------------------------------------------------------------


def test_round_trip(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    data = credential()
    token = sign_credential(data, key)
    assert verify_credential(token, key_set, now=NOW) == data
    assert verify_credential(token, key_set, expected_issuer=ISSUER, now=NOW) == data
    assert verify_credential(token, key_set) == data  # real clock: issued in the past, no expiry


def test_token_layout(key: Ed25519PrivateKey) -> None:
    data = credential(valid_until=datetime(2030, 1, 1, tzinfo=UTC))
    token = sign_credential(data, key, jwks_url=JWKS_URL)
    header, payload = part(token, 0), part(token, 1)
    thumbprint = public_jwk(key)["kid"]
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": f"{JWKS_URL}#{thumbprint}", "jwk": public_jwk(key)}
    assert "d" not in header["jwk"]
    # The credential itself is the payload (VC 2.0 / OB 3.0 section 8.2), with the registered claims beside it.
    assert "vc" not in payload
    assert {name: value for name, value in payload.items() if name not in {"iss", "jti", "sub", "nbf", "exp"}} == data
    assert payload["iss"] == ISSUER
    assert payload["jti"] == data["id"]
    assert payload["sub"] == data["credentialSubject"]["id"]
    assert payload["nbf"] == int(datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC).timestamp())
    assert payload["exp"] == int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())
    assert "iat" not in payload


def test_kid_as_url_or_bare_thumbprint_both_verify(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    data = credential()
    assert part(sign_credential(data, key), 0)["kid"] == public_jwk(key)["kid"]
    assert verify_credential(sign_credential(data, key, jwks_url=JWKS_URL), key_set, now=NOW) == data


def test_rotated_keys_stay_verifiable(key: Ed25519PrivateKey) -> None:
    new_key = generate_signing_key()
    published = jwks(new_key, key)
    data = credential()
    assert verify_credential(sign_credential(data, key), published, now=NOW) == data
    assert verify_credential(sign_credential(data, new_key), published, now=NOW) == data


def test_sign_refuses_a_credential_it_would_reject(key: Ed25519PrivateKey) -> None:
    data = credential()
    data["type"] = ["VerifiableCredential"]
    with pytest.raises(BadgeInvalid, match="OpenBadgeCredential"):
        sign_credential(data, key)


# --- what must be rejected --------------------------------------------------------------------------------------


def test_tampered_payload(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    token = sign_credential(credential(), key)
    header, _payload, signature = token.split(".")
    claims = part(token, 1)
    claims["credentialSubject"]["achievement"]["name"] = "Pilotare un Airbus A320"
    altered = b64url(json.dumps(claims, separators=(",", ":")).encode())
    assert "signature does not match" in rejects(f"{header}.{altered}.{signature}", key_set)


def test_tampered_signature_and_header(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    token = sign_credential(credential(), key)
    header, payload, signature = token.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    assert "signature" in rejects(f"{header}.{payload}.{flipped}", key_set)
    reheadered = b64url(json.dumps({**part(token, 0), "typ": "JWT", "kid": public_jwk(key)["kid"]}).encode())
    assert "signature" in rejects(f"{reheadered}.{payload}.{signature}", key_set)


def test_wrong_key(key: Ed25519PrivateKey) -> None:
    token = sign_credential(credential(), key)
    other = generate_signing_key()
    assert "does not publish" in rejects(token, jwks(other))
    # The other key published under our kid: the lookup succeeds, the embedded jwk and the signature do not match.
    impostor = {"keys": [{**public_jwk(other), "kid": public_jwk(key)["kid"]}]}
    assert "does not match" in rejects(token, impostor)
    without_jwk = forge(claims_for(credential()), key)
    assert "signature does not match" in rejects(without_jwk, impostor)


def test_unknown_kid(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    data = claims_for(credential())
    assert "does not publish" in rejects(forge(data, key, kid="https://evil.example/keys#1"), key_set)
    assert "no key id" in rejects(forge(data, key, kid=None), key_set)
    assert "no key id" in rejects(forge(data, key, kid=""), key_set)


def test_embedded_jwk_is_never_trusted(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    attacker = generate_signing_key()
    data = claims_for(credential())
    # Attacker signs with their key, names our kid and embeds their own public key.
    token = forge(data, attacker, kid=public_jwk(key)["kid"], jwk=public_jwk(attacker))
    assert "does not match" in rejects(token, key_set)
    private = {**public_jwk(key), "d": "AAAA"}
    assert "does not match" in rejects(forge(data, key, jwk=private), key_set)


def test_expired_and_not_yet_valid(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    expired = sign_credential(credential(valid_until=datetime(2025, 5, 1, tzinfo=UTC)), key)
    assert "expired on 2025-05-01T00:00:00Z" in rejects(expired, key_set)
    future = sign_credential(credential(valid_from=NOW + timedelta(hours=1)), key)
    assert "not valid yet" in rejects(future, key_set)
    # Within the leeway for clock skew, both are accepted.
    assert verify_credential(future, key_set, now=NOW + timedelta(minutes=59, seconds=30))
    assert verify_credential(expired, key_set, now=datetime(2025, 4, 30, 23, 59, 30, tzinfo=UTC))
    with pytest.raises(BadgeInvalid, match="expired"):
        verify_credential(expired, key_set, now=datetime(2025, 5, 1, tzinfo=UTC), leeway=timedelta(0))


def test_wrong_issuer(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    token = sign_credential(credential(), key)
    message = rejects(token, key_set, expected_issuer="https://other.example/issuer")
    assert "not by 'https://other.example/issuer'" in message
    data = claims_for(credential())
    assert "iss claim" in rejects(forge({**data, "iss": "https://evil.example"}, key), key_set)


@pytest.mark.parametrize(
    ("claim", "value", "expected"),
    [
        ("jti", "urn:uuid:other", "jti claim"),
        ("sub", "urn:uuid:other", "sub claim"),
        ("nbf", 1, "nbf claim differs"),
        ("nbf", "2025-03-14", "nbf claim is not a valid date"),
        ("nbf", True, "nbf claim is not a valid date"),
        ("nbf", 10**30, "nbf claim is not a valid date"),
        ("nbf", -5, "nbf claim is not a valid date"),
        ("exp", 2000000000, "exp claim but the credential has no validUntil"),
    ],
)
def test_claims_must_agree_with_the_credential(
    key: Ed25519PrivateKey, key_set: dict[str, Any], claim: str, value: Any, expected: str
) -> None:
    data = claims_for(credential())
    assert expected in rejects(forge({**data, claim: value}, key), key_set)


@pytest.mark.parametrize("claim", ["iss", "jti", "sub", "nbf"])
def test_required_claims(key: Ed25519PrivateKey, key_set: dict[str, Any], claim: str) -> None:
    data = claims_for(credential())
    del data[claim]
    assert f"no {claim} claim" in rejects(forge(data, key), key_set)


def test_valid_until_needs_exp(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    data = claims_for(credential(valid_until=datetime(2030, 1, 1, tzinfo=UTC)))
    assert "no exp claim" in rejects(forge(data, key), key_set)


def _mutate(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = claims_for(credential())
    node: Any = data
    for step in path[:-1]:
        node = node[step]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("type",), ["VerifiableCredential"], "OpenBadgeCredential"),
        (("type",), ["OpenBadgeCredential"], "VerifiableCredential"),
        (("type",), _DELETE, "no valid type"),
        (("@context",), [VC2_CONTEXT], "Open Badges 3.0 context"),
        (("@context",), [OB3_CONTEXT, VC2_CONTEXT], "starting with"),
        (("@context",), "https://www.w3.org/ns/credentials/v2", "starting with"),
        (("issuer",), ISSUER, "Profile object"),
        (("issuer", "type"), ["Organization"], "type Profile"),
        (("validFrom",), _DELETE, "validFrom"),
        (("credentialSubject", "type"), ["Person"], "AchievementSubject"),
        (("credentialSubject", "achievement", "type"), ["BadgeClass"], "type Achievement"),
        (("credentialSubject", "achievement"), _DELETE, "no achievement"),
        (("credentialSubject", "achievement", "criteria"), {}, "criteria"),
        (("credentialSubject", "achievement", "alignment", 0, "type"), ["AlignmentObject"], "type Alignment"),
        (("credentialSubject", "achievement", "alignment", 1, "targetUrl"), "esco skill", "targetUrl must be a URI"),
        (("credentialSubject", "achievement", "alignment"), {"type": "Alignment"}, "must be a list"),
        (("evidence", 0, "type"), ["Proof"], "type Evidence"),
    ],
)
def test_open_badges_structure_is_required(
    key: Ed25519PrivateKey, key_set: dict[str, Any], path: tuple[Any, ...], value: Any, expected: str
) -> None:
    assert expected in rejects(forge(_mutate(path, value), key), key_set)


def test_older_contexts_and_the_type_alias_are_accepted(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    data = _mutate(("@context",), [VC2_CONTEXT, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"])
    data["type"] = ["VerifiableCredential", "AchievementCredential"]
    assert verify_credential(forge(data, key), key_set, now=NOW)["type"][1] == "AchievementCredential"


def test_vc_1_1_layout_is_rejected_with_a_reason(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    data = credential()
    wrapped = {"vc": data, "iss": ISSUER, "jti": data["id"], "sub": "urn:uuid:x", "nbf": 1741944413}
    assert "VC 1.1" in rejects(forge(wrapped, key), key_set)


def test_header_rules(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    data = claims_for(credential())
    assert "typ" in rejects(forge(data, key, typ="vc+jwt"), key_set)
    assert "does not allow: ['crit']" in rejects(forge(data, key, crit=["exp"]), key_set)
    # Algorithm confusion: HMAC keyed with the public key bytes must not pass as a signature.
    public_bytes = b64url_decode(public_jwk(key)["x"])
    hs = jwt.api_jws.PyJWS().encode(
        json.dumps(data).encode(), public_bytes, algorithm="HS256", headers={"kid": public_jwk(key)["kid"]}
    )
    assert "algorithm 'HS256'" in rejects(hs, key_set)
    header = b64url(json.dumps({"alg": "none", "kid": public_jwk(key)["kid"]}).encode())
    body = b64url(json.dumps(data).encode())
    assert "compact JWT" in rejects(f"{header}.{body}.", key_set)
    assert "algorithm 'none'" in rejects(f"{header}.{body}.AAAA", key_set)


def test_duplicate_members_are_rejected(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    token = sign_credential(credential(), key)
    header = part(token, 0)
    raw = json.dumps(header)[:-1] + ', "alg": "EdDSA"}'
    forged = b64url(raw.encode()) + "." + token.split(".", 1)[1]
    assert "appears twice" in rejects(forged, key_set)


@pytest.mark.parametrize(
    "token",
    [
        None,
        123,
        b"eyJ.eyJ.sig",
        ["a", "b"],
        "",
        "   ",
        "garbage",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "....",
        "...",
        "é.é.é",
        "\ud800.\udfff.x",
        "eyJhbGciOiJFZERTQSJ9.eyJ9.c2ln",
        "eyJhbGciOiJFZERTQSJ9..c2ln",
        "W10.W10.W10",  # header is a JSON list
        "bnVsbA.bnVsbA.bnVsbA",  # JSON null
        "_w.e30.c2ln",  # header is not UTF-8
        b64url(b"[" * 50_000 + b"]" * 50_000) + ".e30.c2ln",
        b64url(b'{"alg":"EdDSA","kid":"x","typ":"JWT","n":NaN}') + ".e30.c2ln",
        "x" * 300_000,
        "Bearer eyJhbGciOiJFZERTQSJ9.e30.c2ln",
    ],
)
def test_garbage_is_rejected(token: Any, key_set: dict[str, Any]) -> None:
    rejects(token, key_set)


def test_every_truncation_is_rejected(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    token = sign_credential(credential(), key)
    for length in range(len(token)):
        rejects(token[:length], key_set)
    for start in range(1, len(token), 7):
        rejects(token[start:], key_set)
    assert "signature is truncated" in rejects(token[:-2], key_set)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_rejected(text: str) -> None:
    with pytest.raises(BadgeInvalid):
        verify_credential(text, jwks(generate_signing_key()))


@pytest.mark.parametrize(
    "key_set",
    [
        None,
        {},
        {"keys": "x"},
        {"keys": [{"kid": "k"}]},
        {"keys": [{"kid": "k", "kty": "OKP", "crv": "Ed25519", "x": "!"}]},
    ],
)
def test_malformed_key_sets_are_rejected(key: Ed25519PrivateKey, key_set: Any) -> None:
    token = forge(claims_for(credential()), key, kid="k")
    rejects(token, key_set)


# --- keys -------------------------------------------------------------------------------------------------------


def test_thumbprint_matches_rfc_8037_vector() -> None:
    private = Ed25519PrivateKey.from_private_bytes(b64url_decode(RFC8037_D))
    jwk = public_jwk(private)
    assert jwk["x"] == RFC8037_X
    assert jwk["kid"] == RFC8037_THUMBPRINT
    assert public_jwk(Ed25519PublicKey.from_public_bytes(b64url_decode(RFC8037_X)))["kid"] == RFC8037_THUMBPRINT
    # RFC 7638 by hand: SHA-256 over the required members, sorted, without whitespace.
    canonical = f'{{"crv":"Ed25519","kty":"OKP","x":"{RFC8037_X}"}}'.encode()
    assert b64url(hashlib.sha256(canonical).digest()) == RFC8037_THUMBPRINT
    assert jwk_thumbprint({"x": RFC8037_X, "kty": "OKP", "crv": "Ed25519", "kid": "other", "use": "sig"}) == (
        RFC8037_THUMBPRINT
    )


def test_public_jwk_and_jwks(key: Ed25519PrivateKey) -> None:
    jwk = public_jwk(key)
    assert set(jwk) == {"kty", "crv", "x", "kid", "use", "alg"}
    assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == ("OKP", "Ed25519", "sig", "EdDSA")
    assert len(b64url_decode(jwk["x"])) == 32
    assert public_jwk(key) == jwk == public_jwk(key.public_key())  # stable
    assert public_jwk(generate_signing_key())["kid"] != jwk["kid"]
    assert jwks(key) == {"keys": [jwk]}
    assert '"d"' not in json.dumps(jwks(key))


def test_key_file_is_created_once_private_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "badges.pem"
    first = load_or_create_signing_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_bytes()
    assert content.startswith(b"-----BEGIN PRIVATE KEY-----")
    second = load_or_create_signing_key(path)
    assert path.read_bytes() == content
    assert public_jwk(second) == public_jwk(first)
    assert sorted(item.name for item in path.parent.iterdir()) == ["badges.pem"]  # no temporary left behind
    # What the reloaded key signs, the original key set verifies.
    data = credential()
    assert verify_credential(sign_credential(data, second), jwks(first), now=NOW) == data


def test_key_file_created_by_racing_callers_is_one_key(tmp_path: Path) -> None:
    path = tmp_path / "badges.pem"
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(lambda _: load_or_create_signing_key(path), range(16)))
    assert len({public_jwk(item)["kid"] for item in keys}) == 1
    assert public_jwk(load_or_create_signing_key(path)) == public_jwk(keys[0])
    assert [item.name for item in tmp_path.iterdir()] == ["badges.pem"]


def test_key_file_that_is_not_an_ed25519_key(tmp_path: Path) -> None:
    path = tmp_path / "badges.pem"
    path.write_text("not a key")
    with pytest.raises(ValueError, match="PEM private key"):
        load_or_create_signing_key(path)
    assert path.read_text() == "not a key"  # never overwritten


def test_badge_invalid_is_a_value_error() -> None:
    assert issubclass(BadgeInvalid, ValueError)


def test_naive_now_is_a_programming_error(key: Ed25519PrivateKey, key_set: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_credential(sign_credential(credential(), key), key_set, now=datetime(2025, 6, 1))
