"""Plain values the repertory hands to other apps. Frozen: callers read them, never change them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a node of a competence framework is."""

    SECTOR = "sector", _("Sector")
    FIGURE = "figure", _("Professional figure")
    ACTIVITY_AREA = "activity_area", _("Activity area")
    COMPETENCE_UNIT = "competence_unit", _("Competence unit")
    SKILL = "skill", _("Skill")
    KNOWLEDGE = "knowledge", _("Knowledge")
    OCCUPATION = "occupation", _("Occupation")
    COMPETENCY = "competency", _("Competency")


class Relation(models.TextChoices):
    """How a node points at something else: a cross-walk to another framework, or an ESCO relation."""

    EXACT_MATCH = "exact_match", _("Exact match")
    RELATED = "related", _("Related")
    ESSENTIAL = "essential", _("Essential skill")
    OPTIONAL = "optional", _("Optional skill")


class Role(models.TextChoices):
    """What a piece of content does for a competence it is tagged with."""

    DEVELOPS = "develops", _("develops")
    ASSESSES = "assesses", _("assesses")


class Format(models.TextChoices):
    """File formats the repertory reads and writes."""

    RRFP_CSV = "rrfp-csv", _("Native CSV (Tuscan repertory shape)")
    CASE_JSON = "case-json", _("1EdTech CASE JSON (CFPackage)")
    MOODLE_CSV = "moodle-csv", _("Moodle competency framework CSV")
    ESCO_CSV = "esco-csv", _("ESCO CSV (skills, occupations, relations)")
    OPENEDX_CSV = "openedx-csv", _("Open edX taxonomy CSV")


IMPORT_FORMATS = (Format.RRFP_CSV, Format.CASE_JSON, Format.MOODLE_CSV, Format.ESCO_CSV)
EXPORT_FORMATS = (Format.CASE_JSON, Format.MOODLE_CSV, Format.OPENEDX_CSV)


@dataclass(frozen=True)
class FrameworkVersionInfo:
    version: str
    imported_at: datetime
    source_format: str
    source_name: str
    added: int
    changed: int
    retired: int
    restored: int


@dataclass(frozen=True)
class FrameworkInfo:
    code: str
    uri: str
    title: str
    description: str
    version: str
    language: str
    licence: str
    source_url: str
    publisher: str
    node_count: int
    versions: tuple[FrameworkVersionInfo, ...] = ()


@dataclass(frozen=True)
class CompetenceRef:
    """Enough to show and link a node: what a picker or a libretto entry needs."""

    uri: str
    code: str
    label: str
    kind: str
    eqf_level: int | None
    framework: str
    retired: bool = False


@dataclass(frozen=True)
class Association:
    relation: str
    target: str
    scheme: str
    """`uri` (the target is a URI), `atlante-ada` (an Atlante Lavoro ADA code)."""
    label: str = ""
    """The target's label when the target is a node Tosca knows, else empty."""
    internal: CompetenceRef | None = None


@dataclass(frozen=True)
class CompetenceDetail:
    ref: CompetenceRef
    label_it: str
    label_en: str
    description: str
    description_it: str
    description_en: str
    alt_labels: tuple[str, ...]
    source_type: str
    introduced_in: str
    retired_in: str
    ancestors: tuple[CompetenceRef, ...]
    children: tuple[CompetenceRef, ...]
    associations: tuple[Association, ...]
    referenced_by: tuple[CompetenceRef, ...] = ()
    """Nodes of other frameworks (or of ESCO occupations) that point at this one."""


@dataclass(frozen=True)
class TreeNode:
    ref: CompetenceRef
    child_count: int
    children: tuple[TreeNode, ...] = ()


@dataclass(frozen=True)
class TreePage:
    framework: str
    parent: CompetenceRef | None
    total: int
    offset: int
    limit: int
    nodes: tuple[TreeNode, ...]


@dataclass(frozen=True)
class SearchMatch:
    ref: CompetenceRef
    match: str
    """`code` (exact code), `code_prefix` or `words`."""


@dataclass(frozen=True)
class SearchResults:
    query: str
    total: int
    offset: int
    limit: int
    results: tuple[SearchMatch, ...]


@dataclass(frozen=True)
class ContentTag:
    """Content (an Open edX usage or course key, a Tosca module id) tagged with a competence."""

    content_key: str
    role: str
    competence: CompetenceRef


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, with dry_run, would do)."""

    framework: str
    version: str
    source_format: str
    source_name: str
    dry_run: bool
    created_framework: bool
    framework_changed: bool = False
    """The framework's own details (title, version, licence…) changed."""
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()
    unchanged: int = 0
    warnings: tuple[str, ...] = field(default=())

    @property
    def is_noop(self) -> bool:
        return not (
            self.created_framework
            or self.framework_changed
            or self.added
            or self.changed
            or self.retired
            or self.restored
        )
