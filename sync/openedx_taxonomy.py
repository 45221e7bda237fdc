"""A framework as a taxonomy of Open edX's own tagging, so that designers can tag with Studio's “Manage tags”.

`push_taxonomy` exports the framework in the platform's taxonomy CSV (`id,value,parent_id`), gets a token from
the LMS (OAuth2 client credentials, a JWT) and talks to Studio's content-tagging REST API
(`/api/content_tagging/v1/`, the openedx_tagging views that edx-platform extends with organizations):

- `GET taxonomies/` (paginated) finds the taxonomy whose `export_id` is derived from the framework's code;
- `POST taxonomies/import/` creates it and imports the tags in one request, when there is none;
- `PUT taxonomies/{id}/tags/import/` otherwise imports the tags again into it. The platform's importer matches
  tags on their `id` (our node code): a new label renames the tag in place (what authors tagged with it stays
  tagged), a new node is created, and a tag missing from the file (a retired node) is deleted;
- `PUT taxonomies/{id}/tags/import/plan/` gives the importer's plan without changing anything (dry run);
- `PUT taxonomies/{id}/orgs/` makes it available to organizations: a taxonomy created by a global taxonomy
  administrator belongs to none, and authors of a course see only their organization's taxonomies.

Running it twice with the same framework updates the same taxonomy: the export_id is the key. Every failure
is a `TaxonomyPushFailed` whose message names the step, the address, the status and the platform's own words.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from repertory import api as repertory
from repertory.data import Format, FrameworkInfo

# Settings: TOSCA_OPENEDX = {"cms_url", "lms_url", "client_id", "client_secret", "orgs", "all_orgs", "timeout"};
# each can also come from the environment, which wins.
ENVIRONMENT = {
    "cms_url": "TOSCA_OPENEDX_CMS_URL",
    "lms_url": "TOSCA_OPENEDX_LMS_URL",
    "client_id": "TOSCA_OPENEDX_CLIENT_ID",
    "client_secret": "TOSCA_OPENEDX_CLIENT_SECRET",
    "orgs": "TOSCA_OPENEDX_ORGS",
    "all_orgs": "TOSCA_OPENEDX_ALL_ORGS",
    "timeout": "TOSCA_OPENEDX_TIMEOUT",
}
TOKEN_PATH = "/oauth2/access_token"
TAXONOMIES_PATH = "/api/content_tagging/v1/taxonomies/"
# Limits of openedx_tagging's models: Taxonomy.export_id (255, `^[\w\-.]+$`), Taxonomy.name (255),
# Tag.external_id (255), Tag.value (500); a value may not hold a tab, “ > ” or “;” (they separate levels and tags).
EXPORT_ID_MAX = 255
NAME_MAX = 255
TAG_ID_MAX = 255
TAG_VALUE_MAX = 500
RESERVED_IN_VALUES = (("\t", " "), (" > ", " - "), (";", ","))
# openedx_tagging lists and exports a taxonomy's tree this many levels deep (TAXONOMY_MAX_DEPTH = 3: depths 0-2).
PLATFORM_LEVELS = 3
# The platform's TaxonomyPagination serves at most 500 taxonomies a page.
PAGE_SIZE = 500
MAX_PAGES = 100
ANSWER_EXCERPT = 500
# Lines of an import task's log that only say how far it got.
_ROUTINE_LOG_LINES = {
    "Import task created",
    "Starting to load data from file",
    "Load data finished",
    "Starting plan actions",
    "Plan finished",
    "Starting execute actions",
    "Execution finished",
}
_LOG_TIMESTAMP = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] ")
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


class TaxonomyPushFailed(Exception):
    """The push did not happen, or not completely; `message` says which step failed and why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class PushReport:
    framework: str
    export_id: str
    taxonomy_id: int | None
    """None only for the dry run of a taxonomy that does not exist yet."""
    taxonomy_name: str
    created: bool
    """True when this push created the taxonomy (or, in a dry run, would create it)."""
    tag_count: int
    """The tags the platform says the taxonomy has (what was sent, when it does not say)."""
    answer: str
    """The platform's answer, summed up."""
    dry_run: bool = False
    plan: str = ""
    """The platform's import plan (dry run of an update only)."""
    orgs: tuple[str, ...] = ()
    all_orgs: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Tag:
    id: str
    value: str
    parent_id: str


