"""Writing a framework's live nodes as CASE JSON, Moodle CSV or Open edX taxonomy CSV.

Every exporter walks the tree parents first, siblings in order, so each format's importer (ours included)
can rebuild the same tree.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass

from repertory.data import Format, Kind, Relation
from repertory.importers import moodle_csv
from repertory.importers.case_json import ADA_PREFIX, EXTENSION
from repertory.models import Association, Competence, Framework

CASE_TYPES = {
    Kind.SECTOR: "Sector",
    Kind.FIGURE: "Professional figure",
    Kind.ACTIVITY_AREA: "Activity area",
    Kind.COMPETENCE_UNIT: "Competence unit",
    Kind.SKILL: "Skill",
    Kind.KNOWLEDGE: "Knowledge",
    Kind.OCCUPATION: "Occupation",
    Kind.COMPETENCY: "Competency",
}
CASE_ASSOCIATIONS = {Relation.EXACT_MATCH: "exactMatchOf", Relation.RELATED: "isRelatedTo"}
# Relations CASE has no type for travel as isRelatedTo, with the relation named in Tosca's extension.
CASE_EXTENDED = {Relation.ESSENTIAL: "isRelatedTo", Relation.OPTIONAL: "isRelatedTo"}
# CASE identifiers are UUIDs; ours are derived from URIs so that every export of a node gives the same one.
_CASE_NAMESPACE = uuid.UUID("6f0e0e8a-3d57-4f43-9a39-2f1e5e8f2a61")


@dataclass
class _Tree:
    framework: Framework
    nodes: list[Competence]
    """Parents before children, siblings in order."""
    associations: dict[int, list[Association]]
    by_id: dict[int, Competence]

    @classmethod
    def load(cls, framework: Framework) -> _Tree:
        live = list(Competence.objects.filter(framework=framework, retired=False).order_by("position", "id"))
        children: dict[int | None, list[Competence]] = defaultdict(list)
        live_ids = {competence.pk for competence in live}
        for competence in live:
            parent = competence.parent_id if competence.parent_id in live_ids else None
            children[parent].append(competence)
        ordered: list[Competence] = []
        stack = list(reversed(children[None]))
        while stack:
            competence = stack.pop()
            ordered.append(competence)
            stack.extend(reversed(children[competence.pk]))
        associations: dict[int, list[Association]] = defaultdict(list)
        for association in Association.objects.filter(competence__framework=framework, competence__retired=False):
            associations[association.competence_id].append(association)
        by_id = {competence.pk: competence for competence in live}
        return cls(framework=framework, nodes=ordered, associations=associations, by_id=by_id)

    def parent_of(self, competence: Competence) -> Competence | None:
        return self.by_id.get(competence.parent_id)


def export(framework: Framework, export_format: str) -> bytes:
    tree = _Tree.load(framework)
    writers = {Format.CASE_JSON: _case_json, Format.MOODLE_CSV: _moodle_csv, Format.OPENEDX_CSV: _openedx_csv}
    return writers[export_format](tree)


def file_name(framework: Framework, export_format: str) -> str:
    extension = "json" if export_format == Format.CASE_JSON else "csv"
    return f"{framework.code}-{export_format}.{extension}"


# -- CASE ---------------------------------------------------------------------------------------------------


def _case_id(uri: str) -> str:
    return str(uuid.uuid5(_CASE_NAMESPACE, uri))


def _case_json(tree: _Tree) -> bytes:
    framework = tree.framework
    language = "en" if framework.language == "en" else "it"
    document_ref = {"title": framework.title, "identifier": _case_id(framework.uri), "uri": framework.uri}
    changed = framework.updated_at.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    document = {
        "identifier": document_ref["identifier"],
        "uri": framework.uri,
        "creator": framework.publisher or "Tosca",
        "title": framework.title_en if language == "en" else framework.title_it or framework.title,
        "lastChangeDateTime": changed,
        "version": framework.version,
        "language": language,
        "description": framework.description_en if language == "en" else framework.description_it,
        "extensions": {
            EXTENSION: {
                "code": framework.code,
                "titleIt": framework.title_it,
                "titleEn": framework.title_en,
                "descriptionIt": framework.description_it,
                "descriptionEn": framework.description_en,
                "publisher": framework.publisher,
            }
        },
    }
    if framework.publisher:
        document["publisher"] = framework.publisher
    if framework.source_url:
        document["officialSourceURL"] = framework.source_url
    if framework.licence:
        document["licenseURI"] = {
            "title": framework.licence,
            "identifier": _case_id(f"licence:{framework.licence}"),
            "uri": framework.licence if ":" in framework.licence else framework.uri,
        }
    items, associations = [], []
    for competence in tree.nodes:
        label = competence.label_en if language == "en" else competence.label_it
        description = competence.description_en if language == "en" else competence.description_it
        item = {
            "identifier": _case_id(competence.uri),
            "uri": competence.uri,
            "fullStatement": label or competence.label,
            "humanCodingScheme": competence.code,
            "CFItemType": competence.source_type or CASE_TYPES.get(competence.kind, "Competency"),
            "language": language,
            "lastChangeDateTime": changed,
            "CFDocumentURI": document_ref,
            "extensions": {
                EXTENSION: {
                    "kind": competence.kind,
                    "sourceType": competence.source_type,
                    "labelIt": competence.label_it,
                    "labelEn": competence.label_en,
                    "descriptionIt": competence.description_it,
                    "descriptionEn": competence.description_en,
                    "altLabelsIt": competence.alt_labels_it.splitlines(),
                    "altLabelsEn": competence.alt_labels_en.splitlines(),
                    "eqfLevel": competence.eqf_level,
                }
            },
        }
        if description:
            item["notes"] = description
        items.append(item)
        parent = tree.parent_of(competence)
        destination = (
            {"title": parent.label, "identifier": _case_id(parent.uri), "uri": parent.uri} if parent else document_ref
        )
        associations.append(
            _case_association("isChildOf", competence, destination, document_ref, changed, competence.position + 1)
        )
        for association in tree.associations.get(competence.pk, []):
            target = association.target
            destination = {
                "title": target,
                "identifier": target if target.upper().startswith(ADA_PREFIX) else _case_id(target),
                "uri": target,
            }
            kind = CASE_ASSOCIATIONS.get(association.relation) or CASE_EXTENDED[association.relation]
            entry = _case_association(kind, competence, destination, document_ref, changed, association.position + 1)
            if association.relation not in CASE_ASSOCIATIONS:
                entry["extensions"] = {EXTENSION: {"relation": association.relation}}
            associations.append(entry)
    package = {"CFDocument": document, "CFItems": items, "CFAssociations": associations}
    return json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")


def _case_association(
    kind: str, origin: Competence, destination: dict, document_ref: dict, changed: str, sequence: int
) -> dict:
    return {
        "identifier": _case_id(f"{kind}|{origin.uri}|{destination['uri']}"),
        "uri": f"{origin.uri}#{kind}-{sequence}",
        "associationType": kind,
        "sequenceNumber": sequence,
        "originNodeURI": {"title": origin.label, "identifier": _case_id(origin.uri), "uri": origin.uri},
        "destinationNodeURI": destination,
        "CFDocumentURI": document_ref,
        "lastChangeDateTime": changed,
    }


# -- Moodle -------------------------------------------------------------------------------------------------


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _moodle_csv(tree: _Tree) -> bytes:
    framework = tree.framework
    english = framework.language == "en"
    depth: dict[int, int] = {}
    for competence in tree.nodes:
        parent = tree.parent_of(competence)
        depth[competence.pk] = depth[parent.pk] + 1 if parent else 0
    levels = max(depth.values(), default=0) + 1
    taxonomy = [_level_taxonomy([c for c in tree.nodes if depth[c.pk] == level]) for level in range(levels)]
    uri_to_code = {competence.uri: competence.code for competence in tree.nodes}
    rows = [list(moodle_csv.COLUMNS)]
    rows.append(
        _moodle_row(
            parent="",
            idnumber=framework.code,
            shortname=(framework.title_en if english else framework.title_it) or framework.title,
            description=framework.description_en if english else framework.description_it,
            is_framework="1",
            taxonomy=",".join(taxonomy),
            scale=True,
        )
    )
    for competence in tree.nodes:
        parent = tree.parent_of(competence)
        related = [
            uri_to_code[association.target].replace(",", "%2C")
            for association in tree.associations.get(competence.pk, [])
            if association.target in uri_to_code
        ]
        rows.append(
            _moodle_row(
                parent=parent.code if parent else "",
                idnumber=competence.code,
                shortname=(competence.label_en if english else competence.label_it) or competence.label,
                description=competence.description_en if english else competence.description_it,
                related=",".join(related),
            )
        )
    return _csv_bytes(rows)


def _level_taxonomy(nodes: list[Competence]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for competence in nodes:
        counts[moodle_csv.KIND_TAXONOMY.get(competence.kind, "competency")] += 1
    return max(counts, key=counts.get) if counts else "competency"


def _moodle_row(
    *,
    parent: str,
    idnumber: str,
    shortname: str,
    description: str,
    is_framework: str = "",
    taxonomy: str = "",
    related: str = "",
    scale: bool = False,
) -> list[str]:
    # Moodle needs a scale on the framework: the default two-point "Not yet competent / Competent" one.
    scale_values = "Not yet competent,Competent" if scale else ""
    scale_configuration = (
        '[{"scaleid":"1"},{"id":1,"scaledefault":1,"proficient":0},{"id":2,"scaledefault":0,"proficient":1}]'
        if scale
        else ""
    )
    plain = "2"  # Moodle's FORMAT_PLAIN
    return [
        parent,
        idnumber,
        shortname,
        description,
        plain if description else "",
        scale_values,
        scale_configuration,
        "",
        "",
        "",
        related,
        "",
        is_framework,
        taxonomy,
    ]


# -- Open edX -----------------------------------------------------------------------------------------------


def _openedx_csv(tree: _Tree) -> bytes:
    """Open edX tagging's taxonomy import: `id,value,parent_id`, parents before children."""
    rows = [["id", "value", "parent_id"]]
    for competence in tree.nodes:
        parent = tree.parent_of(competence)
        rows.append([competence.code, f"{competence.code} {competence.label}".strip(), parent.code if parent else ""])
    return _csv_bytes(rows)
