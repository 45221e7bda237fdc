"""The JSON control API through which tests drive the platform (register a tool, start launches, read results).

It is not part of any LTI flow, is unauthenticated, and is served on 127.0.0.1 only. Each view creates or reads
lti_consumer's own models; the deep-linking check is lti_consumer's ``check_and_decode_deep_linking_token`` plus
its content-item serializers, exactly what its ``deep_linking_response_endpoint`` runs.
"""

from __future__ import annotations

import json
import time
import uuid
from importlib.metadata import version
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import jwt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from lti_consumer.lti_1p3.extensions.rest_framework.constants import LTI_DL_CONTENT_TYPE_SERIALIZER_MAP
from lti_consumer.lti_1p3.extensions.rest_framework.serializers import (
    LtiAgsLineItemSerializer,
    LtiAgsScoreSerializer,
)
from lti_consumer.models import Lti1p3Passport, LtiAgsLineItem, LtiConfiguration, LtiDlContentItem
from lti_consumer.utils import (
    get_lti_ags_lineitems_url,
    get_lti_deeplinking_response_url,
    get_lti_nrps_context_membership_url,
)
from lti_platform_server.endpoints import (
    DEEP_LINKING_REQUEST,
    RESOURCE_LINK_REQUEST,
    PeerLaunchData,
    consumer_for_launch,
    peer_options,
    role_name_for,
)
from opaque_keys.edx.keys import UsageKey
from rest_framework.exceptions import ValidationError as SerializerValidationError

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
COURSE_KEY = "course-v1:Tosca+LtiPeer+2025"


class BadRequest(Exception):
    """The control request is malformed; its message goes back to the test as {"error": ...} with status 400."""


def control_view(methods):
    """A JSON view: body parsed into ``payload`` for POST, BadRequest and unknown configs answered as errors."""

    def decorate(view):
        guard = require_POST if methods == "POST" else require_GET

        @csrf_exempt
        @guard
        def wrapper(request: HttpRequest) -> JsonResponse:
            try:
                if request.method == "POST":
                    try:
                        payload = json.loads(request.body or b"{}")
                    except ValueError as error:
                        raise BadRequest(f"the body is not JSON: {error}") from error
                    if not isinstance(payload, dict):
                        raise BadRequest("the body must be a JSON object")
                else:
                    payload = request.GET.dict()
                return view(request, payload)
            except BadRequest as error:
                return JsonResponse({"error": str(error)}, status=400)
            except LtiConfiguration.DoesNotExist:
                return JsonResponse({"error": f"unknown config_id {payload.get('config_id')!r}"}, status=404)

        return wrapper

    return decorate


@control_view("GET")
def health(request: HttpRequest, payload: dict) -> JsonResponse:
    return JsonResponse({"ok": True, "lti_consumer": version("lti-consumer-xblock"), "issuer": settings.LTI_API_BASE})


@control_view("POST")
def create_tool(request: HttpRequest, payload: dict) -> JsonResponse:
    """Register a tool: one lti_consumer passport (its keys, client_id) and one configuration stored in the database.

    Body: login_url, launch_url, keyset_url (or tool_public_key, a PEM), optional deep_link_url, redirect_uris
    (default: launch_url and deep_link_url, lti_consumer's default), strict (default true), nrps (default true).
    AGS runs in lti_consumer's "programmatic" mode (the tool may manage line items) with one line item made here.
    """
    for name in ("login_url", "launch_url"):
        _require_url(payload, name)
    if not payload.get("keyset_url") and not payload.get("tool_public_key"):
        raise BadRequest("keyset_url (or tool_public_key) is required")
    if payload.get("keyset_url"):
        _require_url(payload, "keyset_url")
    deep_link_url = payload.get("deep_link_url") or ""
    redirect_uris = payload.get("redirect_uris") or []
    if not isinstance(redirect_uris, list):
        raise BadRequest("redirect_uris must be a list of URLs")
    block_id = uuid.uuid4().hex
    with transaction.atomic():
        passport = Lti1p3Passport.objects.create(
            name=f"tool {block_id}",
            lti_1p3_tool_keyset_url=payload.get("keyset_url") or "",
            lti_1p3_tool_public_key=payload.get("tool_public_key") or "",
        )
        config = LtiConfiguration.objects.create(
            version=LtiConfiguration.LTI_1P3,
            config_store=LtiConfiguration.CONFIG_ON_DB,
            # lti_consumer ties a configuration to one block: its deep-linking view needs a course key from it.
            location=UsageKey.from_string(f"block-v1:{COURSE_KEY[10:]}+type@lti_consumer+block@{block_id}"),
            lti_1p3_passport=passport,
            lti_1p3_oidc_url=payload["login_url"],
            lti_1p3_launch_url=payload["launch_url"],
            lti_1p3_redirect_uris=redirect_uris,
            lti_advantage_deep_linking_enabled=bool(deep_link_url),
            lti_advantage_deep_linking_launch_url=deep_link_url,
            lti_advantage_ags_mode=LtiConfiguration.LTI_ADVANTAGE_AGS_PROGRAMMATIC,
            lti_advantage_enable_nrps=bool(payload.get("nrps", True)),
            lti_config={"peer": {"strict": bool(payload.get("strict", True))}},
        )
        line_item = LtiAgsLineItem.objects.create(
            lti_configuration=config,
            resource_id=payload.get("resource_id") or "tosca-module",
            resource_link_id=config.location,
            label=payload.get("line_item_label") or "Tosca module",
            score_maximum=int(payload.get("score_maximum") or 100),
        )
        passport.lti_1p3_public_jwk  # noqa: B018 - the property generates the platform's RSA key pair
    return JsonResponse(_registration(request, config, line_item), status=201)