def push_taxonomy(
    framework_code: str,
    *,
    cms_url: str,
    lms_url: str,
    client_id: str,
    client_secret: str,
    session: requests.Session | None = None,
    timeout: float = 30,
    orgs: Sequence[str] = (),
    all_orgs: bool = False,
    dry_run: bool = False,
    language: str | None = None,
) -> PushReport:
    """Create or update the Open edX taxonomy of a framework's live nodes. Raises TaxonomyPushFailed.

    `orgs` (short names) or `all_orgs` also sets which organizations may use it; without them, the taxonomy's
    organizations are left as Studio has them. `dry_run` asks the platform for its import plan and changes nothing.
    Labels, name and description are in `language` (default: LANGUAGE_CODE), whatever language is active: a push
    from another locale would otherwise rename every tag.
    """
    _check_arguments(cms_url=cms_url, lms_url=lms_url, client_id=client_id, client_secret=client_secret)
    if timeout <= 0:
        raise TaxonomyPushFailed(_("The timeout must be a number of seconds above 0."))
    if orgs and all_orgs:
        raise TaxonomyPushFailed(_("Give either organizations or all organizations, not both."))
    framework, file_name, exported = _export(framework_code, language or settings.LANGUAGE_CODE)
    tags, content, warnings = _prepared(exported)
    if not file_name.endswith(".csv"):  # the platform picks its parser from the file's extension
        file_name += ".csv"
    export_id = export_id_for(framework.code)
    name = (framework.title or framework.code)[:NAME_MAX]
    owned = session is None
    platform = _Platform(session or requests.Session(), cms_url=cms_url, lms_url=lms_url, timeout=timeout)
    try:
        platform.authenticate(client_id, client_secret)
        existing = platform.find_taxonomy(export_id)
        if dry_run:
            return _dry_run(platform, framework.code, export_id, name, existing, file_name, content, tags, warnings)
        if existing is None:
            answer = platform.create_taxonomy(name, framework.description, export_id, file_name, content)
        else:
            answer = platform.import_tags(existing["id"], file_name, content)
        taxonomy_id = answer.data["id"]
        if orgs or all_orgs:
            platform.assign_orgs(taxonomy_id, orgs=orgs, all_orgs=all_orgs)
    finally:
        if owned:
            platform.session.close()
    warnings += _warnings_about(answer.data, assigned=bool(orgs or all_orgs))
    tag_count = answer.data.get("tags_count")
    return PushReport(
        framework=framework.code,
        export_id=export_id,
        taxonomy_id=taxonomy_id,
        taxonomy_name=str(answer.data.get("name") or name),
        created=existing is None,
        tag_count=tag_count if isinstance(tag_count, int) else len(tags),
        answer=answer.summary,
        orgs=tuple(orgs),
        all_orgs=all_orgs,
        warnings=tuple(warnings),
    )


def export_id_for(code: str) -> str:
    """The taxonomy's export_id for a framework code: the platform takes letters, digits, `_`, `-` and `.`."""
    ascii_code = unicodedata.normalize("NFKD", code).encode("ascii", "ignore").decode("ascii")
    export_id = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_code).strip("-")[:EXPORT_ID_MAX].strip("-")
    if not export_id:
        raise TaxonomyPushFailed(
            _("The framework code “%(code)s” gives no usable Open edX export id (letters, digits, _ - . only).")
            % {"code": code}
        )
    return export_id


def configured_defaults() -> dict:
    """What TOSCA_OPENEDX and the TOSCA_OPENEDX_* environment variables say (the environment wins)."""
    configured = dict(getattr(settings, "TOSCA_OPENEDX", None) or {})
    for key, variable in ENVIRONMENT.items():
        value = os.environ.get(variable, "").strip()
        if value:
            configured[key] = value
    if isinstance(configured.get("orgs"), str):
        configured["orgs"] = [org.strip() for org in configured["orgs"].split(",") if org.strip()]
    if isinstance(configured.get("all_orgs"), str):
        configured["all_orgs"] = configured["all_orgs"].strip().lower() in {"1", "true", "yes", "on"}
    return configured


# -- the framework, as the platform's importer takes it ---------------------------------------------------


def _export(code: str, language: str) -> tuple[FrameworkInfo, str, bytes]:
    try:
        with translation.override(language):
            framework = repertory.get_framework(code)
            file_name, content = repertory.export_framework(code, export_format=Format.OPENEDX_CSV)
    except repertory.FrameworkNotFound:
        raise TaxonomyPushFailed(_("No framework has the code “%(code)s”.") % {"code": code}) from None
    return framework, file_name, content


