"""The JSON API's SCORM endpoint: `GET /api/scorm/v1/package/?target=…&version=1.2|2004[&layout=module|page]`
answers the package (a zip) to designers, or a JSON error saying what is wrong."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from scorm_export import api
from scorm_export.data import SCO_PER_MODULE
from xblocks.runtime import api as runtime


@require_safe
def package(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Sign in as a course designer to export packages.")}, status=401)
    if not runtime.can_author(request.user):
        return JsonResponse({"error": _("Only course designers can export packages.")}, status=403)
    target = request.GET.get("target", "")
    version = request.GET.get("version", "")
    layout = request.GET.get("layout", SCO_PER_MODULE)
    try:
        exported = api.export_package(target, version, layout=layout, user=request.user)
    except api.ExportRefused as refused:
        status = 404 if refused.not_found else 400
        return JsonResponse(
            {"error": str(refused), "problems": [str(problem) for problem in refused.problems]}, status=status
        )
    return package_response(exported)


def package_response(exported) -> HttpResponse:
    """A package as a download, with what the export noticed in a header for scripts that want it."""
    response = HttpResponse(exported.content, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=exported.filename)
    response["X-Tosca-Warnings"] = str(len(exported.warnings))
    return response
