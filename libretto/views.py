"""The libretto's pages: read and complete your libretto, declare competences, export, delete; validate (operators)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import defaultdict
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from libretto import api
from libretto.data import CurriculumKind
from libretto.forms import CurriculumItemForm, DecisionForm, DeclarationForm, DeleteForm, ProfileForm
from repertory import api as repertory

OPERATOR_PERMISSION = "libretto.change_competenceentry"


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context = _libretto_context(request.user)
    view = context["libretto"]
    return render(
        request,
        "libretto/home.html",
        {
            **context,
            "profile_form": ProfileForm(initial={"full_name": view.holder_name, "email": view.email}),
            "item_form": CurriculumItemForm(),
        },
    )


def _libretto_context(user) -> dict:
    """The libretto as its page and its printable version show it."""
    view = api.libretto_for(user)
    return {"libretto": view, "groups": _grouped(view.entries), "curriculum": _curriculum_by_kind(view.curriculum)}


def _grouped(entries) -> list[tuple[str, list[tuple[str, list]]]]:
    """[(framework, [(figure, entries)])]: the libretto read as the repertory is organised."""
    by_framework: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        by_framework[entry.competence.framework or _("Other")][entry.competence.figure or _("Other")].append(entry)
    return [(framework, sorted(figures.items())) for framework, figures in sorted(by_framework.items())]


def _curriculum_by_kind(items):
    labels = dict(CurriculumKind.choices)
    return [(labels.get(kind, kind), list(group)) for kind, group in groupby(items, key=lambda item: item.kind)]


@login_required
@require_POST
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST)
    if form.is_valid():
        api.update_profile(request.user, **form.cleaned_data)
        messages.success(request, _("Your details were saved."))
    else:
        messages.error(request, _("Your details were not saved: %(errors)s") % {"errors": _errors(form)})
    return redirect("libretto:home")


@login_required
@require_http_methods(["GET", "POST"])
def curriculum_item(request: HttpRequest, item_id: int | None = None) -> HttpResponse:
    view = api.libretto_for(request.user)
    item = next((item for item in view.curriculum if item.id == item_id), None) if item_id else None
    if item_id and item is None:
        return _forbidden(request)
    initial = (
        {k: getattr(item, k) for k in ("kind", "title", "organisation", "start", "end", "description")} if item else {}
    )
    form = CurriculumItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        api.save_curriculum_item(request.user, item_id=item_id, **form.cleaned_data)
        messages.success(request, _("Section 1 was updated."))
        return redirect("libretto:home")
    return render(request, "libretto/curriculum_item.html", {"form": form, "item": item})


@login_required
@require_POST
def delete_curriculum_item(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        api.delete_curriculum_item(request.user, item_id)
    except api.NotAllowed:
        return _forbidden(request)
    messages.success(request, _("The item was removed."))
    return redirect("libretto:home")


@login_required
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    """Self-declare an informal competence: find it in the repertory, say how it was acquired, attach documents."""
    query = request.GET.get("q", "").strip()[:200]
    chosen = request.POST.get("competence") or request.GET.get("competence", "")
    form = DeclarationForm(request.POST or None, request.FILES or None, initial={"competence": chosen})
    if request.method == "POST" and form.is_valid():
        try:
            api.declare_competence(
                request.user,
                competence_uri=form.cleaned_data["competence"],
                statement=form.cleaned_data["statement"],
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                documents=form.cleaned_data["documents"],
            )
        except api.EvidenceRejected as rejected:
            form.add_error(None, str(rejected))
        else:
            messages.success(request, _("Your declaration was sent: an operator will validate it."))
            return redirect("libretto:home")
    results = repertory.search_competences(query, limit=20).results if query else ()
    competence = repertory.get_competences([chosen]).get(chosen) if chosen else None
    return render(
        request,
        "libretto/declare.html",
        {
            "form": form,
            "query": query,
            "results": results,
            "competence": competence,
        },
    )


@permission_required(OPERATOR_PERMISSION)
@require_http_methods(["GET", "POST"])
def validation_queue(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = DecisionForm(request.POST)
        entry_id = request.POST.get("entry", "")
        if form.is_valid() and re.fullmatch(r"[0-9]{1,18}", entry_id):
            try:
                api.decide_declaration(
                    request.user,
                    int(entry_id),
                    approve=form.cleaned_data["decision"] == "approve",
                    note=form.cleaned_data["note"],
                )
                messages.success(request, _("The decision was recorded."))
            except api.NotAllowed:
                messages.error(request, _("That declaration was already decided."))
        else:
            messages.error(request, _("The decision was not recorded: %(errors)s") % {"errors": _errors(form)})
        return redirect("libretto:validation")
    return render(
        request,
        "libretto/validation.html",
        {
            "pending": api.pending_declarations(),
            "form": DecisionForm(),
        },
    )


@login_required
@require_safe
def document(request: HttpRequest, document_id: int) -> HttpResponse:
    try:
        found = api.document_of(request.user, document_id, operator=request.user.has_perm(OPERATOR_PERMISSION))
    except api.NotAllowed:
        return _forbidden(request)
    return FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.original_name,
        content_type=found.content_type or "application/octet-stream",
    )


# -- exports ------------------------------------------------------------------------------------------------


@login_required
@require_safe
def export_json(request: HttpRequest) -> HttpResponse:
    return _attachment(
        json.dumps(api.export_data(request.user), ensure_ascii=False, indent=2), "libretto.json", "application/json"
    )


@login_required
@require_safe
def export_print(request: HttpRequest) -> HttpResponse:
    return render(request, "libretto/print.html", _libretto_context(request.user))


@login_required
@require_safe
def export_xapi(request: HttpRequest) -> HttpResponse:
    return _attachment(
        json.dumps(api.xapi_statements(request.user), ensure_ascii=False, indent=2),
        "libretto-xapi.json",
        "application/json",
    )


@login_required
@require_safe
def badges(request: HttpRequest) -> HttpResponse:
    return render(request, "libretto/badges.html", {"entries": api.badge_entries(request.user)})


@login_required
@require_safe
def badge(request: HttpRequest, entry_id: int) -> HttpResponse:
    found = api.badge_credential(request.user, entry_id)
    if found is None:
        return _forbidden(request)
    entry, token = found
    return _attachment(token, f"badge-{entry.competence.code or entry.id}.jwt", "application/vc+jwt")


@require_safe
def issuer(request: HttpRequest) -> JsonResponse:
    return JsonResponse(api.issuer_profile(), content_type="application/ld+json")


@require_safe
def issuer_keys(request: HttpRequest) -> JsonResponse:
    return JsonResponse(api.issuer_keys())


# -- privacy ------------------------------------------------------------------------------------------------


@login_required
@require_safe
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything Tosca keeps about the holder: the libretto as JSON, the xAPI statements and the documents."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("libretto.json", json.dumps(api.export_data(request.user), ensure_ascii=False, indent=2))
        archive.writestr("xapi-statements.json", json.dumps(api.xapi_statements(request.user), indent=2))
        for number, document in enumerate(api.documents_of(request.user), start=1):
            with document.file.open("rb") as handle:
                archive.writestr(f"documents/{number}-{document.original_name}", handle.read())
    return _attachment(buffer.getvalue(), "my-tosca-data.zip", "application/zip")


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        api.delete_libretto(request.user)
        messages.success(request, _("Your libretto was deleted."))
        return redirect("libretto:home")
    return render(request, "libretto/delete.html", {"form": form})


# -- helpers ------------------------------------------------------------------------------------------------


def _attachment(content: str | bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "libretto/forbidden.html", status=403)


def _errors(form) -> str:
    return "; ".join(str(error) for errors in form.errors.values() for error in errors)
