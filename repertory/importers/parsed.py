"""What every parser produces, and the checks every import runs on it before anything is written."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from repertory.data import Kind, Relation
from repertory.errors import ImportProblem

MAX_CODE_LENGTH = 255
MAX_URI_LENGTH = 500
MAX_TARGET_LENGTH = 500
MAX_TYPE_LENGTH = 255
# Lengths of the framework's short fields in the database.
FRAMEWORK_LIMITS = {"version": 100, "language": 16, "licence": 255, "source_url": 500, "publisher": 255}
FRAMEWORK_TEXT = ("code", "uri", "title_it", "title_en", "description_it", "description_en", *FRAMEWORK_LIMITS)


@dataclass(frozen=True)
class ParsedAssociation:
    relation: str
    target: str
    scheme: str
    """`uri`, `atlante-ada`, or `code` (a code of the same framework, turned into its URI when written)."""


@dataclass
class ParsedNode:
    code: str
    kind: str
    parent_code: str | None
    label_it: str = ""
    label_en: str = ""
    description_it: str = ""
    description_en: str = ""
    alt_labels_it: tuple[str, ...] = ()
    alt_labels_en: tuple[str, ...] = ()
    eqf_level: int | None = None
    uri: str | None = None
    source_type: str = ""
    position: int = 0
    associations: list[ParsedAssociation] = field(default_factory=list)
    row: int | None = None
    file: str = ""


@dataclass
class ParsedFramework:
    code: str
    source_format: str
    source_name: str
    sha256: str
    uri: str | None = None
    title_it: str = ""
    title_en: str = ""
    description_it: str = ""
    description_en: str = ""
    version: str = ""
    language: str = ""
    licence: str = ""
    source_url: str = ""
    publisher: str = ""
    nodes: list[ParsedNode] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    """Our attribute name -> the column (or JSON key) it came from, so that problems name the user's field."""
    row: int | None = None
    carries: frozenset[str] | None = None
    """The node fields (see apply.NODE_FIELDS, plus "associations" or "internal_associations" for links between
    nodes of the same framework only) this source can express; None means all.

    A field the format cannot hold (an English label in a one-language file, an EQF level in Moodle's CSV)
    keeps its stored value when an existing node is re-imported, instead of being wiped.
    """

    framework_carries: frozenset[str] | None = None
    """The framework details (apply.FRAMEWORK_FIELDS) this source gives; None means all."""

    def field_name(self, attribute: str) -> str:
        return self.fields.get(attribute, attribute)


def digest(*chunks: bytes) -> str:
    hasher = hashlib.sha256()
    for chunk in chunks:
        hasher.update(chunk)
    return hasher.hexdigest()


