"""JSON API under /api/repertory/v1/: frameworks, tree, competence detail, search (the tagging picker)."""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from repertory import api
from repertory.data import EXPORT_FORMATS, CompetenceRef, Kind, TreeNode
from repertory.params import BadParameter, page_window, positive_int
from repertory.views import download


def ref_json(request: Request, ref: CompetenceRef) -> dict:
    return {
        **asdict(ref),
        "url": request.build_absolute_uri(
            reverse("repertory-api:competence-detail", kwargs={"framework": ref.framework, "code": ref.code})
        ),
        "html_url": request.build_absolute_uri(
            reverse("repertory:competence-detail", kwargs={"framework": ref.framework, "code": ref.code})
        ),
    }


def _framework_json(request: Request, info) -> dict:
    data = asdict(info)
    data["url"] = request.build_absolute_uri(reverse("repertory-api:framework-detail", args=[info.code]))
    data["tree_url"] = request.build_absolute_uri(reverse("repertory-api:tree", args=[info.code]))
    return data


def _not_found_framework(code: str) -> NotFound:
    return NotFound(_("No framework has the code “%(code)s”.") % {"code": code})


class FrameworkList(APIView):
    def get(self, request: Request) -> Response:
        frameworks = api.list_frameworks()
        return Response({"count": len(frameworks), "results": [_framework_json(request, info) for info in frameworks]})


class FrameworkDetail(APIView):
    def get(self, request: Request, framework: str) -> Response:
        try:
            return Response(_framework_json(request, api.get_framework(framework)))
        except api.FrameworkNotFound:
            raise _not_found_framework(framework) from None


class Tree(APIView):
    """?parent=CODE (default: the roots), ?depth=1-4, ?page=, ?page_size=."""

    def get(self, request: Request, framework: str) -> Response:
        try:
            page, size, offset = page_window(request.query_params, default_size=50)
            depth = positive_int(request.query_params, "depth", 1, maximum=4)
            tree = api.get_tree(
                framework,
                parent_code=request.query_params.get("parent") or None,
                offset=offset,
                limit=size,
                depth=depth,
            )
        except BadParameter as error:
            raise ParseError(str(error)) from None
        except api.FrameworkNotFound:
            raise _not_found_framework(framework) from None
        except api.CompetenceNotFound:
            raise NotFound(
                _("No live node has the code “%(code)s” in this framework.")
                % {"code": request.query_params.get("parent")}
            ) from None

        def node_json(node: TreeNode) -> dict:
            return {
                **ref_json(request, node.ref),
                "child_count": node.child_count,
                "children": [node_json(child) for child in node.children],
            }

        return Response(
            {
                "framework": tree.framework,
                "parent": ref_json(request, tree.parent) if tree.parent else None,
                "count": tree.total,
                "page": page,
                "page_size": size,
                "results": [node_json(node) for node in tree.nodes],
            }
        )


class CompetenceDetail(APIView):
    def get(self, request: Request, framework: str, code: str) -> Response:
        try:
            detail = api.get_competence(framework=framework, code=code)
        except api.CompetenceNotFound:
            raise NotFound(
                _("No competence has the code “%(code)s” in framework “%(framework)s”.")
                % {"code": code, "framework": framework}
            ) from None
        return Response(_detail_json(request, detail))


class CompetenceByUri(APIView):
    def get(self, request: Request) -> Response:
        uri = request.query_params.get("uri", "")
        if not uri:
            raise ParseError(_("Give the competence's URI: ?uri=…"))
        try:
            return Response(_detail_json(request, api.get_competence(uri)))
        except api.CompetenceNotFound:
            raise NotFound(_("No competence has the URI “%(uri)s”.") % {"uri": uri[:200]}) from None


def _detail_json(request: Request, detail) -> dict:
    data = asdict(detail)
    data.pop("ref")
    data.update(ref_json(request, detail.ref))
    data["ancestors"] = [ref_json(request, ref) for ref in detail.ancestors]
    data["children"] = [ref_json(request, ref) for ref in detail.children]
    data["referenced_by"] = [ref_json(request, ref) for ref in detail.referenced_by]
    data["associations"] = [
        {
            **{key: value for key, value in asdict(association).items() if key != "internal"},
            "internal": ref_json(request, association.internal) if association.internal else None,
        }
        for association in detail.associations
    ]
    return data


class Search(APIView):
    """?q= (required), ?framework=CODE, ?kind=KIND (repeatable), ?page=, ?page_size= (max 200)."""

    def get(self, request: Request) -> Response:
        query = request.query_params.get("q", "").strip()
        if not query:
            raise ParseError(_("Give something to search for: ?q=…"))
        kinds = request.query_params.getlist("kind")
        unknown = [kind for kind in kinds if kind not in Kind.values]
        if unknown:
            raise ParseError(
                _("Unknown kind “%(kind)s”; expected one of: %(kinds)s.")
                % {"kind": unknown[0], "kinds": ", ".join(Kind.values)}
            )
        framework = request.query_params.get("framework") or None
        try:
            page, size, offset = page_window(request.query_params, default_size=20)
            results = api.search_competences(query, framework=framework, kinds=kinds, offset=offset, limit=size)
        except BadParameter as error:
            raise ParseError(str(error)) from None
        except api.FrameworkNotFound:
            raise _not_found_framework(framework) from None
        return Response(
            {
                "query": query,
                "count": results.total,
                "page": page,
                "page_size": size,
                "next": self._page_url(request, page + 1) if offset + size < results.total else None,
                "previous": self._page_url(request, page - 1) if page > 1 else None,
                "results": [{**ref_json(request, match.ref), "match": match.match} for match in results.results],
            }
        )

    @staticmethod
    def _page_url(request: Request, page: int) -> str:
        params = request.query_params.copy()
        params["page"] = str(page)
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


class Export(APIView):
    """…/export/case-json|moodle-csv|openedx-csv/: the framework's live nodes as a file."""

    def get(self, request: Request, framework: str, export_format: str) -> HttpResponse:
        if export_format not in EXPORT_FORMATS:
            raise NotFound(
                _("Unknown export format “%(format)s”; expected one of: %(formats)s.")
                % {"format": export_format, "formats": ", ".join(EXPORT_FORMATS)}
            )
        try:
            return download(framework, export_format)
        except api.FrameworkNotFound:
            raise _not_found_framework(framework) from None