def _prepared(content: bytes) -> tuple[list[_Tag], bytes, list[str]]:
    """The tags, the file the platform gets, and warnings about what it will make of them."""
    tags, adjusted = _platform_tags(content)
    warnings = []
    if adjusted:
        warnings.append(
            ngettext(
                "%(count)d tag value was adjusted for Open edX, which refuses a tab, “ > ” or “;” in a tag and "
                "more than %(max)d characters.",
                "%(count)d tag values were adjusted for Open edX, which refuses a tab, “ > ” or “;” in a tag and "
                "more than %(max)d characters.",
                adjusted,
            )
            % {"count": adjusted, "max": TAG_VALUE_MAX}
        )
    levels = _levels(tags)
    if levels > PLATFORM_LEVELS:
        warnings.append(
            _(
                "The framework has %(levels)d levels; Open edX lists and exports taxonomies %(max)d levels deep, so "
                "the deepest tags are stored but only shown when their parent is opened."
            )
            % {"levels": levels, "max": PLATFORM_LEVELS}
        )
    return tags, _csv_bytes(tags), warnings


def _platform_tags(content: bytes) -> tuple[list[_Tag], int]:
    """The export's rows with values the platform accepts, and how many values had to change.

    Refused here, before anything is sent: ids the platform cannot store, or that it would take for one another
    (it compares them, and values, without regard to case).
    """
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    tags: list[_Tag] = []
    adjusted = 0
    seen_ids: dict[str, str] = {}
    seen_values: dict[str, str] = {}
    for row in reader:
        tag_id = (row.get("id") or "").strip()
        if len(tag_id) > TAG_ID_MAX or "\t" in tag_id:
            raise TaxonomyPushFailed(
                _("The code “%(code)s” cannot be an Open edX tag id (at most %(max)d characters, no tab).")
                % {"code": tag_id[:80], "max": TAG_ID_MAX}
            )
        if tag_id.casefold() in seen_ids:
            raise TaxonomyPushFailed(
                _("Open edX would take the codes “%(one)s” and “%(other)s” for the same tag (it ignores case).")
                % {"one": seen_ids[tag_id.casefold()], "other": tag_id}
            )
        seen_ids[tag_id.casefold()] = tag_id
        value = _platform_value(row.get("value") or "")
        adjusted += value != (row.get("value") or "")
        if value.casefold() in seen_values:
            raise TaxonomyPushFailed(
                _("The nodes “%(one)s” and “%(other)s” would give Open edX the same tag “%(value)s”.")
                % {"one": seen_values[value.casefold()], "other": tag_id, "value": value}
            )
        seen_values[value.casefold()] = tag_id
        tags.append(_Tag(id=tag_id, value=value, parent_id=(row.get("parent_id") or "").strip()))
    return tags, adjusted


def _platform_value(value: str) -> str:
    for reserved, replacement in RESERVED_IN_VALUES:
        value = value.replace(reserved, replacement)
    value = " ".join(value.split())
    if len(value) > TAG_VALUE_MAX:
        value = value[: TAG_VALUE_MAX - 1].rstrip() + "…"
    return value


def _levels(tags: list[_Tag]) -> int:
    parent = {tag.id: tag.parent_id for tag in tags}
    deepest = 0
    for tag in tags:
        depth, current = 1, tag.parent_id
        while current and current in parent and depth <= len(tags):
            depth, current = depth + 1, parent[current]
        deepest = max(deepest, depth)
    return deepest


def _csv_bytes(tags: list[_Tag]) -> bytes:
    # UTF-8 without a BOM: the platform reads the file as plain UTF-8, and a BOM would hide the "id" column.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "value", "parent_id"])
    writer.writerows([tag.id, tag.value, tag.parent_id] for tag in tags)
    return buffer.getvalue().encode("utf-8")


def _dry_run(platform, code, export_id, name, existing, file_name, content, tags, warnings) -> PushReport:
    if existing is None:
        return PushReport(
            framework=code,
            export_id=export_id,
            taxonomy_id=None,
            taxonomy_name=name,
            created=True,
            tag_count=len(tags),
            answer=_("no taxonomy has the export id %(export_id)s yet") % {"export_id": export_id},
            dry_run=True,
            warnings=tuple(warnings),
        )
    answer = platform.plan_import(existing["id"], file_name, content)
    return PushReport(
        framework=code,
        export_id=export_id,
        taxonomy_id=existing["id"],
        taxonomy_name=str(existing.get("name") or name),
        created=False,
        tag_count=len(tags),
        answer=answer.summary,
        dry_run=True,
        plan=str(answer.data.get("plan") or ""),
        warnings=tuple(warnings),
    )


