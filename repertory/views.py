"""Server-rendered pages to browse a framework's tree, read a competence and search the repertory."""

from __future__ import annotations

from itertools import groupby

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_safe

from repertory import api
from repertory.data import EXPORT_FORMATS, Format, Kind
from repertory.params import BadParameter, page_window
from repertory.templatetags.repertory import kind_label

# Headings for a node's children, by kind: the Tuscan repertory's "capacità" and "conoscenze".
GROUP_TITLES = {
    Kind.SKILL: pgettext_lazy("heading", "Skills"),
    Kind.KNOWLEDGE: pgettext_lazy("heading", "Knowledge"),
    Kind.COMPETENCE_UNIT: pgettext_lazy("heading", "Competence units"),
    Kind.FIGURE: pgettext_lazy("heading", "Professional figures"),
    Kind.ACTIVITY_AREA: pgettext_lazy("heading", "Activity areas"),
}
TREE_DEPTH = 3
TREE_PAGE = 50
SEARCH_PAGE = 20


@require_safe
def framework_list(request: HttpRequest) -> HttpResponse:
    return render(request, "repertory/framework_list.html", {"frameworks": api.list_frameworks()})


@require_safe
def framework_detail(request: HttpRequest, framework: str) -> HttpResponse:
    try:
        info = api.get_framework(framework)
        page, size, offset = page_window(request.GET, default_size=TREE_PAGE)
        tree = api.get_tree(framework, offset=offset, limit=size, depth=TREE_DEPTH)
    except api.FrameworkNotFound:
        raise Http404(_("No framework has the code “%(code)s”.") % {"code": framework}) from None
    except BadParameter as error:
        return _bad_request(request, error)
    return render(
        request,
        "repertory/framework_detail.html",
        {
            "framework": info,
            "tree": tree,
            "pages": _pages(page, size, tree.total),
            "export_formats": [(value, Format(value).label) for value in EXPORT_FORMATS],
        },
    )


@require_safe
def competence_detail(request: HttpRequest, framework: str, code: str) -> HttpResponse:
    try:
        detail = api.get_competence(framework=framework, code=code)
        info = api.get_framework(framework)
    except (api.CompetenceNotFound, api.FrameworkNotFound):
        raise Http404(_("No competence has the code “%(code)s” in this framework.") % {"code": code}) from None
    # Children grouped by kind, units first, then capacità, then conoscenze, keeping their order within a kind.
    by_kind = sorted(detail.children, key=lambda ref: (_kind_order(ref.kind), ref.kind))
    groups = [
        (GROUP_TITLES.get(kind) or kind_label(kind), list(children))
        for kind, children in groupby(by_kind, key=lambda ref: ref.kind)
    ]
    return render(
        request,
        "repertory/competence_detail.html",
        {
            "framework": info,
            "competence": detail,
            "kind_label": kind_label(detail.ref.kind),
            "child_groups": groups,
        },
    )


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    framework = request.GET.get("framework") or None
    kind = request.GET.get("kind") or ""
    if kind and kind not in Kind.values:
        return _bad_request(request, BadParameter(_("Unknown kind “%(kind)s”.") % {"kind": kind[:40]}))
    context = {
        "query": query,
        "framework": framework,
        "kind": kind,
        "kinds": Kind.choices,
        "frameworks": api.list_frameworks(),
    }
    if query:
        try:
            page, size, offset = page_window(request.GET, default_size=SEARCH_PAGE)
            results = api.search_competences(
                query, framework=framework, kinds=[kind] if kind else [], offset=offset, limit=size
            )
        except api.FrameworkNotFound:
            return _bad_request(request, BadParameter(_("No framework has the code “%(code)s”.") % {"code": framework}))
        except BadParameter as error:
            return _bad_request(request, error)
        context.update(results=results, pages=_pages(page, size, results.total))
    return render(request, "repertory/search.html", context)


@require_safe
def export(request: HttpRequest, framework: str, export_format: str) -> HttpResponse:
    if export_format not in EXPORT_FORMATS:
        raise Http404(_("Unknown export format."))
    try:
        return download(framework, export_format)
    except api.FrameworkNotFound:
        raise Http404(_("No framework has the code “%(code)s”.") % {"code": framework}) from None


def download(framework: str, export_format: str) -> HttpResponse:
    """The framework exported as a file to download (pages and API alike). Raises FrameworkNotFound."""
    name, content = api.export_framework(framework, export_format=export_format)
    content_type = "application/json" if export_format == Format.CASE_JSON else "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


def _kind_order(kind: str) -> int:
    order = [Kind.COMPETENCE_UNIT, Kind.SKILL, Kind.KNOWLEDGE]
    return order.index(kind) if kind in order else len(order)


def _pages(page: int, size: int, total: int) -> dict:
    last = max(1, -(-total // size))
    return {
        "number": page,
        "last": last,
        "previous": page - 1 if page > 1 else None,
        "next": page + 1 if page < last else None,
        "size": size,
    }


def _bad_request(request: HttpRequest, error: BadParameter) -> HttpResponse:
    return render(request, "repertory/bad_request.html", {"message": str(error)}, status=400)
