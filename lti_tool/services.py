"""The platform's services Tosca calls: an OAuth2 token by client credentials with a signed client assertion
(1EdTech Security Framework §4.1), Assignment and Grade Services 2.0 (line items, scores, results) and Names
and Role Provisioning Services 2.0 (the course roster, page after page)."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from django.conf import settings
from django.core.cache import cache

from lti_tool import keys
from lti_tool.data import (
    AGS_SCOPE_LINEITEM,
    AGS_SCOPE_LINEITEM_READONLY,
    AGS_SCOPE_RESULT,
    AGS_SCOPE_SCORE,
    NRPS_SCOPE,
    Member,
    Score,
)
from lti_tool.models import Registration

log = logging.getLogger(__name__)
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ROSTER_PAGES = 100
SCORE_MAXIMUM = 100  # scores go to the platform as points out of 100


class ServiceError(Exception):
    """A call to the platform failed. `retryable` says whether trying again later may succeed."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status


# -- tokens -------------------------------------------------------------------------------------------------


def access_token(registration: Registration, scopes: tuple[str, ...], *, fresh: bool = False) -> str:
    """A bearer token of the platform for `scopes`, cached until shortly before it expires."""
    cache_key = _token_cache_key(registration, scopes)
    if not fresh:
        token = cache.get(cache_key)
        if token:
            return token
    if not registration.auth_token_url:
        raise ServiceError("the platform's registration has no access token URL", retryable=False)
    now = int(time.time())
    assertion = keys.sign(
        {
            "iss": registration.client_id,
            "sub": registration.client_id,
            "aud": registration.token_audience or registration.auth_token_url,
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_urlsafe(16),
        }
    )
    body = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        "scope": " ".join(scopes),
    }
    try:
        answer = requests.post(
            registration.auth_token_url, data=body, timeout=_timeout(), headers={"Accept": "application/json"}
        )
    except requests.RequestException as error:
        raise ServiceError(f"the platform's token URL is unreachable: {error}", retryable=True) from error
    if answer.status_code != 200:
        raise ServiceError(
            f"the platform refused a token ({answer.status_code}): {answer.text[:300]}",
            retryable=answer.status_code >= 500 or answer.status_code == 429,
            status=answer.status_code,
        )
    try:
        document = answer.json()
        token = document["access_token"]
        lifetime = int(document.get("expires_in") or 3600)
    except (ValueError, KeyError, TypeError):
        raise ServiceError("the platform's token answer is not an OAuth2 token", retryable=True) from None
    cache.set(cache_key, token, max(1, lifetime - 60))
    return token


def _token_cache_key(registration: Registration, scopes: tuple[str, ...]) -> str:
    digest = hashlib.sha256(" ".join(sorted(scopes)).encode()).hexdigest()[:16]
    return f"tosca-lti-token:{registration.pk}:{digest}"


def _call(
    registration: Registration, scopes: tuple[str, ...], method: str, url: str, *, accept: str, **options
) -> requests.Response:
    """One service call with a bearer token; a 401 gets a new token and one more try."""
    for fresh in (False, True):
        headers = {"Authorization": "Bearer " + access_token(registration, scopes, fresh=fresh), "Accept": accept}
        headers.update(options.pop("headers", {}))
        try:
            answer = requests.request(method, url, headers=headers, timeout=_timeout(), **options)
        except requests.RequestException as error:
            raise ServiceError(f"{url} is unreachable: {error}", retryable=True) from error
        if answer.status_code != 401:
            break
        options["headers"] = {key: value for key, value in headers.items() if key not in {"Authorization", "Accept"}}
    return answer


def _timeout() -> float:
    return float(settings.TOSCA_LTI["http_timeout"])


# -- Assignment and Grade Services ---------------------------------------------------------------------------


