"""ESCO's CSV download: skills, occupations and occupation-skill relations, in Italian and/or English.

The input is the folder (or the ZIP archive) ESCO publishes. Labels come from `skills_it.csv` /
`occupations_it.csv` and their `_en` twins; relations from `occupationSkillRelations*.csv`. ESCO gives every
concept a URI, which stays the node's URI here. Columns ESCO adds in later releases are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

from repertory.data import Format, Kind, Relation
from repertory.errors import ImportProblem, ImportRejected, reject
from repertory.importers.columns import map_columns
from repertory.importers.parsed import ParsedAssociation, ParsedFramework, ParsedNode, digest
from repertory.importers.source import (
    ZIP_MAGIC,
    RawFile,
    decode,
    iter_cells,
    max_bytes,
    open_zip,
    read_csv_text,
    read_file,
    read_member,
    too_large,
)

ESCO_URI = "http://data.europa.eu/esco"
ESCO_CODE = "ESCO"
LANGUAGES = ("it", "en")
_FILE = re.compile(r"^(skills|occupations|occupationSkillRelations)(?:_([a-z]{2}))?\.csv$", re.IGNORECASE)
RELATION_TYPES = {"essential": Relation.ESSENTIAL, "optional": Relation.OPTIONAL}

SKILL_COLUMNS = ("conceptUri", "preferredLabel")
SKILL_OPTIONAL = (
    "conceptType",
    "skillType",
    "reuseLevel",
    "altLabels",
    "hiddenLabels",
    "status",
    "modifiedDate",
    "scopeNote",
    "definition",
    "inScheme",
    "description",
)
OCCUPATION_COLUMNS = ("conceptUri", "preferredLabel")
OCCUPATION_OPTIONAL = (
    "conceptType",
    "iscoGroup",
    "altLabels",
    "hiddenLabels",
    "status",
    "modifiedDate",
    "regulatedProfessionNote",
    "scopeNote",
    "definition",
    "inScheme",
    "description",
    "code",
    "naceCode",
)
RELATION_COLUMNS = ("occupationUri", "relationType", "skillUri")
RELATION_OPTIONAL = ("occupationLabel", "skillType", "skillLabel")


@dataclass(frozen=True)
class _Files:
    skills: dict[str, RawFile]
    occupations: dict[str, RawFile]
    relations: RawFile | None


def parse(source: Path | RawFile, *, encoding: str = "auto", version: str = "") -> ParsedFramework:
    """`source`: the folder of an ESCO download, or its ZIP archive (a path, or the uploaded bytes)."""
    files = _collect(source)
    if not files.skills and not files.occupations:
        raise reject(
            source.name,
            _(
                "no ESCO files found: expected skills_it.csv or skills_en.csv (and occupations_…, "
                "occupationSkillRelations_…) in the folder or archive."
            ),
        )
    everything = [*files.skills.values(), *files.occupations.values(), *([files.relations] if files.relations else [])]
    parsed = ParsedFramework(
        code=ESCO_CODE,
        uri=ESCO_URI,
        source_format=Format.ESCO_CSV,
        source_name=source.name,
        sha256=digest(*(raw.data for raw in sorted(everything, key=lambda raw: raw.name))),
        title_it="ESCO — Classificazione europea di abilità, competenze, qualifiche e occupazioni",
        title_en="ESCO — European Skills, Competences, Qualifications and Occupations",
        language="it" if "it" in files.skills else "en",
        publisher="European Commission",
        source_url="https://esco.ec.europa.eu/",
        licence="© European Union, CC BY 4.0",
        fields={"code": "conceptUri", "label_it": "preferredLabel", "uri": "conceptUri", "kind": "skillType"},
    )
    nodes: dict[str, ParsedNode] = {}
    modified: list[str] = []
    problems: list[ImportProblem] = []
    for language, raw in sorted(files.skills.items(), key=_italian_first):
        _read_concepts(raw, encoding, language, nodes, modified, problems, occupation=False)
    for language, raw in sorted(files.occupations.items(), key=_italian_first):
        _read_concepts(raw, encoding, language, nodes, modified, problems, occupation=True)
    if files.relations is not None:
        _read_relations(files.relations, encoding, nodes, problems)
    if problems:
        raise ImportRejected(problems)
    parsed.nodes = list(nodes.values())
    languages = set(files.skills) | set(files.occupations)
    parsed.carries = frozenset(
        {
            "code",
            "kind",
            "source_type",
            "position",
            *(f"{field}_{language}" for field in ("label", "alt_labels", "description") for language in languages),
            *(("associations",) if files.relations is not None else ()),
        }
    )
    parsed.version = version or (f"{max(modified)[:10]}" if modified else "")
    return parsed


def _italian_first(item: tuple[str, RawFile]) -> int:
    return LANGUAGES.index(item[0])


def _collect(source: Path | RawFile) -> _Files:
    skills: dict[str, RawFile] = {}
    occupations: dict[str, RawFile] = {}
    relations: list[RawFile] = []
    for raw in _members(source):
        match = _FILE.match(PurePosixPath(raw.name.rsplit(":", 1)[-1]).name)
        if not match:
            continue
        kind, language = match.group(1).lower(), (match.group(2) or "en").lower()
        if kind == "occupationskillrelations":
            relations.append(raw)
        elif language in LANGUAGES:
            (skills if kind == "skills" else occupations)[language] = raw
    return _Files(
        skills=skills, occupations=occupations, relations=min(relations, key=lambda raw: raw.name, default=None)
    )


def _members(source: Path | RawFile) -> list[RawFile]:
    """The CSV files of an ESCO folder or ZIP archive (only the ones this importer reads)."""
    if isinstance(source, RawFile):
        return _zip_members(source)
    path = source
    if path.is_dir():
        wanted = [child for child in sorted(path.rglob("*.csv")) if _FILE.match(child.name)]
        total = 0
        for child in wanted:
            try:
                total += child.stat().st_size
            except OSError as error:
                raise reject(child.name, _("cannot be read: %(error)s.") % {"error": error.strerror}) from None
        if total > max_bytes():
            raise too_large(path.name, total)
        return [read_file(child) for child in wanted]
    return _zip_members(read_file(path))


def _zip_members(raw: RawFile) -> list[RawFile]:
    if not raw.data.startswith(ZIP_MAGIC):
        raise reject(raw.name, _("ESCO data is a folder or a ZIP archive of CSV files, not a single file."))
    archive = open_zip(raw)
    names = [name for name in archive.namelist() if _FILE.match(PurePosixPath(name).name)]
    declared = sum(archive.getinfo(name).file_size for name in names)
    if declared > max_bytes():
        raise too_large(raw.name, declared)
    return [read_member(archive, name, raw.name) for name in sorted(names)]


def _read_concepts(raw, encoding, language, nodes, modified, problems, *, occupation: bool) -> None:
    table = read_csv_text(raw.name, decode(raw, encoding))
    required, optional = (OCCUPATION_COLUMNS, OCCUPATION_OPTIONAL) if occupation else (SKILL_COLUMNS, SKILL_OPTIONAL)
    columns = map_columns(table, required=required, optional=optional, ignore_unknown=True)
    label, alt_labels, description = f"label_{language}", f"alt_labels_{language}", f"description_{language}"
    for row_number, cells in iter_cells(table, columns):
        uri = cells["conceptUri"]
        if not uri.startswith(("http://", "https://")):
            problems.append(
                ImportProblem(
                    file=raw.name,
                    row=row_number,
                    field="conceptUri",
                    message=_("“%(uri)s” is not an ESCO concept URI.") % {"uri": uri[:100]},
                )
            )
            continue
        node = nodes.get(uri)
        if node is None:
            node = nodes[uri] = ParsedNode(
                code=(cells.get("code") if occupation else "") or uri.rstrip("/").rsplit("/", 1)[-1],
                kind=Kind.OCCUPATION if occupation else _skill_kind(cells.get("skillType", "")),
                parent_code=None,
                uri=uri,
                source_type="occupation" if occupation else cells.get("skillType", ""),
                position=len(nodes),
                row=row_number,
                file=raw.name,
            )
        setattr(node, label, cells["preferredLabel"])
        setattr(
            node, alt_labels, tuple(line.strip() for line in cells.get("altLabels", "").splitlines() if line.strip())
        )
        setattr(node, description, cells.get("description") or cells.get("definition", ""))
        if cells.get("modifiedDate"):
            modified.append(cells["modifiedDate"])


def _skill_kind(skill_type: str) -> str:
    return Kind.KNOWLEDGE if skill_type.strip().lower() == "knowledge" else Kind.SKILL


def _read_relations(raw, encoding, nodes, problems) -> None:
    table = read_csv_text(raw.name, decode(raw, encoding))
    columns = map_columns(table, required=RELATION_COLUMNS, optional=RELATION_OPTIONAL, ignore_unknown=True)
    for row_number, cells in iter_cells(table, columns):
        occupation = nodes.get(cells["occupationUri"])
        relation = RELATION_TYPES.get(cells["relationType"].lower())
        if occupation is None or occupation.kind != Kind.OCCUPATION:
            problems.append(
                ImportProblem(
                    file=raw.name,
                    row=row_number,
                    field="occupationUri",
                    message=_("occupation %(uri)s is not in the occupations file.")
                    % {"uri": cells["occupationUri"][:100]},
                )
            )
        elif cells["skillUri"] not in nodes:
            problems.append(
                ImportProblem(
                    file=raw.name,
                    row=row_number,
                    field="skillUri",
                    message=_("skill %(uri)s is not in the skills file.") % {"uri": cells["skillUri"][:100]},
                )
            )
        elif relation is None:
            problems.append(
                ImportProblem(
                    file=raw.name,
                    row=row_number,
                    field="relationType",
                    message=_("“%(value)s” is not a relation type; expected essential or optional.")
                    % {"value": cells["relationType"]},
                )
            )
        else:
            occupation.associations.append(ParsedAssociation(relation, cells["skillUri"], "uri"))
