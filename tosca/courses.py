"""The course side of the site: the open catalogue, course and module pages, the learner's dashboard,
self-registration, and the designers' authoring pages (import, export, edit a module)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from repertory import api as repertory
from scorm_export import api as scorm
from scorm_export.views import package_response
from tosca.forms import CourseImportForm, RegistrationForm
from xblocks.runtime import api
from xblocks.runtime.data import CourseInfo, ModuleInfo

MAX_QUERY = 200
MAX_ALTERNATIVES = 5


# -- catalogue ----------------------------------------------------------------------------------------------


@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    """Published courses, optionally those whose words match `q` and those that develop a competence."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    competence_query = request.GET.get("competence_q", "").strip()[:MAX_QUERY]
    competence_uri = request.GET.get("competence", "").strip()[:MAX_QUERY]
    competence = None
    unmatched = ""
    alternatives = []
    if competence_query:  # what the visitor just typed wins over the filter they had before
        competence_uri, alternatives = _best_competence(competence_query, request.user)
        unmatched = "" if competence_uri else competence_query
    if competence_uri:
        competence = repertory.get_competences([competence_uri]).get(competence_uri)
    found_courses = [] if unmatched else api.courses(competence=competence_uri or None, query=query, user=request.user)
    refs = repertory.get_competences(uri for course in found_courses for uri in _course_uris(course))
    cards = [
        {
            "course": course,
            "competences": [refs[uri] for uri in _course_uris(course) if uri in refs],
        }
        for course in found_courses
    ]
    return render(
        request,
        "tosca/catalogue.html",
        {
            "cards": cards,
            "q": query,
            "competence_q": "" if competence_uri else competence_query,
            "competence": competence,
            "competence_uri": competence_uri,
            "unmatched": unmatched,
            "alternatives": [{"ref": ref, "url": _catalogue_url(q=query, competence=ref.uri)} for ref in alternatives],
            "filtered": bool(query or competence_uri or unmatched),
            "without_competence": _catalogue_url(q=query),
            "without_words": _catalogue_url(competence=competence_uri),
        },
    )


def _best_competence(typed: str, user) -> tuple[str, list]:
    """The competence a visitor means by what they typed, and up to five others they may mean. Only tagged
    units and the nodes above them lead to courses, so a matching skill or knowledge item stands for the
    nearest unit above it that a course develops; with no course behind any match, the best match at all."""
    matches = [match.ref for match in repertory.search_competences(typed, limit=MAX_ALTERNATIVES * 4).results]
    if not matches:
        return "", []
    ancestors = repertory.ancestors_of(ref.uri for ref in matches)
    candidates = list(
        {
            ref.uri: ref
            for match in matches
            for ref in (match, *reversed(ancestors.get(match.uri, ())))  # the match, then upwards
        }.values()
    )
    developed = api.developed_in_courses([ref.uri for ref in candidates], user)
    leading = [ref for ref in candidates if ref.uri in developed]
    if not leading:
        return matches[0].uri, []
    return leading[0].uri, leading[1 : MAX_ALTERNATIVES + 1]


# -- course and module pages ----------------------------------------------------------------------------------


@require_safe
def course(request: HttpRequest, course_key: str) -> HttpResponse:
    try:
        info = api.course_info(course_key, request.user)
    except api.CourseNotFound:
        return _not_found(request)
    enrolled = api.is_enrolled(request.user, course_key)
    refs = repertory.get_competences(_course_uris(info))
    next_module = _next_module(info)
    modules = [
        {
            "module": module,
            "competences": [_shown_competence(uri, role, refs) for uri, role in module.competences],
            "status": _status(module, info, next_module) if enrolled else "",
        }
        for module in info.modules
    ]
    return render(
        request,
        "tosca/course.html",
        {
            "course": info,
            "modules": modules,
            "enrolled": enrolled,
            "next_module": next_module,
            "started": any(module.completed for module in info.modules),
            "sign_in_url": _with_next("login", request.path),
            "register_url": _with_next("register", request.path),
        },
    )


@login_required
@require_POST
def enrol(request: HttpRequest, course_key: str) -> HttpResponse:
    try:
        created = api.enroll(request.user, course_key)
    except api.CourseNotFound:
        return _not_found(request)
    if created:
        messages.success(request, _("You are enrolled: the course is free, start whenever you like."))
    return redirect("courses:course", course_key=course_key)


@login_required
@require_safe
def module(request: HttpRequest, course_key: str, name: str) -> HttpResponse:
    try:
        info = api.course_info(course_key, request.user)
        current = _module_named(info, name)
        api.enroll(request.user, course_key)  # open courses: visiting a module is enrolling
        rendered = api.render_module(course_key, name, request.user)
    except api.CourseNotFound:
        return _not_found(request)
    position = info.modules.index(current)
    return render(
        request,
        "tosca/module.html",
        {
            "course": info,
            "module": current,
            "rendered": rendered,
            "previous": info.modules[position - 1] if position > 0 else None,
            "next": info.modules[position + 1] if position + 1 < len(info.modules) else None,
            "position": position + 1,
            "can_author": api.can_author(request.user),
        },
    )


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    progress = [{"progress": item, "next_module": _next_module(item.course)} for item in api.progress_of(request.user)]
    return render(request, "tosca/dashboard.html", {"courses": progress})