@control_view("POST")
def start_launch(request: HttpRequest, payload: dict) -> JsonResponse:
    """The third-party login initiation the platform sends to the tool, as {method, url, params}.

    Body: config_id, user_id, roles (role URIs), resource_link_id, message_type, and optional custom,
    target_link_uri, deep_link_return_url, data, name, email, preferred_username, context_id, context_title,
    context_label, return_url (launch_presentation return_url).
    """
    config = _config(payload)
    user_id = str(payload.get("user_id") or "")
    if not user_id:
        raise BadRequest("user_id is required")
    roles = payload.get("roles", [LEARNER])
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise BadRequest("roles must be a list of role URIs")
    message_type = payload.get("message_type", RESOURCE_LINK_REQUEST)
    if message_type not in (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST):
        raise BadRequest(f"message_type must be {RESOURCE_LINK_REQUEST} or {DEEP_LINKING_REQUEST}")
    if message_type == DEEP_LINKING_REQUEST and not config.lti_advantage_deep_linking_enabled:
        # lti_consumer would quietly send an LtiResourceLinkRequest instead.
        raise BadRequest("this tool was registered without deep_link_url, so it cannot be sent a deep-linking request")
    custom = payload.get("custom") or {}
    if not isinstance(custom, dict):
        raise BadRequest("custom must be an object")
    launch_data = PeerLaunchData(
        user_id=user_id,
        user_role=role_name_for(roles),
        config_id=config.config_id,
        resource_link_id=str(payload.get("resource_link_id") or config.location),
        name=payload.get("name"),
        email=payload.get("email"),
        preferred_username=payload.get("preferred_username"),
        launch_presentation_document_target="iframe",
        launch_presentation_return_url=payload.get("return_url"),
        message_type=message_type,
        context_id=payload.get("context_id") or COURSE_KEY,
        context_title=payload.get("context_title") or "Tosca LTI peer course",
        context_label=payload.get("context_label") or "TOSCA-PEER",
        custom_parameters={str(key): str(value) for key, value in custom.items()},
        roles=tuple(roles),
        target_link_uri=payload.get("target_link_uri"),
        deep_link_return_url=payload.get("deep_link_return_url"),
        deep_linking_data=payload.get("data"),
    )
    consumer = consumer_for_launch(config, launch_data)
    login_url = consumer.prepare_preflight_url(launch_data)
    parts = urlsplit(login_url)
    return JsonResponse(
        {
            "method": "GET",
            "url": urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
            "params": dict(parse_qsl(parts.query, keep_blank_values=True)),
        }
    )


@control_view("POST")
def check_deep_link_response(request: HttpRequest, payload: dict) -> JsonResponse:
    """Run lti_consumer's deep-linking response checks on {config_id, jwt}; store the items as its view does.

    Answers {ok, content_items, lti_consumer_ok, spec_problems[, error]}: ``lti_consumer_ok`` is lti_consumer's
    verdict alone, ``spec_problems`` what LTI-DL 2.0 requires that it does not check. ``ok`` is lti_consumer's
    verdict, and for a strict tool also no spec problem.
    """
    config = _config(payload)
    token = payload.get("jwt")
    if not token:
        raise BadRequest("jwt is required")
    consumer = config.get_lti_consumer()
    try:
        content_items = consumer.check_and_decode_deep_linking_token(token)
        validated = _validated_content_items(content_items)
    except Exception as error:  # lti_consumer raises its own, PyJWT's and DRF's exceptions here
        return JsonResponse(
            {
                "ok": False,
                "lti_consumer_ok": False,
                "error": f"{type(error).__name__}: {error}",
                "content_items": [],
                "spec_problems": [],
            }
        )
    with transaction.atomic():
        LtiDlContentItem.objects.filter(lti_configuration=config).delete()
        for content_type, attributes in validated:
            LtiDlContentItem.objects.create(lti_configuration=config, content_type=content_type, attributes=attributes)
    problems = deep_link_response_problems(token, config, consumer)
    strict = peer_options(config).get("strict", True)
    body = {
        "ok": not (strict and problems),
        "lti_consumer_ok": True,
        "content_items": content_items,
        "spec_problems": problems,
    }
    if strict and problems:
        body["error"] = "strict peer check: " + "; ".join(problems)
    return JsonResponse(body)