def find_or_create_lineitem(
    registration: Registration, lineitems_url: str, *, resource_id: str, tag: str, label: str, resource_link_id: str
) -> str:
    """The URL of the line item for `resource_id` (and `tag`) in the platform's course, created if none exists."""
    scopes = (AGS_SCOPE_LINEITEM, AGS_SCOPE_LINEITEM_READONLY)
    query = {"resource_id": resource_id, "resource_link_id": resource_link_id}
    if tag:
        query["tag"] = tag
    answer = _call(registration, scopes, "GET", with_query(lineitems_url, query), accept=LINEITEMS_TYPE)
    _raise_for(answer, "reading line items")
    for item in _json_list(answer):
        # Lenient platforms ignore the filters: choose ourselves.
        if item.get("resourceId") == resource_id and item.get("id") and (not tag or item.get("tag") in (tag, None)):
            return item["id"]
    body = {
        "scoreMaximum": SCORE_MAXIMUM,
        "label": label[:255] or resource_id,
        "resourceId": resource_id,
        "resourceLinkId": resource_link_id,
    }
    if tag:
        body["tag"] = tag
    answer = _call(
        registration,
        (AGS_SCOPE_LINEITEM,),
        "POST",
        lineitems_url,
        accept=LINEITEM_TYPE,
        json=body,
        headers={"Content-Type": LINEITEM_TYPE},
    )
    _raise_for(answer, "creating a line item")
    try:
        return answer.json()["id"]
    except (ValueError, KeyError, TypeError):
        raise ServiceError("the platform created a line item but did not say its URL", retryable=True) from None


def post_score(
    registration: Registration, lineitem_url: str, *, user_id: str, score: float, maximum: float, timestamp: str
) -> None:
    """Send a final score: the activity is completed and fully graded."""
    body = {
        "userId": user_id,
        "scoreGiven": score,
        "scoreMaximum": maximum,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": timestamp,
    }
    answer = _call(
        registration,
        (AGS_SCOPE_SCORE,),
        "POST",
        service_url(lineitem_url, "scores"),
        accept="application/json",
        json=body,
        headers={"Content-Type": SCORE_TYPE},
    )
    _raise_for(answer, "sending a score")


def results(registration: Registration, lineitem_url: str, *, user_id: str | None = None) -> list[Score]:
    """The results the platform holds for a line item (one user's, or everyone's)."""
    url = service_url(lineitem_url, "results")
    if user_id:
        url = with_query(url, {"user_id": user_id})
    answer = _call(registration, (AGS_SCOPE_RESULT,), "GET", url, accept=RESULTS_TYPE)
    _raise_for(answer, "reading results")
    return [
        Score(
            user_id=str(item.get("userId", "")),
            score_given=item.get("resultScore"),
            score_maximum=item.get("resultMaximum"),
            comment=str(item.get("comment") or ""),
        )
        for item in _json_list(answer)
    ]


def service_url(lineitem_url: str, service: str) -> str:
    """A line item's /scores or /results URL: the segment goes into the path, before any query string."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + service))


def with_query(url: str, params: dict) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit(parts._replace(query=query))


# -- Names and Role Provisioning ----------------------------------------------------------------------------

_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?', re.IGNORECASE)


def members(registration: Registration, memberships_url: str) -> list[Member]:
    """Everyone in the platform's course, following the `Link: <…>; rel="next"` pages."""
    found: list[Member] = []
    url: str | None = memberships_url
    for _page in range(MAX_ROSTER_PAGES):
        if not url:
            break
        answer = _call(registration, (NRPS_SCOPE,), "GET", url, accept=MEMBERSHIPS_TYPE)
        _raise_for(answer, "reading the course roster")
        try:
            document = answer.json()
        except ValueError:
            raise ServiceError("the course roster is not JSON", retryable=True) from None
        for member in document.get("members", []) if isinstance(document, dict) else []:
            if not isinstance(member, dict) or not member.get("user_id"):
                continue
            name = member.get("name") or " ".join(filter(None, [member.get("given_name"), member.get("family_name")]))
            found.append(
                Member(
                    user_id=str(member["user_id"]),
                    name=str(name or ""),
                    roles=tuple(str(role) for role in member.get("roles") or []),
                    status=str(member.get("status") or "Active"),
                )
            )
        match = _NEXT_LINK.search(answer.headers.get("Link", ""))
        url = match.group(1) if match else None
    return found


# -- helpers ------------------------------------------------------------------------------------------------


def _raise_for(answer: requests.Response, doing: str) -> None:
    if 200 <= answer.status_code < 300:
        return
    raise ServiceError(
        f"the platform answered {answer.status_code} {doing}: {answer.text[:300]}",
        retryable=answer.status_code >= 500 or answer.status_code in (401, 408, 429),
        status=answer.status_code,
    )


def _json_list(answer: requests.Response) -> list[dict]:
    try:
        document = answer.json()
    except ValueError:
        return []
    if isinstance(document, dict):  # some platforms wrap the list
        document = document.get("lineItems") or document.get("results") or []
    return [item for item in document if isinstance(item, dict)] if isinstance(document, list) else []
