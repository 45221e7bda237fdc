"""Moodle competency frameworks, in the CSV of Moodle's `tool_lpimportcsv` (Site admin > Competencies).

The row with "Is framework" set describes the framework (its ID number becomes the framework code); every
other row is a competency under its "Parent ID number". Moodle's per-level taxonomy names the kinds.
"""

from __future__ import annotations

import html
import re

from django.utils.translation import gettext as _

from repertory.data import Format, Kind, Relation
from repertory.errors import ImportProblem, ImportRejected, reject
from repertory.importers.columns import map_columns
from repertory.importers.parsed import ParsedAssociation, ParsedFramework, ParsedNode, digest
from repertory.importers.source import RawFile, iter_cells, read_table

PARENT = "Parent ID number"
IDNUMBER = "ID number"
SHORTNAME = "Short name"
DESCRIPTION = "Description"
DESCRIPTION_FORMAT = "Description format"
SCALE_VALUES = "Scale values"
SCALE_CONFIGURATION = "Scale configuration"
RULE_TYPE = "Rule type (optional)"
RULE_OUTCOME = "Rule outcome (optional)"
RULE_CONFIG = "Rule config (optional)"
RELATED = "Cross-referenced competency ID numbers"
EXPORT_ID = "Exported ID (optional)"
IS_FRAMEWORK = "Is framework"
TAXONOMY = "Taxonomy"

REQUIRED = (PARENT, IDNUMBER, SHORTNAME, IS_FRAMEWORK)
COLUMNS = (
    PARENT,
    IDNUMBER,
    SHORTNAME,
    DESCRIPTION,
    DESCRIPTION_FORMAT,
    SCALE_VALUES,
    SCALE_CONFIGURATION,
    RULE_TYPE,
    RULE_OUTCOME,
    RULE_CONFIG,
    RELATED,
    EXPORT_ID,
    IS_FRAMEWORK,
    TAXONOMY,
)
OPTIONAL = tuple(column for column in COLUMNS if column not in REQUIRED)

# Moodle's description formats: 0 "Moodle auto-format" and 1 HTML hold markup; 2 plain text and 4 Markdown do not.
MARKUP_FORMATS = {"0", "1"}
# Moodle's taxonomy words, and the kind each one means here.
TAXONOMY_KINDS = {"domain": Kind.SECTOR, "skill": Kind.SKILL, "concept": Kind.KNOWLEDGE}
KIND_TAXONOMY = {
    Kind.SECTOR: "domain",
    Kind.SKILL: "skill",
    Kind.KNOWLEDGE: "concept",
    Kind.FIGURE: "practice",
    Kind.OCCUPATION: "practice",
    Kind.ACTIVITY_AREA: "practice",
}
TAXONOMY_WORDS = (
    "behaviour",
    "competency",
    "concept",
    "domain",
    "indicator",
    "level",
    "outcome",
    "practice",
    "proficiency",
    "skill",
    "value",
)
_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def parse(raw: RawFile, *, encoding: str = "auto", language: str = "it") -> ParsedFramework:
    table = read_table(raw, encoding)
    columns = map_columns(table, required=REQUIRED, optional=OPTIONAL)
    parsed = ParsedFramework(
        code="",
        source_format=Format.MOODLE_CSV,
        source_name=raw.name,
        sha256=digest(raw.data),
        language=language,
        fields={
            "framework": IDNUMBER,
            "code": IDNUMBER,
            "parent_code": PARENT,
            "label_it": SHORTNAME,
            "related": RELATED,
            "kind": TAXONOMY,
        },
    )
    label_slot = "label_en" if language == "en" else "label_it"
    description_slot = "description_en" if language == "en" else "description_it"
    taxonomies: list[str] = []
    framework_row: int | None = None
    problems: list[ImportProblem] = []
    for row_number, cells in iter_cells(table, columns):
        if _truthy(cells[IS_FRAMEWORK]):
            if framework_row is not None:
                problems.append(
                    ImportProblem(
                        file=raw.name,
                        row=row_number,
                        field=IS_FRAMEWORK,
                        message=_("a second framework row (the first is row %(row)d); import one framework per file.")
                        % {"row": framework_row},
                    )
                )
                continue
            framework_row = parsed.row = row_number
            parsed.code = cells[IDNUMBER]
            setattr(parsed, "title_en" if language == "en" else "title_it", cells[SHORTNAME])
            setattr(parsed, description_slot, _plain(cells.get(DESCRIPTION, ""), cells.get(DESCRIPTION_FORMAT, "")))
            taxonomies = [word.strip().lower() for word in cells.get(TAXONOMY, "").split(",")]
            continue
        node = ParsedNode(
            code=cells[IDNUMBER],
            kind=Kind.COMPETENCY,
            parent_code=cells[PARENT] or None,
            position=len(parsed.nodes),
            row=row_number,
            file=raw.name,
        )
        setattr(node, label_slot, cells[SHORTNAME])
        setattr(node, description_slot, _plain(cells.get(DESCRIPTION, ""), cells.get(DESCRIPTION_FORMAT, "")))
        node.associations = [
            ParsedAssociation(Relation.RELATED, code.replace("%2C", ","), "code")
            for code in cells.get(RELATED, "").split(",")
            if code.strip()
        ]
        parsed.nodes.append(node)
    if framework_row is None:
        problems.append(
            ImportProblem(
                file=raw.name,
                field=IS_FRAMEWORK,
                message=_("no framework row: Moodle's CSV starts with a row whose “Is framework” is 1."),
            )
        )
    if problems:
        raise ImportRejected(problems)
    if not parsed.nodes:
        raise reject(raw.name, _("the file has a framework row but no competencies."))
    _kinds_from_taxonomy(parsed, taxonomies)
    # Moodle holds one language, no EQF level and no cross-walks: re-importing keeps those as they are.
    parsed.carries = frozenset({"code", "position", label_slot, description_slot, "internal_associations"})
    parsed.framework_carries = frozenset({"title_en" if language == "en" else "title_it", description_slot})
    return parsed


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "y", "si", "sì"}


def _plain(description: str, description_format: str) -> str:
    """Moodle descriptions are usually HTML; the repertory keeps plain text."""
    markup = description_format.strip() in MARKUP_FORMATS or (
        not description_format.strip() and _TAG.search(description)
    )
    if not markup:
        return description
    with_breaks = re.sub(r"(?i)<br\s*/?>|</p>", "\n", description)
    return "\n".join(line.strip() for line in html.unescape(_TAG.sub("", with_breaks)).splitlines() if line.strip())


def _kinds_from_taxonomy(parsed: ParsedFramework, taxonomies: list[str]) -> None:
    """Each level's taxonomy word gives its nodes' kind (a node's level is its number of ancestors)."""
    by_code = {node.code: node for node in parsed.nodes}
    for node in parsed.nodes:
        depth, parent, seen = 0, node.parent_code, {node.code}
        while parent in by_code and parent not in seen:
            seen.add(parent)
            depth += 1
            parent = by_code[parent].parent_code
        word = taxonomies[depth] if depth < len(taxonomies) else ""
        node.source_type = word
        node.kind = TAXONOMY_KINDS.get(word, Kind.COMPETENCY)