def _warnings_about(taxonomy: dict, *, assigned: bool) -> list[str]:
    warnings = []
    if taxonomy.get("enabled") is False:
        warnings.append(_("The taxonomy is disabled in Studio: authors do not see it until it is enabled."))
    if not assigned and taxonomy.get("orgs") == [] and taxonomy.get("all_orgs") is False:
        warnings.append(
            _(
                "The taxonomy belongs to no organization, so course authors cannot use it yet: give --org or "
                "--all-orgs, or assign it in Studio."
            )
        )
    return warnings


def _check_arguments(**values: str) -> None:
    names = {
        "cms_url": _("Studio (CMS) address"),
        "lms_url": _("LMS address"),
        "client_id": _("OAuth2 client id"),
        "client_secret": _("OAuth2 client secret"),
    }
    missing = [names[key] for key, value in values.items() if not (value or "").strip()]
    if missing:
        raise TaxonomyPushFailed(_("Missing for Open edX: %(missing)s.") % {"missing": ", ".join(missing)})
    for key in ("cms_url", "lms_url"):
        parts = urlsplit(values[key].strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TaxonomyPushFailed(
                _("The %(what)s “%(url)s” is not an http:// or https:// address.")
                % {"what": names[key], "url": values[key]}
            )


# -- the platform -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:
    data: dict
    summary: str


class _Platform:
    """Studio's taxonomy API and the LMS's token endpoint, each request with a timeout and a named step."""

    def __init__(self, session: requests.Session, *, cms_url: str, lms_url: str, timeout: float):
        self.session = session
        self.taxonomies_url = cms_url.strip().rstrip("/") + TAXONOMIES_PATH
        self.token_url = lms_url.strip().rstrip("/") + TOKEN_PATH
        self.timeout = timeout
        self.authorization = ""

    def authenticate(self, client_id: str, client_secret: str) -> None:
        step = _("getting an access token")
        answer = self._request(
            step,
            "POST",
            self.token_url,
            expect=(200,),
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
                "token_type": "jwt",
            },
            authenticated=False,
        )
        body = _json(answer, step, self.token_url)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise TaxonomyPushFailed(
                _("Open edX gave no access token while %(step)s at %(url)s: %(answer)s")
                % {"step": step, "url": self.token_url, "answer": _excerpt(answer)}
            )
        kind = str(body.get("token_type") or "JWT")
        self.authorization = f"{'Bearer' if kind.lower() == 'bearer' else 'JWT'} {token}"

    def find_taxonomy(self, export_id: str) -> dict | None:
        """The taxonomy with this export_id (compared as the platform's database may: ignoring case), or None."""
        step = _("listing the taxonomies")
        found: list[dict] = []
        listed = with_export_id = 0
        for page in range(1, MAX_PAGES + 1):
            answer = self._request(step, "GET", self.taxonomies_url, params={"page": page, "page_size": PAGE_SIZE})
            body = _json(answer, step, self.taxonomies_url)
            items, last = _page_of(body, page)
            if items is None:
                raise TaxonomyPushFailed(
                    _("Open edX answered with no list of taxonomies while %(step)s at %(url)s: %(answer)s")
                    % {"step": step, "url": self.taxonomies_url, "answer": _excerpt(answer)}
                )
            for item in items:
                if not isinstance(item, dict):
                    continue
                listed += 1
                if "export_id" in item:
                    with_export_id += 1
                    if str(item["export_id"]).casefold() == export_id.casefold():
                        found.append(item)
            if last:
                break
        if listed and not with_export_id:
            # Without export ids every push would create one more taxonomy: refuse instead.
            raise TaxonomyPushFailed(
                _(
                    "The taxonomies at %(url)s have no export_id, so a framework's taxonomy cannot be found again: "
                    "this Open edX is older than the content-tagging API Tosca needs (Redwood or later)."
                )
                % {"url": self.taxonomies_url}
            )
        exact = [item for item in found if item["export_id"] == export_id]
        matches = exact or found
        if len(matches) > 1:
            raise TaxonomyPushFailed(
                _("Several taxonomies at %(url)s have the export id %(export_id)s: %(ids)s. Keep one of them.")
                % {
                    "url": self.taxonomies_url,
                    "export_id": export_id,
                    "ids": ", ".join(str(item.get("id")) for item in matches),
                }
            )
        if not matches:
            return None
        taxonomy = matches[0]
        if not isinstance(taxonomy.get("id"), int):
            raise TaxonomyPushFailed(
                _("Open edX listed the taxonomy %(export_id)s without its id at %(url)s.")
                % {"export_id": export_id, "url": self.taxonomies_url}
            )
        if taxonomy.get("system_defined"):
            raise TaxonomyPushFailed(
                _(
                    "The taxonomy %(id)d with the export id %(export_id)s is defined by Open edX itself: "
                    "it takes no tags."
                )
                % {"id": taxonomy["id"], "export_id": export_id}
            )
        return taxonomy

    def create_taxonomy(self, name: str, description: str, export_id: str, file_name: str, content: bytes) -> _Answer:
        url = self.taxonomies_url + "import/"
        fields = {"taxonomy_name": name, "taxonomy_export_id": export_id}
        if description.strip():  # the platform refuses a blank description; without one it stores ""
            fields["taxonomy_description"] = description.strip()
        return self._taxonomy_answer(
            _("creating the taxonomy and importing its tags"),
            "POST",
            url,
            expect=(200, 201),
            data=fields,
            files={"file": (file_name, content, "text/csv")},
        )

    def import_tags(self, taxonomy_id: int, file_name: str, content: bytes) -> _Answer:
        return self._taxonomy_answer(
            _("importing the tags into taxonomy %(id)d") % {"id": taxonomy_id},
            "PUT",
            f"{self.taxonomies_url}{taxonomy_id}/tags/import/",
            expect=(200,),
            files={"file": (file_name, content, "text/csv")},
        )

    def plan_import(self, taxonomy_id: int, file_name: str, content: bytes) -> _Answer:
        step = _("planning the import into taxonomy %(id)d") % {"id": taxonomy_id}
        url = f"{self.taxonomies_url}{taxonomy_id}/tags/import/plan/"
        answer = self._request(step, "PUT", url, expect=(200,), files={"file": (file_name, content, "text/csv")})
        body = _json(answer, step, url)
        body = body if isinstance(body, dict) else {}
        return _Answer(data=body, summary=_summary(answer, body))

    def assign_orgs(self, taxonomy_id: int, *, orgs: Sequence[str], all_orgs: bool) -> None:
        self._request(
            _("making taxonomy %(id)d available to organizations") % {"id": taxonomy_id},
            "PUT",
            f"{self.taxonomies_url}{taxonomy_id}/orgs/",
            expect=(200, 204),
            json={"all_orgs": True} if all_orgs else {"orgs": list(orgs)},
        )

    def _taxonomy_answer(self, step: str, method: str, url: str, **options) -> _Answer:
        answer = self._request(step, method, url, **options)
        body = _json(answer, step, url)
        if not isinstance(body, dict) or not isinstance(body.get("id"), int):
            raise TaxonomyPushFailed(
                _("Open edX did not describe the taxonomy while %(step)s at %(url)s: %(answer)s")
                % {"step": step, "url": url, "answer": _excerpt(answer)}
            )
        return _Answer(data=body, summary=_summary(answer, body))

    def _request(
        self, step: str, method: str, url: str, *, expect=(200,), authenticated: bool = True, **options
    ) -> requests.Response:
        headers = {"Accept": "application/json"}
        if authenticated:
            headers["Authorization"] = self.authorization
        try:
            answer = self.session.request(method, url, headers=headers, timeout=self.timeout, **options)
        except requests.Timeout:
            message = _("Open edX did not answer within %(timeout)s s while %(step)s at %(url)s.") % {
                "timeout": f"{self.timeout:g}",
                "step": step,
                "url": url,
            }
            raise TaxonomyPushFailed(_with_retry_note(message, method, authenticated)) from None
        except requests.RequestException as error:
            message = _("Could not reach Open edX while %(step)s at %(url)s: %(reason)s.") % {
                "step": step,
                "url": url,
                "reason": _reason(error),
            }
            raise TaxonomyPushFailed(_with_retry_note(message, method, authenticated)) from None
        if answer.status_code not in expect:
            message = _("Open edX answered %(status)d while %(step)s at %(url)s: %(error)s") % {
                "status": answer.status_code,
                "step": step,
                "url": url,
                "error": platform_error(answer),
            }
            hint = _hint(answer.status_code, authenticated=authenticated)
            raise TaxonomyPushFailed(f"{message} {hint}".strip())
        return answer


