"""The platform's own LTI endpoints that lti-consumer-xblock leaves to its host: the OIDC authentication endpoint
and the front of the OAuth2 token endpoint.

Every LTI decision is lti_consumer's: the launch data travels through its cache (``lti_message_hint``), is checked
by ``validate_lti_1p3_launch_data``, the consumer comes from ``LtiConfiguration.get_lti_consumer()`` (which sets
up AGS, deep linking and NRPS), the authentication request is checked and the id_token built and signed by
``LtiAdvantageConsumer.generate_launch_request``, and the answer is lti_consumer's own auto-submitting form
template. The token endpoint is lti_consumer's ``access_token_endpoint``.

What this module adds is what an Open edX host does around those calls (the LMS's launch view is tied to its
users and blocks) and, for tools registered with ``strict`` (the default), the checks the OIDC and LTI security
specifications require of a platform that lti_consumer does not make (see ``oidc_problems`` and
``client_assertion_problems``). A strict refusal always says ``strict peer check`` so that it cannot be taken for
lti_consumer's.
"""

from __future__ import annotations

import functools
import logging
import time
import urllib.parse

import jwt
from attrs import define, field
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from lti_consumer.api import validate_lti_1p3_launch_data
from lti_consumer.data import Lti1p3LaunchData
from lti_consumer.lti_1p3.exceptions import Lti1p3Exception
from lti_consumer.models import LtiConfiguration
from lti_consumer.plugin.views import access_token_endpoint
from lti_consumer.utils import get_data_from_cache

log = logging.getLogger(__name__)

ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Role URIs that make lti_consumer treat the user as course staff (it lets only "instructor" and "staff" deep link).
STAFF_ROLE_FRAGMENTS = ("#Instructor", "#Administrator", "#ContentDeveloper", "#Mentor", "#Faculty")


@define
class PeerLaunchData(Lti1p3LaunchData):
    """lti_consumer's launch data plus what the control API lets a test choose that its fields cannot carry.

    ``user_role`` stays one of lti_consumer's role names (``role_name_for``); ``roles`` is the exact list of role
    URIs put in the id_token's roles claim.
    """

    roles: tuple = field(default=())
    target_link_uri: str | None = field(default=None)
    deep_link_return_url: str | None = field(default=None)
    deep_linking_data: object = field(default=None)


def role_name_for(roles: list[str]) -> str:
    """lti_consumer's role name closest to these LTI role URIs: "instructor" for staff-like roles, else "student"."""
    if any(uri.endswith(fragment) for uri in roles for fragment in STAFF_ROLE_FRAGMENTS):
        return "instructor"
    return "student"


def peer_options(config: LtiConfiguration) -> dict:
    """What the control API stored with the tool (``strict`` etc.), kept in the configuration's own JSON field."""
    return dict((config.lti_config or {}).get("peer", {}))


def update_peer_options(config: LtiConfiguration, **values: object) -> None:
    lti_config = dict(config.lti_config or {})
    lti_config["peer"] = {**lti_config.get("peer", {}), **values}
    LtiConfiguration.objects.filter(pk=config.pk).update(lti_config=lti_config)
    config.lti_config = lti_config


def consumer_for_launch(config: LtiConfiguration, launch_data: PeerLaunchData):
    """``config.get_lti_consumer()`` with the targets a test chose for this launch (login initiation and id_token)."""
    consumer = config.get_lti_consumer()
    if launch_data.target_link_uri:
        if launch_data.message_type == DEEP_LINKING_REQUEST and consumer.dl:
            consumer.dl.deep_linking_launch_url = launch_data.target_link_uri
        else:
            consumer.set_dl_content_launch_parameters(url=launch_data.target_link_uri)
    return consumer


# -- OIDC authentication endpoint -----------------------------------------------------------------------------


@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def oidc_auth(request: HttpRequest) -> HttpResponse:
    """Receive the tool's authentication request; answer lti_consumer's auto-submitting form (id_token, state).

    The steps are those of lti_consumer's ``launch_gate_endpoint`` (which needs the LMS's users and blocks).
    """
    params = request.GET if request.method == "GET" else request.POST
    lti_message_hint = params.get("lti_message_hint")
    if not lti_message_hint:
        return _launch_error(request, "The lti_message_hint is missing or empty.")
    if not params.get("login_hint"):
        return _launch_error(request, "The login_hint is missing or empty.")
    launch_data = get_data_from_cache(lti_message_hint)
    if not isinstance(launch_data, PeerLaunchData):
        return _launch_error(request, f"No login initiation is known for the lti_message_hint {lti_message_hint!r}.")
    is_valid, messages = validate_lti_1p3_launch_data(launch_data)
    if not is_valid:
        return _launch_error(request, "The Lti1p3LaunchData is not valid. " + " ".join(messages))
    try:
        config = LtiConfiguration.objects.get(config_id=launch_data.config_id)
    except (LtiConfiguration.DoesNotExist, ValidationError):
        return _launch_error(request, f"Unknown LTI configuration {launch_data.config_id}.", status=404)

    if peer_options(config).get("strict", True):
        problems = oidc_problems(params, launch_data)
        if problems:
            return _launch_error(request, "strict peer check: " + "; ".join(problems))

    try:
        consumer = consumer_for_launch(config, launch_data)
        _set_launch_claims(consumer, launch_data)
        if launch_data.message_type == DEEP_LINKING_REQUEST and consumer.dl:
            if launch_data.user_role not in ("instructor", "staff"):
                # lti_consumer's launch view refuses the same way.
                return _launch_error(request, "Deep Linking can only be performed by instructors and staff.", 403)
            _set_deep_linking_options(consumer, launch_data)
            update_peer_options(config, deep_linking_data=launch_data.deep_linking_data)
        launch_request = consumer.generate_launch_request(preflight_response=params.dict())
    except Lti1p3Exception as error:
        return _launch_error(request, f"Error preparing LTI 1.3 launch: {type(error).__name__} {error}")
    log.info(
        "id_token issued for config %s, user %s, %s", config.config_id, launch_data.user_id, launch_data.message_type
    )
    return render(
        request,
        "html/lti_1p3_launch.html",
        {"launch_url": params.get("redirect_uri"), "launch_request": launch_request},
    )


