"""The native CSV: one row per node, in the shape of the Tuscan regional repertory (RRFP).

One row of kind `framework` names the framework (its code, title, version, licence); every other row is a
node with its parent's code. Cross-walks are `|`-separated: ESCO (or other) URIs and Atlante ADA codes.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from repertory.data import Format, Relation
from repertory.errors import ImportProblem, ImportRejected, reject
from repertory.importers.columns import map_columns
from repertory.importers.parsed import ParsedAssociation, ParsedFramework, ParsedNode, digest, parse_eqf
from repertory.importers.source import RawFile, iter_cells, read_table

REQUIRED = ("framework", "code", "kind", "parent_code", "label_it")
OPTIONAL = (
    "label_en",
    "description_it",
    "description_en",
    "eqf_level",
    "exact_match",
    "related",
    "uri",
    "version",
    "licence",
    "source_url",
)
COLUMNS = REQUIRED + OPTIONAL
FRAMEWORK_KIND = "framework"
# Optional columns that, on the framework row, give the framework's details.
FRAMEWORK_COLUMNS = {
    "label_en": "title_en",
    "description_it": "description_it",
    "description_en": "description_en",
    "licence": "licence",
    "source_url": "source_url",
}
LIST_SEPARATOR = "|"


def parse(raw: RawFile, *, encoding: str = "auto") -> ParsedFramework:
    table = read_table(raw, encoding)
    columns = map_columns(table, required=REQUIRED, optional=OPTIONAL)
    parsed = ParsedFramework(
        code="",
        source_format=Format.RRFP_CSV,
        source_name=raw.name,
        sha256=digest(raw.data),
        language="it",
        fields={"framework_uri": "uri"},
    )
    parsed.carries = carried_fields(columns)
    parsed.framework_carries = frozenset(
        {"title_it", "version"}
        | {framework_field for column, framework_field in FRAMEWORK_COLUMNS.items() if column in columns}
    )
    problems: list[ImportProblem] = []
    framework_rows: list[int] = []
    for row_number, cells in iter_cells(table, columns):
        framework_code = cells.get("framework", "")
        if parsed.code and framework_code != parsed.code:
            problems.append(
                ImportProblem(
                    file=raw.name,
                    row=row_number,
                    field="framework",
                    message=_(
                        "framework “%(found)s” differs from “%(expected)s” of the rows above; "
                        "import one framework per file."
                    )
                    % {"found": framework_code, "expected": parsed.code},
                )
            )
            continue
        parsed.code = parsed.code or framework_code
        if cells.get("kind", "").lower() == FRAMEWORK_KIND:
            framework_rows.append(row_number)
            _read_framework_row(parsed, cells, row_number)
            continue
        parsed.nodes.append(_node(cells, row_number, raw.name, position=len(parsed.nodes)))
    if not framework_rows:
        problems.append(
            ImportProblem(
                file=raw.name,
                field="kind",
                message=_(
                    "no framework row: add one row with kind “framework” giving the framework's code, "
                    "title (label_it) and version."
                ),
            )
        )
    elif len(framework_rows) > 1:
        problems.append(
            ImportProblem(
                file=raw.name,
                row=framework_rows[1],
                field="kind",
                message=_("a second framework row (the first is row %(row)d); import one framework per file.")
                % {"row": framework_rows[0]},
            )
        )
    if not parsed.nodes and not problems:
        raise reject(raw.name, _("the file has a framework row but no nodes."))
    if problems:
        raise ImportRejected(problems)
    return parsed


def _read_framework_row(parsed: ParsedFramework, cells: dict[str, str], row_number: int) -> None:
    parsed.row = row_number
    if cells.get("code") and cells["code"] != parsed.code:
        raise reject(
            parsed.source_name,
            _("the framework row's code “%(code)s” differs from its framework column “%(framework)s”.")
            % {"code": cells["code"], "framework": parsed.code},
            row=row_number,
            field="code",
        )
    parsed.title_it = cells.get("label_it", "")
    parsed.title_en = cells.get("label_en", "")
    parsed.description_it = cells.get("description_it", "")
    parsed.description_en = cells.get("description_en", "")
    parsed.uri = cells.get("uri") or None
    parsed.version = cells.get("version", "")
    parsed.licence = cells.get("licence", "")
    parsed.source_url = cells.get("source_url", "")


def _node(cells: dict[str, str], row_number: int, file: str, *, position: int) -> ParsedNode:
    associations = [
        _association(relation, target)
        for relation, column in ((Relation.EXACT_MATCH, "exact_match"), (Relation.RELATED, "related"))
        for target in split_list(cells.get(column, ""))
    ]
    return ParsedNode(
        code=cells.get("code", ""),
        kind=cells.get("kind", "").lower(),
        parent_code=cells.get("parent_code") or None,
        label_it=cells.get("label_it", ""),
        label_en=cells.get("label_en", ""),
        description_it=cells.get("description_it", ""),
        description_en=cells.get("description_en", ""),
        eqf_level=parse_eqf(cells.get("eqf_level", "")),
        uri=cells.get("uri") or None,
        position=position,
        associations=associations,
        row=row_number,
        file=file,
    )


def carried_fields(columns: dict[str, int]) -> frozenset[str]:
    """A column left out of the file leaves that field of existing nodes as it is."""
    present = set(columns)
    carried = {
        "code",
        "kind",
        "position",
        *(present & {"label_it", "label_en", "description_it", "description_en", "eqf_level"}),
    }
    if present & {"exact_match", "related"}:
        carried.add("associations")
    return frozenset(carried)


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]


def _association(relation: str, target: str) -> ParsedAssociation:
    return ParsedAssociation(relation=relation, target=target, scheme=scheme_of(target))


def scheme_of(target: str) -> str:
    """`atlante-ada` for an Atlante Lavoro ADA code (ADA.22.218.700), else `uri`."""
    return "atlante-ada" if target.upper().startswith("ADA.") else "uri"
