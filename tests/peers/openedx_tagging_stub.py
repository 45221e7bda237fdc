"""Open edX's content tagging, as a test peer: the LMS's OAuth2 token endpoint and Studio's taxonomy REST API.

``OpenedxTaggingStub`` listens on 127.0.0.1 (a free port) in a thread, keeps taxonomies and their tags in
memory and records every request. It answers as the documented API does (openedx_tagging's
``rest_api/v1/views.py``, ``serializers.py``, ``import_export/`` and edx-platform's
``content_tagging/rest_api/v1/``), for the parts Tosca uses:

- ``POST {lms_url}/oauth2/access_token`` (``grant_type=client_credentials``, ``client_id``, ``client_secret``,
  ``token_type=jwt``; or HTTP Basic credentials): ``{"access_token", "token_type": "JWT", "expires_in",
  "scope"}``; 401 ``{"error": "invalid_client"}`` for a wrong client or secret;
- ``GET {cms_url}/api/content_tagging/v1/taxonomies/``: edx-drf-extensions' page (``next``, ``previous``,
  ``count``, ``num_pages``, ``current_page``, ``start``, ``results``) plus ``can_add_taxonomy``; the system
  taxonomy “Languages” (id -1) is always there;
- ``POST .../taxonomies/import/`` (multipart ``taxonomy_name``, ``taxonomy_export_id``, ``taxonomy_description``,
  ``file``): 201 and the taxonomy; 400 with the import task's log (a JSON string) when the file is refused, and
  then the taxonomy is gone again; a duplicate or invalid export id fails the model's validation, which that
  view does not catch: 500;
- ``PUT .../taxonomies/{id}/tags/import/`` and ``.../tags/import/plan/``: import with ``replace=True`` (tags
  missing from the file are deleted, their children moved to the root), or only plan it;
- ``PUT .../taxonomies/{id}/orgs/`` (JSON ``{"orgs": [...]}`` or ``{"all_orgs": true}``).

Every API request needs ``Authorization: JWT <token>`` from the token endpoint. Imports check what the platform
checks: the ``id`` and ``value`` columns, empty fields, duplicate ids and values (ignoring case), a parent that
is neither in the taxonomy nor earlier in the file, and, when a tag is written, the characters a tag value may
not hold. ``taxonomy_admin=False`` makes the client's user one who may list but not import (403).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LMS_PREFIX = "/lms"
CMS_PREFIX = "/cms"
API = "/api/content_tagging/v1/taxonomies/"
RESERVED_TAG_CHARS = ("\t", " > ", ";")
LANGUAGES = -1


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    json: object = None


@dataclass
class StubTag:
    pk: int
    external_id: str
    value: str
    parent: str | None  # the parent's external_id


@dataclass
class StubTaxonomy:
    id: int
    name: str
    export_id: str
    description: str = ""
    enabled: bool = True
    allow_free_text: bool = False
    system_defined: bool = False
    orgs: list[str] = field(default_factory=list)
    all_orgs: bool = False
    tags: dict[str, StubTag] = field(default_factory=dict)  # by external_id, in creation order
    imports: list[str] = field(default_factory=list)  # the log of every import task

    def tag(self, external_id: str) -> StubTag | None:
        return next((tag for key, tag in self.tags.items() if key.casefold() == external_id.casefold()), None)

    def with_value(self, value: str) -> StubTag | None:
        return next((tag for tag in self.tags.values() if tag.value.casefold() == value.casefold()), None)


class OpenedxTaggingStub:
    def __init__(
        self,
        *,
        client_id: str = "tosca-taxonomy-sync",
        client_secret: str = "s3cret-of-the-oauth2-application",
        taxonomy_admin: bool = True,
        organizations: tuple[str, ...] = ("RegioneToscana", "ToscanaFormazione"),
        page_size_max: int = 500,
        export_ids: bool = True,
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.taxonomy_admin = taxonomy_admin
        self.organizations = set(organizations)
        self.page_size_max = page_size_max
        self.export_ids = export_ids  # False: list taxonomies as Open edX releases before export ids did
        self.requests: list[RecordedRequest] = []
        self.tokens: dict[str, float] = {}
        self.taxonomies: dict[int, StubTaxonomy] = {
            LANGUAGES: StubTaxonomy(id=LANGUAGES, name="Languages", export_id="languages-v1", system_defined=True)
        }
        self._next_taxonomy = 1
        self._next_tag = 1
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifetime --------------------------------------------------------------------------------------------

    def start(self) -> OpenedxTaggingStub:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> OpenedxTaggingStub:
        return self.start() if self._server is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stub is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def lms_url(self) -> str:
        return self.url + LMS_PREFIX

    @property
    def cms_url(self) -> str:
        return self.url + CMS_PREFIX

    # -- what tests look at ----------------------------------------------------------------------------------

    def taxonomy(self, export_id: str) -> StubTaxonomy | None:
        with self.lock:
            return next((t for t in self.taxonomies.values() if t.export_id == export_id), None)

    def user_taxonomies(self) -> list[StubTaxonomy]:
        with self.lock:
            return [taxonomy for taxonomy in self.taxonomies.values() if not taxonomy.system_defined]

    def tree(self, export_id: str) -> dict[str, tuple[str, str | None]]:
        """{tag id: (value, parent tag id)} of a taxonomy."""
        taxonomy = self.taxonomy(export_id)
        assert taxonomy is not None, f"no taxonomy has the export id {export_id}"
        with self.lock:
            return {tag.external_id: (tag.value, tag.parent) for tag in taxonomy.tags.values()}

    def requests_to(self, method: str, path_part: str) -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self.requests if r.method == method and path_part in r.path]

    def add_taxonomy(self, name: str, export_id: str, **fields) -> StubTaxonomy:
        """A taxonomy someone made in Studio before."""
        with self.lock:
            taxonomy = StubTaxonomy(id=self._next_taxonomy, name=name, export_id=export_id, **fields)
            self._next_taxonomy += 1
            self.taxonomies[taxonomy.id] = taxonomy
            return taxonomy

    # -- answering -------------------------------------------------------------------------------------------

    def answer(self, request: RecordedRequest) -> tuple[int, object]:
        with self.lock:
            self.requests.append(request)
            if request.path == LMS_PREFIX + "/oauth2/access_token":
                return self._token(request) if request.method == "POST" else _not_allowed(request)
            if request.path.startswith(CMS_PREFIX + API):
                refusal = self._unauthenticated(request)
                return refusal or self._taxonomies(request, request.path[len(CMS_PREFIX + API) :])
            return 404, _Html("Not Found", "The requested resource was not found on this server.")

    def _token(self, request: RecordedRequest) -> tuple[int, object]:
        client_id, client_secret = request.form.get("client_id", ""), request.form.get("client_secret", "")
        basic = request.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            client_id, _colon, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
        if request.form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        if client_id != self.client_id or client_secret != self.client_secret:
            return 401, {"error": "invalid_client"}
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.monotonic() + 3600
        kind = "JWT" if request.form.get("token_type", "").lower() == "jwt" else "Bearer"
        return 200, {"access_token": token, "expires_in": 3600, "token_type": kind, "scope": "read write email profile"}

    def _unauthenticated(self, request: RecordedRequest) -> tuple[int, object] | None:
        scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
        if not token:
            return 401, {"detail": "Authentication credentials were not provided."}
        if scheme not in ("JWT", "Bearer") or self.tokens.get(token, 0) < time.monotonic():
            return 401, {"detail": "Error decoding token."}
        return None

    def _taxonomies(self, request: RecordedRequest, rest: str) -> tuple[int, object]:
        method = request.method
        if rest == "":
            return self._list(request) if method == "GET" else _not_allowed(request)
        if rest == "import/":
            return self._create_import(request) if method == "POST" else _not_allowed(request)
        match = re.fullmatch(r"(-?\d+)/(tags/import/|tags/import/plan/|orgs/)", rest)
        if not match:
            return 404, {"detail": "Not found."}
        if method != "PUT":
            return _not_allowed(request)
        if not self.taxonomy_admin:
            return 403, {"detail": "You do not have permission to perform this action."}
        action = match.group(2)
        if action == "orgs/":
            return self._orgs(request, int(match.group(1)))
        body_error = _file_error(request)
        if body_error:  # the view validates the body before it looks the taxonomy up
            return 400, body_error
        taxonomy = self.taxonomies.get(int(match.group(1)))
        if taxonomy is None:
            return 404, {"detail": "Not found."}
        filename, content = request.files["file"]
        try:
            ok, log, plan = self._import(taxonomy, filename, content, replace=True, plan_only=action.endswith("plan/"))
        except ValueError as error:
            if action.endswith("plan/"):
                return 400, {"error": str(error)}
            return 400, str(error)
        if action.endswith("plan/"):
            task = {"id": len(taxonomy.imports), "log": log, "status": "success" if ok else "error"}
            return (
                (200, {"task": task, "plan": plan, "error": None})
                if ok
                else (
                    400,
                    {"task": task, "plan": plan, "error": log},
                )
            )
        return (200, self._serialized(taxonomy)) if ok else (400, log)

    def _list(self, request: RecordedRequest) -> tuple[int, object]:
        try:
            page = int((request.query.get("page") or ["1"])[0])
            size = min(int((request.query.get("page_size") or ["500"])[0]), self.page_size_max)
        except ValueError:
            return 404, {"detail": "Invalid page."}
        enabled = (request.query.get("enabled") or [None])[0]
        listed = sorted(self.taxonomies.values(), key=lambda taxonomy: (taxonomy.name.casefold(), taxonomy.id))
        if enabled is not None:
            listed = [taxonomy for taxonomy in listed if taxonomy.enabled == (enabled.lower() in ("true", "1"))]
        pages = max(1, -(-len(listed) // size))
        if not 1 <= page <= pages:
            return 404, {"detail": "Invalid page."}
        base = f"{self.cms_url}{API}"

        def link(number: int) -> str | None:
            return f"{base}?page={number}&page_size={size}" if 1 <= number <= pages else None

        return 200, {
            "next": link(page + 1),
            "previous": link(page - 1),
            "count": len(listed),
            "num_pages": pages,
            "current_page": page,
            "start": (page - 1) * size,
            "results": [self._serialized(taxonomy) for taxonomy in listed[(page - 1) * size : page * size]],
            "can_add_taxonomy": self.taxonomy_admin,
        }

    def _create_import(self, request: RecordedRequest) -> tuple[int, object]:
        if not self.taxonomy_admin:
            return 403, {"detail": "You do not have permission to perform this action."}
        errors = {}
        for name, required in (("taxonomy_name", True), ("taxonomy_description", False), ("taxonomy_export_id", False)):
            if name not in request.form:
                if required:
                    errors[name] = ["This field is required."]
            elif not request.form[name].strip():
                errors[name] = ["This field may not be blank."]
        errors.update(_file_error(request) or {})
        if errors:
            return 400, errors
        export_id = (
            request.form.get("taxonomy_export_id")
            or f"{len(self.taxonomies) + 1}-{_slug(request.form['taxonomy_name'])}"
        )
        taken = any(taxonomy.export_id.casefold() == export_id.casefold() for taxonomy in self.taxonomies.values())
        if taken or not re.fullmatch(r"[\w\-.]+", export_id) or len(export_id) > 255:
            # Taxonomy.full_clean() raises a Django ValidationError, which create_import does not turn into a 400.
            return 500, _Html("Server Error (500)", "Server Error (500)")
        taxonomy = self.add_taxonomy(
            request.form["taxonomy_name"], export_id, description=request.form.get("taxonomy_description", "")
        )
        filename, content = request.files["file"]
        try:
            ok, log, _plan = self._import(taxonomy, filename, content, replace=False, plan_only=False)
        except ValueError as error:
            ok, log = False, str(error)
        if not ok:
            del self.taxonomies[taxonomy.id]
            return 400, log
        return 201, self._serialized(taxonomy)

    def _orgs(self, request: RecordedRequest, taxonomy_id: int) -> tuple[int, object]:
        taxonomy = self.taxonomies.get(taxonomy_id)
        if taxonomy is None:
            return 404, {"detail": "Not found."}
        body = request.json if isinstance(request.json, dict) else {}
        orgs, all_orgs = body.get("orgs"), bool(body.get("all_orgs"))
        unknown = [org for org in orgs or [] if org not in self.organizations]
        if unknown:
            return 400, {"orgs": [f"Object with short_name={unknown[0]} does not exist."]}
        if (orgs is not None) == all_orgs:
            return 400, {"non_field_errors": ["You must specify either orgs or all_orgs, but not both."]}
        taxonomy.orgs, taxonomy.all_orgs = ([], True) if all_orgs else (list(orgs), False)
        return 200, b""

    def _serialized(self, taxonomy: StubTaxonomy) -> dict:
        data = {
            "id": taxonomy.id,
            "name": taxonomy.name,
            "description": taxonomy.description,
            "enabled": taxonomy.enabled,
            "allow_multiple": True,
            "allow_free_text": taxonomy.allow_free_text,
            "system_defined": taxonomy.system_defined,
            "visible_to_authors": True,
            "tags_count": len(taxonomy.tags),
            "can_change_taxonomy": self.taxonomy_admin and not taxonomy.system_defined,
            "can_delete_taxonomy": self.taxonomy_admin and not taxonomy.system_defined,
            "can_tag_object": None,
            "export_id": taxonomy.export_id,
            "orgs": list(taxonomy.orgs),
            "all_orgs": taxonomy.all_orgs or taxonomy.system_defined,
        }
        if not self.export_ids:
            del data["export_id"]
        return data

    # -- the importer: openedx_tagging's import_tags(), plan then execute, all or nothing --------------------

    def _import(self, taxonomy: StubTaxonomy, filename: str, content: bytes, *, replace: bool, plan_only: bool):
        if taxonomy.allow_free_text:
            raise ValueError(f"Invalid taxonomy ({taxonomy.id}): You cannot import a free-form taxonomy.")
        if taxonomy.system_defined:
            raise ValueError(f"Invalid taxonomy ({taxonomy.id}): You cannot import a system-defined taxonomy.")
        log = _Log()
        log.add("Import task created")
        log.add("Starting to load data from file")
        try:
            rows, errors = _parse(filename, content)
        except Exception as error:  # the task logs any exception and fails
            log.add(repr(error))
            return self._done(taxonomy, log, False, "")
        if errors:
            for error in errors:
                log.add(error)
            return self._done(taxonomy, log, False, "")
        log.add("Load data finished")
        log.add("Starting plan actions")
        actions, problems = _plan(taxonomy, rows, replace=replace)
        plan = _plan_text(taxonomy, actions, problems)
        log.add("Plan finished")
        log.text += f"\n{plan}\n"
        if problems:
            return self._done(taxonomy, log, False, plan)
        if not plan_only:
            log.add("Starting execute actions")
            try:
                self._execute(taxonomy, actions, log)
            except ValueError as error:
                log.add(repr(error))
                return self._done(taxonomy, log, False, plan)
        log.add("Execution finished")
        return self._done(taxonomy, log, True, plan)

    def _done(self, taxonomy: StubTaxonomy, log: _Log, ok: bool, plan: str) -> tuple[bool, str, str]:
        taxonomy.imports.append(log.text)
        return ok, log.text, plan

    def _execute(self, taxonomy: StubTaxonomy, actions: list[_Action], log: _Log) -> None:
        tags = {key: StubTag(**vars(tag)) for key, tag in taxonomy.tags.items()}  # written back only on success
        next_tag = self._next_tag
        for action in actions:
            log.add(f"#{action.index}: {action.describe()} [Started]")
            item = action.item
            if action.name == "create":
                _check_value(item.value)
                tags[item.id] = StubTag(pk=next_tag, external_id=item.id, value=item.value, parent=item.parent_id)
                next_tag += 1
            elif action.name == "delete":
                doomed = {key for key in tags if key.casefold() == item.id.casefold()}
                while doomed:  # Tag.parent is on_delete=CASCADE
                    for key in doomed:
                        tags.pop(key, None)
                    doomed = {key for key, tag in tags.items() if tag.parent and tag.parent in doomed}
            elif action.name in ("update_parent", "rename"):
                tag = next(tag for key, tag in tags.items() if key.casefold() == item.id.casefold())
                if action.name == "rename":
                    _check_value(item.value)
                    tag.value = item.value
                else:
                    tag.parent = item.parent_id
            log.add("Success")
        taxonomy.tags = tags
        self._next_tag = next_tag


@dataclass
class _Item:
    id: str
    value: str
    parent_id: str | None
    index: int


@dataclass
class _Action:
    name: str
    item: _Item
    index: int

    def describe(self) -> str:
        item = self.item
        if self.name == "create":
            return (
                f"Create a new tag with values (external_id={item.id}, value={item.value}, parent_id={item.parent_id})."
            )
        if self.name == "rename":
            return f"Rename tag value of <Tag> ({item.id}) to '{item.value}'"
        if self.name == "update_parent":
            return f"Update the parent of <Tag> ({item.id}) to {item.parent_id}"
        if self.name == "delete":
            return f"Delete tag <TagItem> ({item.id} / {item.value})"
        return f"No changes needed for <TagItem> ({item.id} / {item.value})"


def _parse(filename: str, content: bytes) -> tuple[list[_Item], list[str]]:
    extension = filename.rsplit(".", 1)[-1].lower()
    if extension == "json":
        try:
            document = json.loads(content.decode("utf-8"))
        except json.JSONDecodeError as error:
            return [], [f"Invalid '.json' format: {error}"]
        if not isinstance(document, dict) or "tags" not in document:
            return [], ["Invalid '.json' format: Missing 'tags' field on the .json file"]
        records, first = document["tags"], 0
    else:
        reader = csv.DictReader(io.StringIO(content.decode("utf-8")))  # plain UTF-8, as TextIOWrapper reads it
        header = reader.fieldnames or []
        missing = [name for name in ("id", "value") if name not in header]
        if missing:
            return [], [f"Invalid '.csv' format: Missing '{name}' field on CSV headers" for name in missing]
        records, first = list(reader), 2
    items, errors = [], []
    for row, record in enumerate(records, start=first):
        empty = [name for name in ("id", "value") if not record.get(name)]
        for name in empty:
            errors.append(f"Empty '{name}' field on the row {row}")
        if not empty:
            items.append(_Item(record["id"], record["value"], record.get("parent_id") or None, row))
    return items, errors


def _plan(taxonomy: StubTaxonomy, items: list[_Item], *, replace: bool) -> tuple[list[_Action], list[str]]:
    actions: list[_Action] = []
    problems: list[str] = []

    def add(name: str, item: _Item) -> _Action:
        action = _Action(name, item, len(actions) + 1)
        actions.append(action)
        return action

    def earlier(name: str, attribute: str, value: str, before: int | None = None) -> _Action | None:
        return next(
            (
                a
                for a in actions
                if a.name == name
                and getattr(a.item, attribute).casefold() == value.casefold()
                and (before is None or a.index < before)
            ),
            None,
        )

    def check_parent(action: _Action) -> None:
        parent = action.item.parent_id
        if parent and taxonomy.tag(parent) is None and earlier("create", "id", parent, action.index) is None:
            problems.append(
                f"Action error in '{action.name}' (#{action.index}): Unknown parent tag ({parent}). "
                "You need to add parent before the child in your file."
            )

    def check_value(action: _Action) -> None:
        value = action.item.value
        deleted = any(a.name == "delete" and a.item.value.casefold() == value.casefold() for a in actions)
        holder = taxonomy.with_value(value)
        if holder is not None and not deleted:
            problems.append(
                f"Action error in '{action.name}' (#{action.index}): "
                f"Duplicated tag value with tag in database (external_id={holder.external_id})."
            )
            return
        other = earlier("create", "value", value, action.index) or earlier("rename", "value", value, action.index)
        if other is not None:
            problems.append(
                f"Conflict with '{action.name}' (#{action.index}) and action #{other.index}: Duplicated tag value."
            )

    if replace:
        wanted = {item.id.casefold() for item in items}
        doomed = [tag for tag in taxonomy.tags.values() if tag.external_id.casefold() not in wanted]
        doomed_ids = {tag.external_id for tag in doomed}
        for tag in doomed:
            for child in taxonomy.tags.values():
                if child.parent == tag.external_id and child.external_id not in doomed_ids:
                    add("update_parent", _Item(child.external_id, child.value, None, 0))
            add("delete", _Item(tag.external_id, tag.value, None, 0))
    for item in items:
        existing = taxonomy.tag(item.id)
        if existing is None:
            create = earlier("create", "id", item.id)
            action = add("create", item)
            if create is not None:
                problems.append(
                    f"Conflict with 'create' (#{action.index}) and action #{create.index}: Duplicated external_id tag."
                )
            check_value(action)
            check_parent(action)
            continue
        changed = False
        if (existing.parent or None) != (item.parent_id or None):
            check_parent(add("update_parent", item))
            changed = True
        if existing.value != item.value:
            check_value(add("rename", item))
            changed = True
        if not changed:
            add("without_changes", item)
    return actions, problems


def _plan_text(taxonomy: StubTaxonomy, actions: list[_Action], problems: list[str]) -> str:
    text = f"Import plan for {taxonomy.name}\n--------------------------------\n"
    text += "".join(f"#{action.index}: {action.describe()}\n" for action in actions)
    if problems:
        text += "\nOutput errors\n--------------------------------\n" + "".join(f"{p}\n" for p in problems)
    return text


def _check_value(value: str) -> None:
    """Tag.full_clean(), which the importer runs as it writes each tag (Taxonomy.add_tag)."""
    for reserved in RESERVED_TAG_CHARS:
        if reserved in value:
            raise ValueError(f"ValidationError(['Tags cannot contain a '{reserved}' character.'])")
    if len(value) > 500:
        raise ValueError("ValidationError({'value': ['Ensure this value has at most 500 characters.']})")


def _file_error(request: RecordedRequest) -> dict | None:
    if "file" not in request.files:
        return {"file": ["No file was submitted."]}
    extension = request.files["file"][0].rsplit(".", 1)[-1]
    if extension.lower() not in ("csv", "json"):
        return {"file": [f"File type not supported: {extension.lower()}"]}
    return None


def _not_allowed(request: RecordedRequest) -> tuple[int, dict]:
    return 405, {"detail": f'Method "{request.method}" not allowed.'}


def _slug(name: str) -> str:
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", name.lower())).strip("-_")


class _Log:
    def __init__(self):
        self.text = ""

    def add(self, message: str) -> None:
        self.text += f"[{datetime.now():%Y-%m-%d %H:%M:%S}] {message}\n"


@dataclass(frozen=True)
class _Html:
    title: str
    text: str

    def render(self) -> bytes:
        page = f"<!doctype html><html><head><title>{self.title}</title></head><body><h1>{self.text}</h1></body></html>"
        return page.encode()


def _handler_for(stub: OpenedxTaggingStub) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        pass

    Handler.stub = stub
    return Handler


class _Handler(BaseHTTPRequestHandler):
    stub: OpenedxTaggingStub

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers=dict(self.headers.items()),
            body=body,
        )
        _read_body(request)
        status, payload = self.stub.answer(request)
        if isinstance(payload, _Html):
            content, kind = payload.render(), "text/html; charset=utf-8"
        elif isinstance(payload, bytes):
            content, kind = payload, "application/json"
        else:
            content, kind = json.dumps(payload).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


def _read_body(request: RecordedRequest) -> None:
    kind = request.headers.get("Content-Type", "")
    if kind.startswith("application/x-www-form-urlencoded"):
        request.form = {key: values[-1] for key, values in parse_qs(request.body.decode()).items()}
    elif kind.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + request.body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                request.files[name] = (part.get_filename(), payload)
            else:
                request.form[name] = payload.decode("utf-8")
    elif kind.startswith("application/json") and request.body:
        try:
            request.json = json.loads(request.body)
        except ValueError:
            request.json = None