def oidc_problems(params, launch_data: PeerLaunchData) -> list[str]:
    """What OIDC Core 3.1.2.1 and LTI 1.3 5.1.1.2 require of the authentication request that lti_consumer does not
    check (it checks nonce and state are present, redirect_uri is registered and client_id is the tool's)."""
    expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none"}
    problems = [
        f"{name} must be {value!r}, not {params.get(name)!r}"
        for name, value in expected.items()
        if params.get(name) != value
    ]
    sent_login_hint = launch_data.external_user_id or launch_data.user_id
    if params.get("login_hint") != str(sent_login_hint):
        problems.append(f"login_hint {params.get('login_hint')!r} is not the one the platform sent")
    return problems


def _set_launch_claims(consumer, launch_data: PeerLaunchData) -> None:
    """The claims lti_consumer's launch view sets, in its order; then the exact role URIs the test asked for."""
    consumer.set_user_data(
        user_id=launch_data.external_user_id or launch_data.user_id,
        role=launch_data.user_role,
        full_name=launch_data.name,
        email_address=launch_data.email,
        preferred_username=launch_data.preferred_username,
    )
    if launch_data.roles:
        consumer.lti_claim_user_data[ROLES_CLAIM] = list(launch_data.roles)
    consumer.set_resource_link_claim(launch_data.resource_link_id)
    consumer.set_launch_presentation_claim(
        document_target=launch_data.launch_presentation_document_target,
        return_url=launch_data.launch_presentation_return_url,
    )
    consumer.set_context_claim(launch_data.context_id, None, launch_data.context_title, launch_data.context_label)
    if launch_data.custom_parameters:
        consumer.set_custom_parameters(launch_data.custom_parameters)


def _set_deep_linking_options(consumer, launch_data: PeerLaunchData) -> None:
    if launch_data.deep_link_return_url:
        consumer.dl.deep_linking_return_url = launch_data.deep_link_return_url
    if launch_data.deep_linking_data is not None:
        # generate_launch_request asks LtiDeepLinking for its claim without arguments; its extra_data argument is
        # how lti_consumer puts the opaque "data" in the deep_linking_settings claim.
        consumer.dl.get_lti_deep_linking_launch_claim = functools.partial(
            consumer.dl.get_lti_deep_linking_launch_claim, extra_data=launch_data.deep_linking_data
        )


def _launch_error(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    log.warning("launch refused: %s", message)
    return render(request, "html/lti_launch_error.html", {"error_msg": message}, status=status)


# -- OAuth2 token endpoint ------------------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["POST"])
def token(request: HttpRequest, config_id) -> HttpResponse:
    """lti_consumer's ``access_token_endpoint`` for the tool's passport, after the strict checks for a strict tool."""
    try:
        config = LtiConfiguration.objects.select_related("lti_1p3_passport").get(config_id=config_id)
    except LtiConfiguration.DoesNotExist:
        return JsonResponse({"error": "invalid_client", "error_description": "unknown configuration"}, status=404)
    if peer_options(config).get("strict", True):
        form = dict(urllib.parse.parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        problems = client_assertion_problems(form, config, request.build_absolute_uri(request.path))
        if problems:
            log.warning("token request refused: %s", "; ".join(problems))
            return JsonResponse(
                {"error": "invalid_client", "error_description": "strict peer check: " + "; ".join(problems)},
                status=400,
            )
    return access_token_endpoint(request, passport_id=config.lti_1p3_passport.passport_id)


def client_assertion_problems(form: dict, config: LtiConfiguration, token_url: str) -> list[str]:
    """What the 1EdTech Security Framework (4.1) requires of the client-credentials request that lti_consumer does
    not check: it checks the four form fields are there, grant_type, and the assertion's signature (and exp only
    when present). ``iat`` is not required here; a reused ``jti`` is refused for as long as the token lives."""
    if form.get("client_assertion_type") != JWT_BEARER:
        return [f"client_assertion_type must be {JWT_BEARER!r}"]
    assertion = form.get("client_assertion")
    if not assertion:
        return []  # lti_consumer answers invalid_request itself
    try:
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.InvalidTokenError as error:
        return [f"client_assertion is not a JWT: {error}"]
    problems = []
    client_id = config.lti_1p3_client_id
    for name in ("iss", "sub"):
        if claims.get(name) != client_id:
            problems.append(f"{name} must be the client_id {client_id!r}, not {claims.get(name)!r}")
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else list(audiences or [])
    if token_url not in audiences:
        problems.append(f"aud must be the token URL {token_url!r}, not {claims.get('aud')!r}")
    now = time.time()
    if not isinstance(claims.get("exp"), int | float):
        problems.append("exp is missing")
    elif claims["exp"] <= now:
        problems.append("exp is in the past")
    if isinstance(claims.get("iat"), int | float) and claims["iat"] > now + 60:
        problems.append("iat is in the future")
    jti = claims.get("jti")
    if not jti:
        problems.append("jti is missing")
    elif not problems and not cache.add(f"peer-jti:{client_id}:{jti}", 1, timeout=3600):
        problems.append(f"jti {jti!r} was already used")
    return problems
