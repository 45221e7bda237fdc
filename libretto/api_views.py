"""REST API /api/libretto/v1/ for remote Tosca instances and tools: write evidence, read a learner's libretto.

Writing takes a client token (`Authorization: Bearer …`, see `tosca libretto client add`); a client writes only
for its own platform. Reading is for the learner themselves (session) or an operator. Schema: openapi.json.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, NotFound, ParseError, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from libretto import api
from libretto.data import EvidenceFacts, evidence_id
from libretto.models import ApiClient

MAX_ITEMS = 500
OPENAPI = Path(__file__).parent / "openapi.json"


class Client:
    """A remote platform authenticated by its token: it may write evidence, nothing else."""

    is_authenticated = True
    is_staff = False

    def __init__(self, client: ApiClient):
        self.client = client
        self.platform = client.platform

    def has_perm(self, permission: str) -> bool:
        return False


class ClientTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise AuthenticationFailed(_("Give the client token as: Authorization: Bearer TOKEN."))
        digest = hashlib.sha256(header[1]).hexdigest()
        client = ApiClient.objects.filter(token_sha256=digest, active=True).first()
        if client is None:
            raise AuthenticationFailed(_("Unknown or revoked client token."))
        return Client(client), client

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="tosca-libretto"'


class EvidenceCollection(APIView):
    """POST one evidence object, or a list of up to 500: all are recorded, or none (4xx say why)."""

    authentication_classes = [ClientTokenAuthentication]

    def post(self, request: Request) -> Response:
        if not isinstance(request.user, Client):
            raise NotAuthenticated(_("Writing evidence needs a client token."))
        if _declared_length(request) > settings.TOSCA_LIBRETTO_API_MAX_BODY_BYTES:
            return _answer(
                _("The body is larger than %(max)d bytes; send smaller batches.")
                % {"max": settings.TOSCA_LIBRETTO_API_MAX_BODY_BYTES},
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            raise ParseError(_("The body is not valid JSON: %(error)s.") % {"error": str(error)[:200]}) from None
        single = isinstance(body, dict)
        items = [body] if single else body
        if not isinstance(items, list) or not items or len(items) > MAX_ITEMS:
            raise ParseError(_("Send one evidence object or a list of 1 to %(max)d.") % {"max": MAX_ITEMS})
        parsed = [_parse(item, index) for index, item in enumerate(items)]
        malformed = [result for result in parsed if isinstance(result, dict)]
        if malformed:
            return _answer(_("Some evidence is malformed; nothing was recorded."), 400, malformed)
        if any(facts.platform != request.user.platform for facts in parsed):
            raise PermissionDenied(
                _("This client writes for %(platform)s only; nothing was recorded.")
                % {"platform": request.user.platform}
            )
        with transaction.atomic():
            outcomes = api.record_evidence_batch(parsed)
            refused = [outcome for outcome in outcomes if outcome.problems]
            if refused:
                transaction.set_rollback(True)  # all or nothing: a batch is one request
        results = [_result(outcome) for outcome in outcomes]
        if refused:
            conflict = all(outcome.conflict for outcome in refused)
            return _answer(
                _("Some evidence contradicts what was recorded before; nothing was recorded.")
                if conflict
                else _("Some evidence was refused; nothing was recorded."),
                status.HTTP_409_CONFLICT if conflict else status.HTTP_400_BAD_REQUEST,
                [result for result in results if result["status"] in ("rejected", "conflict")],
            )
        if single:
            code = status.HTTP_201_CREATED if results[0]["status"] == "created" else status.HTTP_200_OK
            return Response(results[0], status=code)
        return Response({"results": results}, status=status.HTTP_200_OK)


def _declared_length(request: Request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ParseError(_("Content-Length is not a number.")) from None


def _answer(detail: str, code: int, results: list | None = None) -> Response:
    return Response({"detail": detail, **({"results": results} if results is not None else {})}, status=code)


def _result(outcome) -> dict:
    if outcome.problems:
        return {
            "id": str(outcome.evidence_id),
            "status": "conflict" if outcome.conflict else "rejected",
            "problems": [str(problem) for problem in outcome.problems],
        }
    state = "tombstoned" if outcome.tombstoned else ("created" if outcome.created else "duplicate")
    return {"id": str(outcome.evidence_id), "status": state}


def _parse(item, index: int) -> EvidenceFacts | dict:
    """The evidence in `item`, or {index, status: rejected, problems} saying what is wrong with its shape."""
    if not isinstance(item, dict):
        return {"index": index, "status": "rejected", "problems": [_("expected an object")]}
    problems: list[str] = []

    def text(name: str, *, required: bool = True, default: str = "") -> str:
        value = item.get(name, default)
        if isinstance(value, int) and not isinstance(value, bool) and name == "attempt":
            value = str(value)
        if not isinstance(value, str) or (required and not value):
            problems.append(_("%(field)s: expected text") % {"field": name})
            return ""
        return value

    platform, learner, module = text("platform"), text("learner"), text("module")
    module_title, attempt = text("module_title", required=False), text("attempt", default="1")
    completed_at = _datetime(item.get("completed_at"))
    if completed_at is None:
        problems.append(_("completed_at: expected an ISO 8601 date and time"))
    score = item.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        problems.append(_("score: expected a number or null"))
    passed = item.get("passed")
    if passed is not None and not isinstance(passed, bool):
        problems.append(_("passed: expected true, false or null"))
    competences = item.get("competences")
    if not isinstance(competences, list) or not all(isinstance(uri, str) for uri in competences):
        problems.append(_("competences: expected a list of URIs"))
    if problems:
        return {"index": index, "id": str(item.get("id", ""))[:64], "status": "rejected", "problems": problems}
    expected_id = evidence_id(platform, learner, module, attempt)
    try:
        given_id = UUID(str(item.get("id", "")))
    except ValueError:
        given_id = None
    if given_id != expected_id:
        return {
            "index": index,
            "id": str(item.get("id", ""))[:64],
            "status": "rejected",
            "problems": [
                _("id: does not match the platform, learner, module and attempt (expected %(id)s)")
                % {"id": expected_id}
            ],
        }
    return EvidenceFacts(
        evidence_id=expected_id,
        platform=platform,
        learner=learner,
        module=module,
        module_title=module_title,
        attempt=attempt,
        completed_at=completed_at,
        score=score,
        passed=passed,
        competences=tuple(competences),
    )


def _datetime(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except (ValueError, OverflowError):  # well-formed but impossible, such as February 30th
        return None


class MyLibretto(APIView):
    """GET the signed-in learner's own libretto."""

    authentication_classes = [SessionAuthentication]

    def get(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            raise NotAuthenticated(_("Sign in to read your libretto."))
        return Response(api.export_data(request.user))


class LearnerLibretto(APIView):
    """GET ?platform=&learner=: a learner's libretto, for operators only."""

    authentication_classes = [SessionAuthentication]

    def get(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            raise NotAuthenticated(_("Operators sign in to read a learner's libretto."))
        if not request.user.has_perm("libretto.view_libretto"):
            raise PermissionDenied(_("Only operators may read another learner's libretto."))
        platform, learner = request.query_params.get("platform", ""), request.query_params.get("learner", "")
        view = api.libretto_of(platform, learner) if platform and learner and "\x00" not in platform + learner else None
        if view is None:
            raise NotFound(_("No libretto for that learner on that platform."))
        return Response(api.view_to_json(view))


def openapi(request) -> JsonResponse:
    return JsonResponse(json.loads(OPENAPI.read_text(encoding="utf-8")))
