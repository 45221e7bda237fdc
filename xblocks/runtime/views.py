"""The runtime's HTTP endpoints: block handlers (signed-in, CSRF-checked, transactional), package resources,
and course assets."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from xblock.core import XBlock, XBlockAside
from xblock.django.request import django_to_webob_request, webob_to_django_response
from xblock.exceptions import NoSuchHandlerError, NoSuchUsage
from xblock.plugin import PluginMissingError

from xblocks.runtime import keys, olx
from xblocks.runtime.api import AUTHOR_PERMISSION, USER_ATTRS_SESSION_KEY, can_author
from xblocks.runtime.models import BlockRecord, Course
from xblocks.runtime.runtime import ToscaRuntime

log = logging.getLogger(__name__)


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_http_methods(["GET", "POST"])
def handler(request, usage_id: str, handler_name: str, suffix: str = ""):
    """Call `handler_name` on a block, for the signed-in user only: the runtime is built for request.user, so
    no URL can reach another learner's state. Everything the handler writes commits together or not at all."""
    if not request.user.is_authenticated:
        return _error(_("Sign in to take part in this course."), 401)
    aside_type = None
    if usage_id.startswith("aside-usage-v2:"):
        try:
            block_id, aside_type = keys.parse_aside(usage_id)
        except keys.InvalidKey:
            raise Http404 from None
    else:
        block_id = usage_id
    record = BlockRecord.objects.select_related("course").filter(usage_id=block_id).first()
    if record is None or (not record.course.published and not can_author(request.user)):
        raise Http404
    try:
        with transaction.atomic():
            # One handler call at a time per learner: a quiz read its attempts and wrote them back, so two
            # submissions at once could both pass the limit. (SQLite's IMMEDIATE transactions serialize anyway.)
            list(get_user_model().objects.select_for_update().filter(pk=request.user.pk).values_list("pk"))
            course = Course.objects.get(pk=record.course_id)
            runtime = ToscaRuntime(
                course,
                request.user,
                is_author=request.user.has_perm(AUTHOR_PERMISSION),
                user_attrs=request.session.get(USER_ATTRS_SESSION_KEY),
            )
            block = runtime.get_block(block_id)
            target = runtime.get_aside_of_type(block, aside_type) if aside_type else block
            response = runtime.handle(target, handler_name, django_to_webob_request(request), suffix)
            if runtime.store.definition_changed:
                transaction.on_commit(lambda: _reindex(course.pk))
            if response.status_code >= 400:
                transaction.set_rollback(True)  # a refused call changes nothing
    except (NoSuchHandlerError, NoSuchUsage, PluginMissingError):
        raise Http404 from None
    return webob_to_django_response(response)


def _reindex(course_id: int) -> None:
    course = Course.objects.filter(pk=course_id).first()
    if course is not None:
        olx.reindex(course)


def resource(request, block_type: str, path: str):
    """A file a block class ships in its package (XBlock's `public/` resources)."""
    try:
        block_class = XBlock.load_class(block_type)
    except PluginMissingError:
        try:
            block_class = XBlockAside.load_class(block_type)
        except PluginMissingError:
            raise Http404 from None
    try:
        content = block_class.open_local_resource(path).read()
    except Exception:
        raise Http404 from None
    return HttpResponse(content, content_type=olx.guess_type(path))


# What a course's files may be shown as in the page: media, captions and raster images. Anything else an archive
# brings (HTML, SVG, scripts...) could run on the site's own origin if opened, so it is only ever downloaded.
INLINE_ASSET_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "text/vtt", "application/pdf")
INLINE_ASSET_FAMILIES = ("video/", "audio/")


def asset(request, course_key: str, path: str):
    """A course's own file (video, captions, images) from its `static/` folder."""
    course = Course.objects.filter(key=course_key).first()
    if course is None or (not course.published and not can_author(request.user)):
        raise Http404
    found = olx.asset_path(course, path)
    if found is None:
        raise Http404
    content_type = olx.guess_type(path)
    inline = content_type in INLINE_ASSET_TYPES or content_type.startswith(INLINE_ASSET_FAMILIES)
    response = FileResponse(  # FileResponse closes the file
        found.open("rb"),
        content_type=content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=found.name,
    )
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"  # opened on its own, it runs nothing
    return response
