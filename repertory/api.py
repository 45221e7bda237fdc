"""The repertory's public face: every other app (and the site's views) calls these functions.

Values come back as the frozen dataclasses of `repertory.data`; problems as the exceptions of
`repertory.errors` (`ImportRejected` carries every problem found, each with file, row and field).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from repertory import exporters, search, text
from repertory.data import (
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    Association,
    CompetenceDetail,
    CompetenceRef,
    ContentTag,
    Format,
    FrameworkInfo,
    FrameworkVersionInfo,
    ImportReport,
    Role,
    SearchMatch,
    SearchResults,
    TreeNode,
    TreePage,
)
from repertory.errors import CompetenceNotFound, FrameworkNotFound, ImportRejected, reject
from repertory.importers import apply, case_json, esco_csv, moodle_csv, rrfp_csv
from repertory.importers.parsed import storable
from repertory.importers.source import RawFile, read_file, too_large
from repertory.models import Competence, Framework
from repertory.models import ContentTag as ContentTagModel
from repertory.progress import ProgressBar

__all__ = [
    "CompetenceNotFound",
    "FrameworkNotFound",
    "ImportRejected",
    "ProgressBar",
    "ancestors_of",
    "export_framework",
    "get_competence",
    "get_competences",
    "get_framework",
    "get_tree",
    "import_framework",
    "known_competences",
    "list_frameworks",
    "search_competences",
    "tag_content",
    "tags_for",
    "untag_content",
]

MAX_PAGE = 200


def import_framework(
    source: Path | str | bytes,
    *,
    source_format: str,
    name: str | None = None,
    encoding: str = "auto",
    language: str = "it",
    version: str = "",
    dry_run: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Import a framework file all-or-nothing; a newer version updates, retires and restores nodes.

    `source` is a path (a folder or ZIP archive for ESCO) or the bytes of an upload named `name`.
    Raises ImportRejected, listing every problem, and then nothing has been written.
    """
    if source_format not in IMPORT_FORMATS:
        raise reject(
            name or str(source)[:100],
            _("unknown format “%(format)s”; expected one of: %(formats)s.")
            % {"format": source_format, "formats": ", ".join(IMPORT_FORMATS)},
        )
    report = progress or apply.no_progress
    report("reading", 0, 1)
    if source_format == Format.ESCO_CSV:
        parsed = esco_csv.parse(_esco_source(source, name), encoding=encoding, version=version)
    else:
        raw = _raw(source, name)
        if source_format == Format.RRFP_CSV:
            parsed = rrfp_csv.parse(raw, encoding=encoding)
        elif source_format == Format.CASE_JSON:
            parsed = case_json.parse(raw, encoding=encoding)
        else:
            parsed = moodle_csv.parse(raw, encoding=encoding, language=language)
        if version:
            parsed.version = version
    report("validating", len(parsed.nodes), len(parsed.nodes))
    return apply.apply(parsed, dry_run=dry_run, progress=report)


def _esco_source(source: Path | str | bytes, name: str | None) -> Path | RawFile:
    return _raw(source, name or "esco.zip") if isinstance(source, bytes) else Path(source)


def _raw(source: Path | str | bytes, name: str | None) -> RawFile:
    """An upload's bytes (refused above the import limit, as files are) or the file at a path."""
    if not isinstance(source, bytes):
        return read_file(Path(source))
    if len(source) > settings.TOSCA_REPERTORY_MAX_IMPORT_BYTES:
        raise too_large(name or "upload", len(source))
    return RawFile(name=name or "upload", data=source)


def export_framework(code: str, *, export_format: str) -> tuple[str, bytes]:
    """(a file name, the file's bytes) for the framework's live nodes in `export_format`."""
    if export_format not in EXPORT_FORMATS:
        raise ValueError(
            _("unknown export format “%(format)s”; expected one of: %(formats)s.")
            % {"format": export_format, "formats": ", ".join(EXPORT_FORMATS)}
        )
    framework = _framework(code)
    return exporters.file_name(framework, export_format), exporters.export(framework, export_format)