# -- registration -------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.user.is_authenticated:
        return redirect(next_url or "courses:dashboard")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:  # the same address registered a moment ago, from another window
            form.add_error("email", RegistrationForm.duplicate_message())
        else:
            login(request, user, backend="tosca.auth.EmailOrUsernameBackend")
            messages.success(request, _("Welcome: your account is ready."))
            return redirect(next_url or "courses:dashboard")
    return render(request, "registration/register.html", {"form": form, "next": next_url})


# -- authoring ----------------------------------------------------------------------------------------------


def author_required(view):
    """Designers only: anonymous visitors are sent to sign in, other accounts get a page that says why not."""

    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not api.can_author(request.user):
            return render(request, "tosca/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@author_required
@require_safe
def authoring(request: HttpRequest) -> HttpResponse:
    return _authoring_page(request, CourseImportForm())


@author_required
@require_POST
def import_course(request: HttpRequest) -> HttpResponse:
    """Import an Open edX course export: all of it, or nothing, with every problem listed."""
    form = CourseImportForm(request.POST, request.FILES)
    if not form.is_valid():
        too_large = any(error.code == "too_large" for error in form.errors.as_data().get("archive", ()))
        return _authoring_page(request, form, status=413 if too_large else 400)
    upload = form.cleaned_data["archive"]
    try:
        report = api.import_archive(upload.read(), name=upload.name)
    except api.OlxRejected as rejected:
        return _authoring_page(request, form, problems=[str(problem) for problem in rejected.problems], status=400)
    except api.ArchiveRejected as rejected:
        return _authoring_page(request, form, problems=[str(rejected)], status=400)
    return _authoring_page(request, CourseImportForm(), report=report)


@author_required
@require_safe
def export_course(request: HttpRequest, course_key: str) -> HttpResponse:
    try:
        archive = api.export_course(course_key)
    except api.CourseNotFound:
        return _not_found(request)
    response = HttpResponse(archive, content_type="application/gzip")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{_file_name(course_key)}.tar.gz"
    )
    return response


@author_required
@require_safe
def export_scorm(request: HttpRequest, course_key: str) -> HttpResponse:
    """The course as a SCORM package, in the version and layout the designer chose on the authoring page."""
    version = request.GET.get("version", "")
    layout = request.GET.get("layout", "module")
    try:
        exported = scorm.export_package(course_key, version, layout=layout, user=request.user)
    except scorm.ExportRefused as refused:
        if refused.not_found:
            return _not_found(request)
        problems = [str(refused)] + [str(problem) for problem in refused.problems]
        return _authoring_page(request, CourseImportForm(), problems=problems, status=400)
    return package_response(exported)


@author_required
@require_safe
def edit_module(request: HttpRequest, course_key: str, name: str) -> HttpResponse:
    try:
        info = api.course_info(course_key, request.user)
        current = _module_named(info, name)
        rendered = api.render_module(course_key, name, request.user, view="studio_view")
    except api.CourseNotFound:
        return _not_found(request)
    except PermissionError:
        return render(request, "tosca/forbidden.html", status=403)
    return render(request, "tosca/edit_module.html", {"course": info, "module": current, "rendered": rendered})


@author_required
@require_safe
def preview_module(request: HttpRequest, course_key: str, name: str) -> HttpResponse:
    try:
        info = api.course_info(course_key, request.user)
        current = _module_named(info, name)
        rendered = api.preview_module(course_key, name, request.user)
    except api.CourseNotFound:
        return _not_found(request)
    return render(request, "tosca/preview_module.html", {"course": info, "module": current, "rendered": rendered})


# -- helpers ------------------------------------------------------------------------------------------------


def _authoring_page(request, form, *, report=None, problems=(), status=200) -> HttpResponse:
    return render(
        request,
        "tosca/authoring.html",
        {
            "courses": api.courses(user=request.user),
            "form": form,
            "report": report,
            "problems": problems,
        },
        status=status,
    )


def _catalogue_url(**params: str) -> str:
    wanted = {name: value for name, value in params.items() if value}
    return reverse("courses:catalogue") + (f"?{urlencode(wanted)}" if wanted else "")


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "tosca/not_found.html", status=404)


def _module_named(info: CourseInfo, name: str) -> ModuleInfo:
    for candidate in info.modules:
        if candidate.name == name:
            return candidate
    raise api.CourseNotFound(f"{info.key} {name}")


def _course_uris(info: CourseInfo) -> list[str]:
    """The competences a course's modules are tagged with, each once, in module order."""
    return list(dict.fromkeys(uri for module in info.modules for uri, _role in module.competences))


def _shown_competence(uri: str, role: str, refs: dict) -> dict:
    return {"uri": uri, "ref": refs.get(uri), "assesses": role == "assesses"}


def _next_module(info: CourseInfo) -> ModuleInfo | None:
    """Where a learner picks the course up: the first module not completed yet."""
    return next((candidate for candidate in info.modules if not candidate.completed), None)


def _status(module_info: ModuleInfo, info: CourseInfo, next_module: ModuleInfo | None) -> str:
    """completed, continue (the module to take next, once the learner has made progress) or start."""
    if module_info.completed:
        return "completed"
    is_next = next_module is not None and module_info.usage_id == next_module.usage_id
    if is_next and any(candidate.completed for candidate in info.modules):
        return "continue"
    return "start"


def _file_name(course_key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", course_key.removeprefix("course-v1:")) or "course"