def storable(text: str) -> bool:
    """Whether every database can store `text`: no NUL (PostgreSQL refuses it), no lone surrogate (not UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in text)


def _texts(node: ParsedNode) -> list[str]:
    return [
        node.code,
        node.label_it,
        node.label_en,
        node.description_it,
        node.description_en,
        node.uri or "",
        node.source_type,
        *node.alt_labels_it,
        *node.alt_labels_en,
        *(a.target for a in node.associations),
    ]


def parse_eqf(value: str) -> int | str | None:
    """An EQF level from a cell: None when empty, the int when it is one, else the raw text (a problem)."""
    if not value:
        return None
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return value
    return int(number) if number.is_integer() else value


def validate(parsed: ParsedFramework) -> list[ImportProblem]:
    """Every problem that makes `parsed` unfit to import, in file order."""
    problems: list[ImportProblem] = []

    def framework_problem(attribute: str, message: str) -> None:
        problems.append(
            ImportProblem(file=parsed.source_name, row=parsed.row, field=parsed.field_name(attribute), message=message)
        )

    def problem(node: ParsedNode, attribute: str, message: str) -> None:
        problems.append(
            ImportProblem(file=node.file, row=node.row, field=parsed.field_name(attribute), message=message)
        )

    if not parsed.code.strip():
        framework_problem("framework", _("the framework has no code."))
    elif "/" in parsed.code or len(parsed.code) > 100:
        framework_problem("framework", _("a framework code has at most 100 characters and no “/”."))
    if parsed.uri and (len(parsed.uri) > MAX_URI_LENGTH or ":" not in parsed.uri):
        framework_problem("framework_uri", _("“%(uri)s” is not an absolute URI.") % {"uri": parsed.uri[:100]})

    for attribute, limit in FRAMEWORK_LIMITS.items():
        value = getattr(parsed, attribute) or ""
        if len(value) > limit:
            framework_problem(attribute, _("longer than %(max)d characters.") % {"max": limit})
    if not all(storable(getattr(parsed, attribute) or "") for attribute in FRAMEWORK_TEXT):
        framework_problem("framework", _("the framework's text contains a NUL character or an invalid character code."))
    if has_control_characters(parsed.code):
        framework_problem("framework", _("the framework code contains a line break or another control character."))

    first_row_of_code: dict[str, ParsedNode] = {}
    first_row_of_uri: dict[str, ParsedNode] = {}
    for node in parsed.nodes:
        if not node.code:
            problem(node, "code", _("the code is empty."))
        elif len(node.code) > MAX_CODE_LENGTH:
            problem(node, "code", _("the code is longer than %(max)d characters.") % {"max": MAX_CODE_LENGTH})
        elif has_control_characters(node.code):
            problem(node, "code", _("the code contains a line break or another control character."))
        elif node.code in first_row_of_code:
            first = first_row_of_code[node.code]
            problem(
                node,
                "code",
                _("duplicate code “%(code)s”, already used at row %(row)s.")
                % {"code": node.code, "row": first.row if first.row is not None else "?"},
            )
        else:
            first_row_of_code[node.code] = node
        if node.uri:
            if len(node.uri) > MAX_URI_LENGTH or ":" not in node.uri:
                problem(node, "uri", _("“%(uri)s” is not an absolute URI.") % {"uri": node.uri[:100]})
            elif node.uri in first_row_of_uri:
                problem(
                    node,
                    "uri",
                    _("duplicate URI “%(uri)s”, already used at row %(row)s.")
                    % {"uri": node.uri, "row": first_row_of_uri[node.uri].row},
                )
            else:
                first_row_of_uri[node.uri] = node
        if len(node.source_type) > MAX_TYPE_LENGTH:
            problem(node, "kind", _("longer than %(max)d characters.") % {"max": MAX_TYPE_LENGTH})
        if not all(storable(value) for value in _texts(node)):
            problem(
                node,
                "label_it",
                _("the text contains a NUL character or an invalid character code, which no database stores."),
            )
        if node.kind not in Kind.values:
            problem(
                node,
                "kind",
                _("unknown kind “%(kind)s”; expected one of: %(kinds)s.")
                % {"kind": node.kind, "kinds": ", ".join(Kind.values)},
            )
        if not (node.label_it.strip() or node.label_en.strip()):
            problem(node, "label_it", _("the label is empty."))
        if isinstance(node.eqf_level, str):
            problem(
                node,
                "eqf_level",
                _("“%(value)s” is not an EQF level; expected a whole number from 1 to 8.") % {"value": node.eqf_level},
            )
        elif node.eqf_level is not None and not 1 <= node.eqf_level <= 8:
            problem(node, "eqf_level", _("EQF level %(value)d is outside 1-8.") % {"value": node.eqf_level})
        for association in node.associations:
            if association.relation not in Relation.values:
                problem(
                    node,
                    association.relation,
                    _("unknown relation “%(relation)s”.") % {"relation": association.relation},
                )
            if not association.target or len(association.target) > MAX_TARGET_LENGTH:
                problem(node, association.relation, _("a cross-walk target is empty or too long."))
            elif association.scheme == "uri" and ":" not in association.target:
                problem(
                    node,
                    association.relation,
                    _("“%(target)s” is neither a URI nor an Atlante ADA code (ADA.…).")
                    % {"target": association.target},
                )

    for node in parsed.nodes:
        for association in node.associations:
            if association.scheme == "code" and association.target not in first_row_of_code:
                problem(
                    node,
                    association.relation,
                    _("refers to code “%(code)s”, which is not in this file.") % {"code": association.target},
                )
        if node.parent_code and node.parent_code not in first_row_of_code:
            problem(
                node,
                "parent_code",
                _("unknown parent “%(code)s”: no node has that code in this file.") % {"code": node.parent_code},
            )
        elif node.parent_code and node.parent_code == node.code:
            problem(node, "parent_code", _("the node is its own parent."))
    problems.extend(_cycles(parsed, first_row_of_code))
    return problems


def _cycles(parsed: ParsedFramework, by_code: dict[str, ParsedNode]) -> list[ImportProblem]:
    """One problem per parent cycle (a node that is, through its parents, its own ancestor)."""
    problems = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = known to reach a root
    for start in by_code:
        path: list[str] = []
        code: str | None = start
        while code and code in by_code and state.get(code) is None:
            state[code] = 1
            path.append(code)
            parent = by_code[code].parent_code
            code = parent if parent != code else None
        if code and state.get(code) == 1:
            cycle = path[path.index(code) :]
            node = by_code[cycle[0]]
            problems.append(
                ImportProblem(
                    file=node.file,
                    row=node.row,
                    field=parsed.field_name("parent_code"),
                    message=_("parent cycle: %(cycle)s.")
                    % {
                        "cycle": " → ".join(
                            _("%(code)s (row %(row)s)") % {"code": member, "row": by_code[member].row}
                            for member in [*cycle, cycle[0]]
                        )
                    },
                )
            )
        for member in path:
            state[member] = 2
    return problems