def list_frameworks() -> list[FrameworkInfo]:
    frameworks = Framework.objects.annotate(live=Count("competences", filter=Q(competences__retired=False)))
    return [_framework_info(framework, framework.live) for framework in frameworks]


def get_framework(code: str) -> FrameworkInfo:
    """The framework with its version history, newest first. Raises FrameworkNotFound."""
    framework = _framework(code)
    live = framework.competences.filter(retired=False).count()
    versions = tuple(
        FrameworkVersionInfo(
            version=version.version,
            imported_at=version.imported_at,
            source_format=version.source_format,
            source_name=version.source_name,
            added=version.added,
            changed=version.changed,
            retired=version.retired,
            restored=version.restored,
        )
        for version in framework.versions.all()
    )
    return _framework_info(framework, live, versions)


def get_competence(
    uri: str | None = None, *, framework: str | None = None, code: str | None = None
) -> CompetenceDetail:
    """One node by URI, or by framework and code (the live node, else the latest retired one)."""
    queryset = Competence.objects.select_related("framework")
    if not _storable(uri, framework, code):
        raise CompetenceNotFound(uri or f"{framework}/{code}")
    if uri is not None:
        competence = queryset.filter(uri=uri).first()
    else:
        competence = queryset.filter(framework__code=framework, code=code).order_by("retired", "-id").first()
    if competence is None:
        raise CompetenceNotFound(uri or f"{framework}/{code}")
    return _detail(competence)


def known_competences(uris: Iterable[str]) -> set[str]:
    """Which of `uris` name a competence Tosca knows (live or retired).

    Every piece of evidence asks this. A competence is never deleted, so a URI once known stays known: the
    answer is remembered per process, and only URIs not seen before cost an index lookup.
    """
    wanted = [uri for uri in dict.fromkeys(uris) if _storable(uri)]
    known = {uri for uri in wanted if uri in _KNOWN_URIS}
    unseen = [uri for uri in wanted if uri not in known]
    for start in range(0, len(unseen), 500):
        found = Competence.objects.filter(uri__in=unseen[start : start + 500]).order_by().values_list("uri", flat=True)
        known.update(found)
        if len(_KNOWN_URIS) < _KNOWN_URIS_MAX:
            _KNOWN_URIS.update(found)
    return known


# URIs of competences known to exist (see known_competences); bounded so a huge repertory cannot exhaust memory.
_KNOWN_URIS: set[str] = set()
_KNOWN_URIS_MAX = 200_000


def forget_known_competences() -> None:
    """Drop the remembered URIs: only for tests, whose databases are emptied between tests."""
    _KNOWN_URIS.clear()


def get_competences(uris: Iterable[str]) -> dict[str, CompetenceRef]:
    """{uri: reference} for the URIs Tosca knows (retired nodes included, flagged); unknown URIs are left out."""
    wanted = [uri for uri in dict.fromkeys(uris) if _storable(uri)]
    found: dict[str, CompetenceRef] = {}
    for start in range(0, len(wanted), 500):
        for competence in Competence.objects.select_related("framework").filter(uri__in=wanted[start : start + 500]):
            found[competence.uri] = _ref(competence)
    return found


