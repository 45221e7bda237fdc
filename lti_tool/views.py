"""The tool's pages: OIDC login and launch (csrf-exempt: platforms post them from their own origin), the
module page inside the platform's frame, the deep-linking picker, the course roster, our JWKS and the tool
configuration page. Every refusal is a 4xx page that says why, and a log line."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lti_tool import deep_linking, keys, learners, oidc, services, tool_config
from lti_tool.data import CLAIM, DEEP_LINKING_REQUEST, RESOURCE_LINK_REQUEST, Launch
from lti_tool.models import Deployment, Placement, Registration
from lti_tool.scores import competence_tag
from lti_tool.validation import LaunchRefused, unverified_claims, validate_id_token
from repertory import api as repertory
from xblocks.runtime import api as runtime

log = logging.getLogger(__name__)
DEEP_LINK_SESSION = "lti.deep_link."
TEACHING_SESSION = "lti.teaching"


def refused(request: HttpRequest, error: LaunchRefused) -> HttpResponse:
    log.warning(
        "LTI refused (%s): %s [from %s]", error.reason, error.detail or error.message, request.META.get("REMOTE_ADDR")
    )
    response = render(
        request, "lti_tool/refused.html", {"message": error.message, "reason": error.reason}, status=error.status
    )
    return _frameable(response)


# -- login and launch ---------------------------------------------------------------------------------------


@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def login_initiation(request: HttpRequest, registration_uuid: str | None = None) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    try:
        started = oidc.start_login(request, params, registration_uuid=registration_uuid)
    except LaunchRefused as error:
        return refused(request, error)
    if started.parsed.storage_target:
        # The platform keeps our state in its own frame: we cannot rely on cookies in its frame.
        response = render(
            request,
            "lti_tool/storage_put.html",
            {
                "auth_url": started.auth_url,
                "storage": {
                    "auth_url": started.auth_url,
                    "target": started.parsed.storage_target,
                    "origin": _origin(started.registration.auth_login_url),
                    "key": started.parsed.storage_key,
                    "value": started.secret,
                },
            },
        )
    else:
        response = HttpResponseRedirect(started.auth_url)
    oidc.bind_cookie(response, request, started)
    if secrets.randbelow(100) == 0:
        oidc.forget_expired_nonces()
    return _frameable(response)


@csrf_exempt
@xframe_options_exempt
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    if request.POST.get("error"):
        return refused(
            request,
            LaunchRefused(
                "platform_error",
                _("The platform could not sign you in: %(reason)s")
                % {"reason": (request.POST.get("error_description") or request.POST["error"])[:300]},
                status=403,
            ),
        )
    try:
        state = oidc.read_state(request.POST.get("state", ""))
        token = request.POST.get("id_token", "")
        registration, deployment = _registration_of(state, token)
        answer = _check_browser(request, state, registration)
        if answer is not None:
            return answer
        checked = validate_id_token(
            token,
            registration,
            nonce=state.nonce,
            is_our_url=functools.partial(oidc.is_our_launch_url, request),
            deployment=deployment,
        )
        if checked.message_type == RESOURCE_LINK_REQUEST:
            response = _resource_link(request, checked, state.nonce, registration)
        elif checked.message_type == DEEP_LINKING_REQUEST:
            response = _deep_linking_request(request, checked, state.nonce, registration)
        else:  # validation admits no other message type
            raise LaunchRefused("message_type", _("Tosca does not handle this kind of LTI message."))
    except LaunchRefused as error:
        return refused(request, error)
    oidc.clear_cookie(response, state)
    return _frameable(response, request)


def _registration_of(state: oidc.LoginState, token: str) -> tuple[Registration, Deployment | None]:
    """The registration the login named and, in the same query, the deployment the token names (checked again
    once the token is verified)."""
    try:
        deployment_id = unverified_claims(token).get(CLAIM + "deployment_id")
    except LaunchRefused:
        deployment_id = None
    if isinstance(deployment_id, str) and deployment_id:
        deployment = (
            Deployment.objects.select_related("registration")
            .filter(registration_id=state.registration_id, registration__active=True, deployment_id=deployment_id)
            .first()
        )
        if deployment is not None:
            return deployment.registration, deployment
    registration = Registration.objects.filter(pk=state.registration_id, active=True).first()
    if registration is None:
        raise LaunchRefused("registration", _("This platform's registration with Tosca is switched off."), status=403)
    return registration, None


def _check_browser(request: HttpRequest, state: oidc.LoginState, registration: Registration) -> HttpResponse | None:
    """None when this browser started the login; else the platform-storage check, or the new-window page."""
    if state.bound_by(request.COOKIES.get(state.cookie_name)):
        return None
    stored = request.POST.get("lti_storage_value")
    if stored is not None:
        if state.bound_by(stored):
            return None
        raise LaunchRefused("state", _("The launch was not started in this browser."), status=403)
    if state.storage_target and not request.POST.get("lti_storage_tried"):
        return _frameable(
            render(
                request,
                "lti_tool/storage_get.html",
                {
                    "id_token": request.POST.get("id_token", ""),
                    "state": request.POST.get("state", ""),
                    "storage": {
                        "target": state.storage_target,
                        "origin": _origin(registration.auth_login_url),
                        "key": state.storage_key,
                    },
                },
            )
        )
    log.warning("LTI launch without its state cookie (browser blocked it, or a forged launch)")
    return _frameable(
        render(
            request,
            "lti_tool/new_window.html",
            {
                "login_url": request.build_absolute_uri(reverse("lti:login")),
                "params": state.relaunch_params(registration),
            },
            status=403,
        )
    )


def _consume(nonce: str) -> None:
    if not oidc.consume_nonce(nonce):
        raise LaunchRefused("nonce", _("This launch was used already: start it again from your course."), status=403)


def _resource_link(request: HttpRequest, checked: Launch, nonce: str, registration: Registration) -> HttpResponse:
    module = checked.custom.get("module") if isinstance(checked.custom.get("module"), str) else ""
    try:
        course_key, _name = _module_parts(module)
    except ValueError:
        course_key = ""
    if not course_key or not runtime.has_module(module):
        raise LaunchRefused(
            "module",
            _("This link does not name a Tosca module that exists: the course designer should place it again."),
            status=404,
            detail=f"module {module[:300]!r}",
        )
    with transaction.atomic():
        _consume(nonce)
        known = learners.returning(checked)
        learner, placement = known if known else (learners.learner_for(checked), None)
        if known and checked.name and learner.name != checked.name:
            learner = learners.learner_for(checked)  # keeps the name the platform sends now
        placement_id, new_link = learners.place(learner, checked, module, placement)
        if new_link:
            runtime.enroll(learner.user, course_key)
    _sign_in(request, learner, checked, registration)
    if checked.teaches:
        request.session[TEACHING_SESSION] = sorted({*request.session.get(TEACHING_SESSION, []), placement_id})
    return HttpResponseRedirect(reverse("lti:module", args=[placement_id]), status=303)


def _deep_linking_request(
    request: HttpRequest, checked: Launch, nonce: str, registration: Registration
) -> HttpResponse:
    if not checked.teaches:
        raise LaunchRefused(
            "roles", _("Only the course's teachers and designers can choose Tosca modules for it."), status=403
        )
    if checked.deep_link_accept_types and deep_linking.RESOURCE_LINK not in checked.deep_link_accept_types:
        raise LaunchRefused("deep_linking", _("The platform does not accept the links to modules that Tosca gives."))
    with transaction.atomic():
        _consume(nonce)
        learner = learners.learner_for(checked)
    _sign_in(request, learner, checked, registration)
    token = secrets.token_urlsafe(16)
    request.session[DEEP_LINK_SESSION + token] = {
        "registration": checked.registration_id,
        "deployment_id": checked.deployment_id,
        "return_url": checked.deep_link_return_url,
        "data": checked.deep_link_data,
        "multiple": checked.deep_link_accept_multiple,
        "context": checked.context_title,
    }
    return HttpResponseRedirect(reverse("lti:deep-link", args=[token]), status=303)


def _sign_in(request: HttpRequest, learner, checked: Launch, registration: Registration) -> None:
    login(request, learner.user, backend=settings.AUTHENTICATION_BACKENDS[0])
    request.session[runtime.USER_ATTRS_SESSION_KEY] = {
        "tosca.platform": checked.issuer,
        "tosca.learner": learner.user.get_username(),
    }
    request.session["lti.frame_origins"] = sorted({_origin(checked.issuer), _origin(registration.auth_login_url)})
    if checked.locale:
        try:
            language = translation.get_supported_language_variant(checked.locale.replace("_", "-").split("-")[0])
        except LookupError:  # a language Tosca has no translation for: the browser's choice stays
            language = None
        request.session["lti.language"] = language


def _module_parts(usage_id: str) -> tuple[str, str]:
    from xblocks.runtime.keys import InvalidKey, parse_usage

    try:
        course, block_type, name = parse_usage(usage_id)
    except InvalidKey:
        raise ValueError(usage_id) from None
    if block_type != "tosca_module":
        raise ValueError(usage_id)
    return str(course), name


# -- the module inside the platform -------------------------------------------------------------------------


@xframe_options_exempt
@require_safe
def module(request: HttpRequest, placement_id: int) -> HttpResponse:
    placement = (
        Placement.objects.select_related("learner__user", "deployment__registration").filter(pk=placement_id).first()
    )
    if placement is None or not request.user.is_authenticated or placement.learner.user_id != request.user.pk:
        return refused(
            request,
            LaunchRefused(
                "session", _("Open this module again from your course: your session here has ended."), status=403
            ),
        )
    course_key, name = _module_parts(placement.module)
    with _language(request):
        try:
            info = runtime.course_info(course_key, request.user)
            current = next(item for item in info.modules if item.name == name)
            rendered = runtime.render_module(
                course_key, name, request.user, user_attrs=request.session.get(runtime.USER_ATTRS_SESSION_KEY)
            )
        except (runtime.CourseNotFound, StopIteration):
            return refused(
                request,
                LaunchRefused("module", _("This module is no longer published in Tosca."), status=404),
            )
        response = render(
            request,
            "lti_tool/module.html",
            {
                "course": info,
                "module": current,
                "rendered": rendered,
                "placement": placement,
                "teaches": placement.pk in request.session.get(TEACHING_SESSION, []),
            },
        )
    return _frameable(response, request)


# -- deep linking -------------------------------------------------------------------------------------------


@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def deep_link(request: HttpRequest, token: str) -> HttpResponse:
    request_info = request.session.get(DEEP_LINK_SESSION + token)
    if request_info is None or not request.user.is_authenticated:
        return refused(
            request,
            LaunchRefused(
                "deep_link_used",
                _("This choice of modules was sent already, or has expired: open the tool again from your course."),
                status=400,
            ),
        )
    with _language(request):
        if request.method == "POST":
            return _frameable(_send_choice(request, token, request_info), request)
        response = render(request, "lti_tool/picker.html", _picker_context(request, request_info))
    return _frameable(response, request)


def _picker_context(request: HttpRequest, request_info: dict) -> dict:
    query = request.GET.get("q", "").strip()[:200]
    competence = request.GET.get("competence", "").strip()[:500]
    competence_query = request.GET.get("cq", "").strip()[:200]
    competence_matches = repertory.search_competences(competence_query, limit=10).results if competence_query else ()
    courses = runtime.courses(query=query, competence=competence or None, user=request.user)
    shown = []
    all_uris = {uri for course in courses for item in course.modules for uri, _role in item.competences}
    refs = repertory.get_competences(all_uris)
    ancestors = repertory.ancestors_of(all_uris) if competence else {}
    for course in courses:
        modules = []
        for item in course.modules:
            uris = [uri for uri, _role in item.competences]
            if competence and not any(
                uri == competence or competence in {ref.uri for ref in ancestors.get(uri, ())} for uri in uris
            ):
                continue
            modules.append({"info": item, "competences": [refs[uri] for uri in uris if uri in refs]})
        if modules:
            shown.append({"course": course, "modules": modules})
    return {
        "courses": shown,
        "query": query,
        "competence": competence,
        "competence_label": refs[competence].label if competence in refs else competence,
        "competence_query": competence_query,
        "competence_matches": competence_matches,
        "multiple": request_info["multiple"],
        "context_title": request_info.get("context") or "",
    }


def _send_choice(request: HttpRequest, token: str, request_info: dict) -> HttpResponse:
    chosen = request.POST.getlist("module")
    if not chosen or (not request_info["multiple"] and len(chosen) > 1):
        context = _picker_context(request, request_info)
        context["error"] = _("Choose one module.") if not request_info["multiple"] else _("Choose at least one module.")
        return render(request, "lti_tool/picker.html", context, status=400)
    choices = []
    for usage_id in dict.fromkeys(chosen):
        try:
            course_key, name = _module_parts(usage_id)
            info = runtime.course_info(course_key, request.user)
            item = next(item for item in info.modules if item.name == name)
        except (ValueError, runtime.CourseNotFound, StopIteration):
            context = _picker_context(request, request_info)
            context["error"] = _("One of the chosen modules no longer exists: choose again.")
            return render(request, "lti_tool/picker.html", context, status=400)
        choices.append(
            deep_linking.Choice(
                usage_id=usage_id,
                title=item.title[:255],
                text=item.description[:1000],
                tag=competence_tag([uri for uri, _role in item.competences]),
            )
        )
    registration = Registration.objects.get(pk=request_info["registration"])
    # The selection is sent once: a second submission of the same page (back button, replay) is refused.
    if request.session.pop(DEEP_LINK_SESSION + token, None) is None:
        return refused(request, LaunchRefused("deep_link_used", _("This choice of modules was sent already.")))
    jwt = deep_linking.response_token(
        client_id=registration.client_id,
        issuer=registration.issuer,
        deployment_id=request_info["deployment_id"],
        data=request_info["data"],
        choices=choices,
        launch_url=request.build_absolute_uri(reverse("lti:launch")),
    )
    return render(request, "lti_tool/autopost.html", {"action": request_info["return_url"], "fields": {"JWT": jwt}})


# -- the roster, for teachers -------------------------------------------------------------------------------


@xframe_options_exempt
@require_safe
def roster(request: HttpRequest, placement_id: int) -> HttpResponse:
    placement = Placement.objects.select_related("learner", "deployment__registration").filter(pk=placement_id).first()
    if (
        placement is None
        or not request.user.is_authenticated
        or placement.learner.user_id != request.user.pk
        or placement.pk not in request.session.get(TEACHING_SESSION, [])
    ):
        return refused(
            request, LaunchRefused("roles", _("Only the course's teachers can see its learners."), status=403)
        )
    with _language(request):
        problem = ""
        rows = []
        if not placement.memberships_url:
            problem = _("The platform does not share its course roster with Tosca.")
        else:
            try:
                members = services.members(placement.deployment.registration, placement.memberships_url)
            except services.ServiceError as error:
                log.warning("roster of %s not read: %s", placement.context_id, error)
                members = []
                problem = _("The platform's course roster could not be read now: try again later.")
            rows = _progress_rows(placement, members)
        response = render(request, "lti_tool/roster.html", {"placement": placement, "rows": rows, "problem": problem})
    return _frameable(response, request)


def _progress_rows(placement: Placement, members) -> list[dict]:
    from lti_tool.models import PlatformLearner

    accounts = {
        learner.sub: learner.user
        for learner in PlatformLearner.objects.select_related("user").filter(
            issuer=placement.learner.issuer,
            deployment_id=placement.learner.deployment_id,
            sub__in=[member.user_id for member in members],
        )
    }
    course_key, name = _module_parts(placement.module)
    rows = []
    for member in members:
        user = accounts.get(member.user_id)
        completed = None
        if user is not None:
            info = runtime.course_info(course_key, user)
            completed = any(item.name == name and item.completed for item in info.modules)
        rows.append({"member": member, "launched": user is not None, "completed": completed})
    return rows


# -- keys and configuration ---------------------------------------------------------------------------------


@require_safe
def jwks(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(keys.public_jwks())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def configuration(request: HttpRequest) -> HttpResponse:
    config = tool_config.tool_configuration(request)
    context = {
        "urls": tool_config.urls(request),
        "config_json": json.dumps(config, indent=2, ensure_ascii=False),
        "registrations": list(Registration.objects.prefetch_related("deployments").order_by("issuer"))
        if request.user.is_staff
        else None,
        "registration_url": request.build_absolute_uri(reverse("lti:register")),
    }
    return render(request, "lti_tool/configuration.html", context)


@require_safe
def configuration_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(tool_config.tool_configuration(request), json_dumps_params={"indent": 2})


# -- helpers ------------------------------------------------------------------------------------------------


def _origin(url: str) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _frameable(response: HttpResponse, request: HttpRequest | None = None) -> HttpResponse:
    """Pages of the tool are shown inside the platform's frame: once a launch has said which platform, only in
    its pages (and ours); before that (login, launch, refusals) in any registered platform's."""
    session = getattr(request, "session", None)
    origins = " ".join(session.get("lti.frame_origins", [])) if session is not None else ""
    response["Content-Security-Policy"] = f"frame-ancestors 'self' {origins or '*'}"
    return response