@control_view("GET")
def results(request: HttpRequest, payload: dict) -> JsonResponse:
    """The tool's line items (lti_consumer's serializer shape) each with its stored scores."""
    config = _config(payload)
    line_items = []
    for line_item in LtiAgsLineItem.objects.filter(lti_configuration=config).order_by("pk"):
        data = dict(LtiAgsLineItemSerializer(line_item, context={"request": request}).data)
        data["scores"] = [dict(LtiAgsScoreSerializer(score).data) for score in line_item.scores.order_by("pk")]
        line_items.append(data)
    return JsonResponse({"config_id": str(config.config_id), "line_items": line_items})


@control_view("GET")
def content_items(request: HttpRequest, payload: dict) -> JsonResponse:
    """The deep-linking content items the platform saved for the tool (from either deep-linking response path)."""
    config = _config(payload)
    items = LtiDlContentItem.objects.filter(lti_configuration=config).order_by("pk")
    return JsonResponse({"content_items": [{"type": item.content_type, **dict(item.attributes)} for item in items]})


def deep_link_response_problems(token: str, config: LtiConfiguration, consumer) -> list[str]:
    """LTI-DL 2.0 4.2 and the 1EdTech Security Framework 5.1.3 ask of the response what lti_consumer ignores:
    it checks only the signature (and exp when present), the message type and the content item types."""
    claims = jwt.decode(token, options={"verify_signature": False})
    problems = []
    if claims.get("iss") != config.lti_1p3_client_id:
        problems.append(f"iss must be the client_id {config.lti_1p3_client_id!r}, not {claims.get('iss')!r}")
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else list(audiences or [])
    if consumer.iss not in audiences:
        problems.append(f"aud must be the platform issuer {consumer.iss!r}, not {claims.get('aud')!r}")
    for name in ("exp", "iat", "nonce"):
        if name not in claims:
            problems.append(f"{name} is missing")
    if isinstance(claims.get("exp"), int | float) and claims["exp"] <= time.time():
        problems.append("exp is in the past")
    deployment_id = claims.get("https://purl.imsglobal.org/spec/lti/claim/deployment_id")
    if deployment_id != consumer.deployment_id:
        problems.append(f"deployment_id must be {consumer.deployment_id!r}, not {deployment_id!r}")
    lti_version = claims.get("https://purl.imsglobal.org/spec/lti/claim/version")
    if lti_version != "1.3.0":
        problems.append(f"version must be '1.3.0', not {lti_version!r}")
    sent_data = peer_options(config).get("deep_linking_data")
    returned_data = claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/data")
    if sent_data is not None and returned_data != sent_data:
        problems.append(f"data must echo the request's {sent_data!r}, not {returned_data!r}")
    return problems


def _validated_content_items(content_items: list[dict]) -> list[tuple[str, dict]]:
    validated = []
    for item in content_items:
        serializer = LTI_DL_CONTENT_TYPE_SERIALIZER_MAP[item["type"]](data=item)
        if not serializer.is_valid():
            raise SerializerValidationError({item["type"]: serializer.errors})
        validated.append((item["type"], json.loads(json.dumps(serializer.validated_data, default=str))))
    return validated


def _registration(request: HttpRequest, config: LtiConfiguration, line_item: LtiAgsLineItem) -> dict:
    base = settings.LTI_API_BASE
    passport = config.lti_1p3_passport
    return {
        "config_id": str(config.config_id),
        "issuer": base,
        "client_id": passport.lti_1p3_client_id,
        "deployment_id": config.get_lti_consumer().deployment_id,
        "auth_url": base + reverse("peer-oidc-auth"),
        "token_url": base + reverse("peer-token", kwargs={"config_id": config.config_id}),
        "keyset_url": base
        + reverse("lti_consumer:lti_consumer.public_keyset_endpoint", kwargs={"passport_id": passport.passport_id}),
        "lineitems_url": get_lti_ags_lineitems_url(config.id),
        "lineitem_url": get_lti_ags_lineitems_url(config.id, line_item.id),
        "memberships_url": get_lti_nrps_context_membership_url(config.id),
        "deep_link_return_url": get_lti_deeplinking_response_url(config.id),
        "strict": peer_options(config).get("strict", True),
    }


def _config(payload: dict) -> LtiConfiguration:
    config_id = payload.get("config_id")
    if not config_id:
        raise BadRequest("config_id is required")
    try:
        return LtiConfiguration.objects.select_related("lti_1p3_passport").get(config_id=config_id)
    except ValidationError as error:
        raise LtiConfiguration.DoesNotExist from error


def _require_url(payload: dict, name: str) -> None:
    value = payload.get(name)
    if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
        raise BadRequest(f"{name} must be an http(s) URL, not {value!r}")