def ancestors_of(uris: Iterable[str]) -> dict[str, tuple[CompetenceRef, ...]]:
    """{uri: its ancestors, root first} for the URIs Tosca knows; one query per tree level, not per node."""
    wanted = [uri for uri in dict.fromkeys(uris) if _storable(uri)]
    nodes: dict[int, Competence] = {}
    parent_of_uri: dict[str, int | None] = {}
    for start in range(0, len(wanted), 500):
        for competence in Competence.objects.filter(uri__in=wanted[start : start + 500]).only("uri", "parent_id"):
            parent_of_uri[competence.uri] = competence.parent_id
    missing = {parent for parent in parent_of_uri.values() if parent is not None}
    while missing:
        fetched = Competence.objects.select_related("framework").filter(pk__in=missing)
        nodes.update({competence.pk: competence for competence in fetched})
        missing = {c.parent_id for c in fetched if c.parent_id is not None and c.parent_id not in nodes}
    result = {}
    for uri, parent_id in parent_of_uri.items():
        chain = []
        while parent_id is not None and parent_id in nodes and len(chain) < 50:
            chain.append(_ref(nodes[parent_id]))
            parent_id = nodes[parent_id].parent_id
        result[uri] = tuple(reversed(chain))
    return result


def get_tree(
    framework: str, *, parent_code: str | None = None, offset: int = 0, limit: int = 50, depth: int = 1
) -> TreePage:
    """The live children of `parent_code` (the roots when None), paginated, each with `depth - 1` levels below."""
    framework_obj = _framework(framework)
    parent = None
    if parent_code and not _storable(parent_code):
        raise CompetenceNotFound(f"{framework}/{parent_code}")
    if parent_code:
        parent = Competence.objects.filter(framework=framework_obj, code=parent_code, retired=False).first()
        if parent is None:
            raise CompetenceNotFound(f"{framework}/{parent_code}")
    limit = max(1, min(limit, MAX_PAGE))
    level = Competence.objects.filter(framework=framework_obj, parent=parent, retired=False)
    total = level.count()
    page = list(level.order_by("position", "id")[offset : offset + limit])
    for competence in page:
        competence.framework = framework_obj
    return TreePage(
        framework=framework_obj.code,
        parent=_ref(parent) if parent else None,
        total=total,
        offset=offset,
        limit=limit,
        nodes=_tree_nodes(framework_obj, page, depth),
    )


def tag_content(content_key: str, competence_uri: str, *, role: str = Role.DEVELOPS) -> ContentTag:
    """Tag content with a live competence (again: a no-op). Raises CompetenceNotFound, ValueError for a bad role."""
    if role not in Role.values:
        raise ValueError(
            _("unknown role “%(role)s”; expected one of: %(roles)s.") % {"role": role, "roles": ", ".join(Role.values)}
        )
    competence = Competence.objects.select_related("framework").filter(uri=competence_uri, retired=False).first()
    if competence is None or not _storable(content_key):
        raise CompetenceNotFound(competence_uri)
    ContentTagModel.objects.get_or_create(content_key=content_key, competence=competence, role=role)
    return ContentTag(content_key=content_key, role=role, competence=_ref(competence))


def untag_content(content_key: str, competence_uri: str, *, role: str = Role.DEVELOPS) -> bool:
    """Remove a tag; whether there was one."""
    deleted, _rows = ContentTagModel.objects.filter(
        content_key=content_key, competence__uri=competence_uri, role=role
    ).delete()
    return bool(deleted)


def tags_for(content_key: str, *, role: str | None = None) -> list[ContentTag]:
    """The competences `content_key` is tagged with, in the order they were tagged."""
    if not _storable(content_key):
        return []
    tags = ContentTagModel.objects.select_related("competence__framework").filter(content_key=content_key)
    if role is not None:
        tags = tags.filter(role=role)
    return [ContentTag(content_key=tag.content_key, role=tag.role, competence=_ref(tag.competence)) for tag in tags]


def search_competences(
    query: str,
    *,
    framework: str | None = None,
    kinds: Iterable[str] = (),
    offset: int = 0,
    limit: int = 20,
) -> SearchResults:
    """Live nodes whose code or words match `query`, best first: exact code, code prefix, then label words.

    Accents and case are ignored; Italian and English labels are both searched.
    """
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    framework_id = _framework(framework).pk if framework else None
    total, page = search.search(query, framework_id=framework_id, kinds=tuple(kinds), offset=offset, limit=limit)
    competences = Competence.objects.select_related("framework").in_bulk([competence_id for competence_id, _m in page])
    results = tuple(SearchMatch(ref=_ref(competences[competence_id]), match=match) for competence_id, match in page)
    return SearchResults(query=query, total=total, offset=offset, limit=limit, results=results)