def _language(request: HttpRequest):
    """The platform's language for the learner (launch_presentation.locale), if it sent one."""
    language = request.session.get("lti.language")
    return translation.override(language) if language else contextlib.nullcontext()


# -- dynamic registration -----------------------------------------------------------------------------------

REGISTRATION_SALT = "tosca.lti.registration"


@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """The page a platform's administrator opens to register Tosca: it shows the platform found, and registers
    on confirmation. The form carries a ticket we signed instead of a CSRF cookie, which the platform's frame
    would not send; the registration token it holds is the platform's own bearer secret."""
    from django.core import signing

    from lti_tool import registration as dynamic

    policy = settings.TOSCA_LTI["dynamic_registration"]
    if policy == "off" or (policy == "staff" and not request.user.is_staff):
        message = (
            _("Dynamic registration is switched off on this Tosca: register it by hand with the configuration page.")
            if policy == "off"
            else _("Sign in to Tosca as an operator in this browser first, then start the registration again.")
        )
        return refused(request, LaunchRefused("registration_policy", message, status=403))
    if request.method == "POST":
        try:
            ticket = signing.loads(request.POST.get("ticket", ""), salt=REGISTRATION_SALT, max_age=3600)
        except signing.BadSignature:
            return refused(
                request, LaunchRefused("registration", _("The registration form expired: start it again."), status=400)
            )
        config_url, registration_token = ticket["url"], ticket["token"]
    else:
        config_url = request.GET.get("openid_configuration", "")
        registration_token = request.GET.get("registration_token", "")
    if not config_url:
        return refused(
            request,
            LaunchRefused(
                "registration", _("Open this page from the platform's tool registration, which gives its address.")
            ),
        )
    try:
        platform = dynamic.read_platform_configuration(config_url)
        if request.method == "GET":
            ticket = signing.dumps({"url": config_url, "token": registration_token}, salt=REGISTRATION_SALT)
            return _frameable(
                render(request, "lti_tool/register.html", {"platform": platform, "ticket": ticket}), request
            )
        saved = dynamic.register(platform, tool_config.tool_configuration(request), registration_token)
    except dynamic.RegistrationFailed as error:
        return refused(request, LaunchRefused("registration", str(error), status=400))
    log.info("registered with %s as client %s", saved.issuer, saved.client_id)
    return _frameable(render(request, "lti_tool/registered.html", {"registration": saved}), request)
