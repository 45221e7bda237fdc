"""Competence tags as blocks hold them (`[{"uri": …, "role": "develops"|"assesses"}]`): checking what a
designer sends, showing them with the repertory's labels, searching the repertory for the picker, and keeping
the repertory's content tags in step with the blocks so that it can answer "what develops UC X"."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from lxml import etree
from xblock.plugin import PluginMissingError

from repertory import api as repertory
from xblocks import compat

ROLES = ("develops", "assesses")
MAX_TAGS = 50


@dataclass(frozen=True)
class ShownCompetence:
    uri: str
    code: str
    label: str
    role: str
    framework: str
    url: str | None
    retired: bool


def clean_tags(raw, gettext) -> tuple[list[dict], list[str]]:
    """The tags a designer sent, de-duplicated, and every problem found (unknown or retired URI, bad role)."""
    problems: list[str] = []
    if not isinstance(raw, list):
        return [], [gettext("Competences must be a list of {uri, role}.")]
    if len(raw) > MAX_TAGS:
        return [], [gettext("A block can be tagged with at most %(max)d competences.") % {"max": MAX_TAGS}]
    tags, seen = [], set()
    for item in raw:
        uri = item.get("uri") if isinstance(item, dict) else None
        role = item.get("role", "develops") if isinstance(item, dict) else None
        if not isinstance(uri, str) or not uri.strip() or len(uri) > 500:
            problems.append(gettext("Each competence needs its URI."))
            continue
        if role not in ROLES:
            problems.append(gettext("Unknown role “%(role)s”: use develops or assesses.") % {"role": str(role)[:40]})
            continue
        if (uri, role) not in seen:
            seen.add((uri, role))
            tags.append({"uri": uri.strip(), "role": role})
    live = {uri for uri, ref in repertory.get_competences([tag["uri"] for tag in tags]).items() if not ref.retired}
    for tag in tags:
        if tag["uri"] not in live:
            problems.append(gettext("The repertory has no live competence %(uri)s.") % {"uri": tag["uri"][:200]})
    return tags, problems


def platform_tags(object_ids: list[str]) -> list[dict]:
    """The competences Studio's own tagging ("Manage tags", with a taxonomy pushed by `tosca openedx push-taxonomy`)
    put on these blocks, as block tags (role develops); tags of other taxonomies, or of codes the repertory does
    not have, are left out. [] outside Open edX."""
    from sync import api as sync_api  # the evidence pipeline names the taxonomies it pushes

    found = [pair for object_id in object_ids for pair in compat.object_tags(object_id)]
    if not found:
        return []
    frameworks = {sync_api.taxonomy_export_id(info.code): info.code for info in repertory.list_frameworks()}
    tags, seen = [], set()
    for export_id, code in found:
        framework = frameworks.get(export_id)
        if framework is None:
            continue
        try:
            competence = repertory.get_competence(framework=framework, code=code)
        except repertory.CompetenceNotFound:
            continue
        ref = competence.ref
        if ref.uri not in seen and not ref.retired:
            seen.add(ref.uri)
            tags.append({"uri": ref.uri, "role": "develops"})
    return tags


def with_platform_tags(tags: list[dict], object_ids: list[str]) -> list[dict]:
    """A block's own tags, then the platform's tags of it that are not among them."""
    own = {tag["uri"] for tag in tags}
    return list(tags) + [tag for tag in platform_tags(object_ids) if tag["uri"] not in own]


def shown(tags: list[dict]) -> list[ShownCompetence]:
    """Tags with the repertory's code, label and page, in the order the designer gave them."""
    refs = repertory.get_competences([tag["uri"] for tag in tags])
    result = []
    for tag in tags:
        ref = refs.get(tag["uri"])
        if ref is None:
            result.append(ShownCompetence(tag["uri"], "", tag["uri"], tag["role"], "", None, False))
            continue
        try:
            url = reverse("repertory:competence-detail", args=[ref.framework, ref.code])
        except NoReverseMatch:  # a runtime without the repertory's pages
            url = None
        result.append(ShownCompetence(ref.uri, ref.code, ref.label, tag["role"], ref.framework, url, ref.retired))
    return result


def search(query: str, limit: int = 20) -> list[dict]:
    """Competence units (and other nodes) matching `query`, for the picker."""
    query = (query or "").strip()[:200]
    if not query:
        return []
    results = repertory.search_competences(query, limit=limit)
    return [
        {
            "uri": match.ref.uri,
            "code": match.ref.code,
            "label": match.ref.label,
            "kind": match.ref.kind,
            "framework": match.ref.framework,
        }
        for match in results.results
    ]


ASIDE_TYPE = "tosca_competences"


def block_tags(block, *, aside_tags: list[dict] | None = None) -> list[dict]:
    """Every tag `block` carries: its own (a module's, a checkpoint's) and those its competences aside holds
    (`aside_tags`, when the caller is changing them). What the repertory's content tags mirror."""
    own = getattr(block, "competences", None)
    found = list(own) if isinstance(own, list) else []
    if aside_tags is None:
        try:
            aside_tags = block.runtime.get_aside_of_type(block, ASIDE_TYPE).tosca_competences
        except PluginMissingError:  # a runtime without the aside installed
            aside_tags = []
    for tag in aside_tags:
        if tag not in found:
            found.append(tag)
    return found


def mirror_to_repertory(content_key: str, tags: list[dict]) -> None:
    """Make the repertory's content tags for `content_key` exactly `tags` (live competences only)."""
    wanted = {(tag["uri"], tag["role"]) for tag in tags}
    present = {(tag.competence.uri, tag.role) for tag in repertory.tags_for(content_key)}
    for uri, role in present - wanted:
        repertory.untag_content(content_key, uri, role=role)
    for uri, role in wanted - present:
        try:
            repertory.tag_content(content_key, uri, role=role)
        except repertory.CompetenceNotFound:
            continue  # retired since: the block keeps it, the index does not


def parse_competence_elements(node: etree._Element) -> list[dict]:
    """`<competence uri="…" role="…"/>` children of an OLX element."""
    tags = []
    for child in node:
        if child.tag == "competence" and child.get("uri"):
            role = child.get("role", "develops")
            tags.append({"uri": child.get("uri").strip(), "role": role if role in ROLES else "develops"})
    return tags


def add_competence_elements(node: etree._Element, tags: list[dict]) -> None:
    for tag in tags:
        etree.SubElement(node, "competence", uri=tag["uri"], role=tag["role"])