# -- helpers ------------------------------------------------------------------------------------------------


def _framework(code: str) -> Framework:
    framework = Framework.objects.filter(code=code).first() if _storable(code) else None
    if framework is None:
        raise FrameworkNotFound(code)
    return framework


def _storable(*values: str | None) -> bool:
    """A value no database could hold (PostgreSQL refuses NUL) matches nothing, rather than failing the query."""
    return all(value is None or storable(value) for value in values)


def _framework_info(framework: Framework, node_count: int, versions=()) -> FrameworkInfo:
    return FrameworkInfo(
        code=framework.code,
        uri=framework.uri,
        title=framework.title,
        description=framework.description,
        version=framework.version,
        language=framework.language,
        licence=framework.licence,
        source_url=framework.source_url,
        publisher=framework.publisher,
        node_count=node_count,
        versions=versions,
    )


def _ref(competence: Competence) -> CompetenceRef:
    return CompetenceRef(
        uri=competence.uri,
        code=competence.code,
        label=competence.label,
        kind=competence.kind,
        eqf_level=competence.eqf_level,
        framework=competence.framework.code,
        retired=competence.retired,
    )


def _tree_nodes(framework: Framework, competences: list[Competence], depth: int) -> tuple[TreeNode, ...]:
    ids = [competence.pk for competence in competences]
    children: dict[int, list[Competence]] = defaultdict(list)
    counts: dict[int, int] = {}
    if ids:
        below = Competence.objects.filter(parent_id__in=ids, retired=False)
        counts = dict(below.values("parent_id").annotate(n=Count("id")).values_list("parent_id", "n"))
        if depth > 1:
            for child in below.order_by("position", "id"):
                child.framework = framework
                children[child.parent_id].append(child)
    return tuple(
        TreeNode(
            ref=_ref(competence),
            child_count=counts.get(competence.pk, 0),
            children=_tree_nodes(framework, children[competence.pk], depth - 1) if depth > 1 else (),
        )
        for competence in competences
    )


def _detail(competence: Competence) -> CompetenceDetail:
    ancestors = []
    parent = competence.parent
    while parent is not None and len(ancestors) < 50:
        parent.framework = competence.framework
        ancestors.append(_ref(parent))
        parent = parent.parent
    children = list(competence.children.filter(retired=False).order_by("position", "id"))
    for child in children:
        child.framework = competence.framework
    stored = list(competence.associations.all())
    known = {
        target.uri: target
        for target in Competence.objects.select_related("framework").filter(uri__in=[a.target for a in stored])
    }
    referencing = (
        Competence.objects.select_related("framework")
        .filter(associations__target=competence.uri)
        .distinct()
        .order_by("framework__code", "code")[:200]
    )
    return CompetenceDetail(
        ref=_ref(competence),
        label_it=competence.label_it,
        label_en=competence.label_en,
        description=competence.description,
        description_it=competence.description_it,
        description_en=competence.description_en,
        alt_labels=tuple(text.in_active_language(competence.alt_labels_it, competence.alt_labels_en).splitlines()),
        source_type=competence.source_type,
        introduced_in=competence.introduced_in,
        retired_in=competence.retired_in,
        ancestors=tuple(reversed(ancestors)),
        children=tuple(_ref(child) for child in children),
        associations=tuple(
            Association(
                relation=association.relation,
                target=association.target,
                scheme=association.scheme,
                label=known[association.target].label if association.target in known else "",
                internal=_ref(known[association.target]) if association.target in known else None,
            )
            for association in stored
        ),
        referenced_by=tuple(_ref(other) for other in referencing),
    )