def platform_error(answer: requests.Response) -> str:
    """The platform's own words in an answer: DRF's `detail` or field errors, OAuth2's `error`, an import's log."""
    try:
        body = answer.json()
    except ValueError:
        return _excerpt(answer)
    if isinstance(body, str):
        return _import_log_errors(body)
    if isinstance(body, dict):
        if "error" in body and isinstance(body["error"], str):
            text = body["error"]
            if body.get("error_description"):
                text += f": {body['error_description']}"
            if "\n" in text or text.startswith("["):  # the plan endpoint puts the import's log under "error"
                text = _import_log_errors(text)
            return text[:ANSWER_EXCERPT]
        if isinstance(body.get("detail"), str):
            return body["detail"][:ANSWER_EXCERPT]
        parts = []
        for field, problems in body.items():
            if isinstance(problems, list):
                problems = " ".join(str(problem) for problem in problems)
            parts.append(f"{field}: {problems}")
        return "; ".join(parts)[:ANSWER_EXCERPT]
    return str(body)[:ANSWER_EXCERPT]


def _import_log_errors(log: str) -> str:
    """What went wrong, out of an import task's log: its "Output errors" section, else its non-routine lines."""
    lines = [_LOG_TIMESTAMP.sub("", line).strip() for line in log.splitlines()]
    if "Output errors" in lines:
        lines = lines[lines.index("Output errors") + 1 :]
    wanted = [line for line in lines if line and line not in _ROUTINE_LOG_LINES and not set(line) <= {"-"}]
    return "; ".join(wanted)[:ANSWER_EXCERPT] or log.strip()[:ANSWER_EXCERPT]


def _with_retry_note(message: str, method: str, authenticated: bool) -> str:
    if authenticated and method in ("POST", "PUT"):
        # The platform may have done it all the same; the export id finds the taxonomy again.
        return message + " " + _("It may have been done anyway: pushing again is safe, it updates that taxonomy.")
    return message


def _hint(status: int, *, authenticated: bool) -> str:
    if not authenticated and status in (400, 401):
        return _(
            "Check the client id and secret of the OAuth2 application on the LMS "
            "(client type confidential, grant type client credentials)."
        )
    if authenticated and status in (401, 403):
        return _(
            "The OAuth2 application's user must be allowed to manage taxonomies in Studio "
            "(global staff, or content administrator of the organizations)."
        )
    if authenticated and status == 404:
        return _("Is the CMS address the Studio of an Open edX with content tagging (Redwood or later)?")
    return ""


def _page_of(body, page: int) -> tuple[list | None, bool]:
    """(the taxonomies of a listing page, whether it is the last); a bare list is a whole unpaginated listing."""
    if isinstance(body, list):
        return body, True
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        return None, True
    pages = body.get("num_pages")
    last = page >= pages if isinstance(pages, int) else not body.get("next")
    return body["results"], last or not body["results"]


def _json(answer: requests.Response, step: str, url: str):
    try:
        return answer.json()
    except ValueError:
        raise TaxonomyPushFailed(
            _("Open edX answered %(status)d with something other than JSON while %(step)s at %(url)s: %(answer)s")
            % {"status": answer.status_code, "step": step, "url": url, "answer": _excerpt(answer)}
        ) from None


def _summary(answer: requests.Response, body: dict) -> str:
    facts = [f"{answer.status_code} {answer.reason or ''}".strip()]
    for key in ("id", "export_id", "tags_count", "enabled", "orgs", "all_orgs"):
        if key in body:
            facts.append(f"{key}={body[key]}")
    task = body.get("task")
    if isinstance(task, dict) and task.get("status"):
        facts.append(f"task={task['status']}")
    return ", ".join(facts)


def _excerpt(answer: requests.Response) -> str:
    text = answer.text.strip()
    title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if title:  # an HTML error page: its title says enough
        return " ".join(title.group(1).split())[:ANSWER_EXCERPT]
    return " ".join(text.split())[:ANSWER_EXCERPT] or _("(an empty answer)")


def _reason(error: requests.RequestException) -> str:
    """The cause under requests' and urllib3's wrappers, such as “Connection refused”."""
    found = _ERRNO.findall(str(error))
    if found:
        return found[-1].strip()
    return " ".join(str(error).split())[:200] or type(error).__name__
