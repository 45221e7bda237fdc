"""imsmanifest.xml for SCORM 1.2 and SCORM 2004 4th Edition, written from a package plan.

What players rely on and the specifications allow either way: the launch resource comes first (some players
launch the first resource, not the first item's), hrefs are relative with forward slashes, every file is
listed, and every identifierref points at a resource. Competences are LOM classifications (purpose
`competency`, one taxon path per competence from its framework's root, taxon id = competence URI); in 2004
each module has a primary objective and one objective per competence mapped to a global objective named by
the competence's URI, so that an LMS can tell across packages which competences a learner has shown."""

from __future__ import annotations

import re

from lxml import etree

from scorm_export.build import Plan, Sco
from scorm_export.data import SCO_PER_MODULE, SCORM_12
from scorm_export.xsd import NAMESPACES

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_LOCATIONS = {
    "1.2": (
        ("imscp", "imscp_rootv1p1p2.xsd"),
        ("imsmd", "imsmd_rootv1p2p1.xsd"),
        ("adlcp", "adlcp_rootv1p2.xsd"),
    ),
    "2004": (
        ("imscp", "imscp_v1p1.xsd"),
        ("adlcp", "adlcp_v1p3.xsd"),
        ("adlseq", "adlseq_v1p3.xsd"),
        ("adlnav", "adlnav_v1p3.xsd"),
        ("imsss", "imsss_v1p0.xsd"),
    ),
}
SCHEMA_VERSION = {"1.2": "1.2", "2004": "2004 4th Edition"}
SHARED_RESOURCE = "res-shared"
_NOT_ID = re.compile(r"[^A-Za-z0-9._-]+")


def identifier(text: str) -> str:
    """An XML ID (an NCName) made from any text."""
    value = _NOT_ID.sub("-", text).strip("-.") or "x"
    return value if value[0].isalpha() or value[0] == "_" else f"x-{value}"


def write_manifest(plan: Plan) -> bytes:
    return etree.tostring(_Writer(plan).manifest(), xml_declaration=True, encoding="UTF-8", pretty_print=True)


class _Writer:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.v12 = plan.version == SCORM_12
        self.ns = NAMESPACES[plan.version]
        self.language = plan.course.language or "it"

    def q(self, prefix: str, name: str) -> str:
        return f"{{{self.ns[prefix]}}}{name}"

    def el(self, parent, prefix: str, name: str, text: str | None = None, **attributes) -> etree._Element:
        element = etree.SubElement(parent, self.q(prefix, name), {k: v for k, v in attributes.items() if v is not None})
        if text is not None:
            element.text = text
        return element

    # -- the document -------------------------------------------------------------------------------

    def manifest(self) -> etree._Element:
        nsmap = {None: self.ns["imscp"], "xsi": XSI, **{k: v for k, v in self.ns.items() if k != "imscp"}}
        course = self.plan.course
        root = etree.Element(self.q("imscp", "manifest"), nsmap=nsmap)
        root.set("identifier", identifier(f"tosca-{course.key}-{self.plan.version}-{self.plan.layout}"))
        root.set("version", "1.0" if self.v12 else "1")
        root.set(
            f"{{{XSI}}}schemaLocation",
            " ".join(f"{self.ns[prefix]} {file}" for prefix, file in SCHEMA_LOCATIONS[self.plan.version]),
        )
        metadata = self.el(root, "imscp", "metadata")
        self.el(metadata, "imscp", "schema", "ADL SCORM")
        self.el(metadata, "imscp", "schemaversion", SCHEMA_VERSION[self.plan.version])
        all_tags = [tag for module in course.modules for tag in self.tags_of(module)]
        metadata.append(self.lom(course.title, course.summary, _unique(all_tags)))
        organizations = self.el(root, "imscp", "organizations", default="org-1")
        organization = self.el(organizations, "imscp", "organization", identifier="org-1")
        self.el(organization, "imscp", "title", course.title)
        self.items(organization)
        if not self.v12:
            sequencing = self.el(organization, "imsss", "sequencing")
            self.el(sequencing, "imsss", "controlMode", choice="true", flow="true")
        self.resources(self.el(root, "imscp", "resources"))
        return root

    def tags_of(self, module) -> list[dict]:
        return [
            {"id": uri, "role": role, **self.plan.competences.get(uri, {})} for uri, role in module.info.competences
        ]

    # -- organization -------------------------------------------------------------------------------

    def items(self, organization) -> None:
        if self.plan.layout == SCO_PER_MODULE:
            for number, sco in enumerate(self.plan.scos, start=1):
                item = self.el(
                    organization,
                    "imscp",
                    "item",
                    identifier=f"item-{number}",
                    identifierref=_res(sco),
                    isvisible="true",
                )
                self.el(item, "imscp", "title", sco.title)
                self.item_metadata(item, sco.module, sco.competences)
                self.rule(item, sco.module, sco.competences, scored=sco.min_score is not None)
            return
        by_module: dict[int, list[Sco]] = {}
        for sco in self.plan.scos:
            by_module.setdefault(id(sco.module), []).append(sco)
        for number, scos in enumerate(by_module.values(), start=1):
            module = scos[0].module
            tags = self.tags_of(module)
            cluster = self.el(organization, "imscp", "item", identifier=f"item-{number}", isvisible="true")
            self.el(cluster, "imscp", "title", module.info.title)
            for index, sco in enumerate(scos, start=1):
                item = self.el(
                    cluster,
                    "imscp",
                    "item",
                    identifier=f"item-{number}-{index}",
                    identifierref=_res(sco),
                    isvisible="true",
                )
                self.el(item, "imscp", "title", sco.title)
                scored = sco.pages[0]["kind"] == "quiz" and sco.min_score is not None
                if self.v12:
                    if scored:
                        self.el(item, "adlcp", "masteryscore", str(round(sco.min_score * 100)))
                else:
                    sequencing = self.el(item, "imsss", "sequencing")
                    objectives = self.el(sequencing, "imsss", "objectives")
                    self.primary(
                        objectives, f"{module.info.usage_id}/{sco.pages[0]['id']}", sco.min_score if scored else None
                    )
            self.item_metadata(cluster, module, tags)
            if not self.v12:
                # The module is met when all its pages are (the default rollup); its primary objective then
                # writes each competence's global objective.
                sequencing = self.el(cluster, "imsss", "sequencing")
                self.el(sequencing, "imsss", "controlMode", choice="true", flow="true")
                objectives = self.el(sequencing, "imsss", "objectives")
                primary = self.el(objectives, "imsss", "primaryObjective", objectiveID=module.info.usage_id)
                for tag in tags:
                    self.el(
                        primary,
                        "imsss",
                        "mapInfo",
                        targetObjectiveID=tag["id"],
                        readSatisfiedStatus="false",
                        writeSatisfiedStatus="true",
                    )

    def item_metadata(self, item, module, tags: list[dict]) -> None:
        if tags:
            metadata = self.el(item, "imscp", "metadata")
            metadata.append(self.lom(module.info.title, module.info.description, tags))

    def rule(self, item, module, tags: list[dict], *, scored: bool) -> None:
        if self.v12:
            if scored:
                self.el(item, "adlcp", "masteryscore", str(round(module.min_score * 100)))
            return
        sequencing = self.el(item, "imsss", "sequencing")
        objectives = self.el(sequencing, "imsss", "objectives")
        self.primary(objectives, module.info.usage_id, module.min_score if scored else None)
        for tag in tags:
            objective = self.el(objectives, "imsss", "objective", objectiveID=tag["id"])
            self.el(
                objective,
                "imsss",
                "mapInfo",
                targetObjectiveID=tag["id"],
                readSatisfiedStatus="false",
                writeSatisfiedStatus="true",
            )

    def primary(self, objectives, objective_id: str, min_score: float | None) -> None:
        if min_score is None:
            self.el(objectives, "imsss", "primaryObjective", objectiveID=objective_id)
            return
        primary = self.el(objectives, "imsss", "primaryObjective", objectiveID=objective_id, satisfiedByMeasure="true")
        self.el(primary, "imsss", "minNormalizedMeasure", f"{min_score:.4f}".rstrip("0").rstrip(".") or "0")

    # -- resources ----------------------------------------------------------------------------------

    def resources(self, resources) -> None:
        kind = "scormtype" if self.v12 else "scormType"
        for sco in self.plan.scos:  # the launch resource (the first SCO's) comes first
            resource = self.el(resources, "imscp", "resource", identifier=_res(sco), type="webcontent", href=sco.href)
            resource.set(self.q("adlcp", kind), "sco")
            for path in sco.files:
                self.el(resource, "imscp", "file", href=path)
            self.el(resource, "imscp", "dependency", identifierref=SHARED_RESOURCE)
        shared = self.el(resources, "imscp", "resource", identifier=SHARED_RESOURCE, type="webcontent")
        shared.set(self.q("adlcp", kind), "asset")
        sco_files = {path for sco in self.plan.scos for path in sco.files}
        for path in sorted(self.plan.files):
            if path not in sco_files:
                self.el(shared, "imscp", "file", href=path)

    # -- LOM ----------------------------------------------------------------------------------------

    def lom(self, title: str, description: str, tags: list[dict]) -> etree._Element:
        prefix = "imsmd" if self.v12 else "lom"
        lom = etree.Element(self.q(prefix, "lom"))
        general = self.el(lom, prefix, "general")
        self.text(self.el(general, prefix, "title"), title)
        self.el(general, prefix, "language", self.language)
        if description:
            self.text(self.el(general, prefix, "description"), description)
        if tags:
            classification = self.el(lom, prefix, "classification")
            purpose = self.el(classification, prefix, "purpose")
            self.vocabulary(purpose, "source", "LOMv1.0")
            self.vocabulary(purpose, "value", "competency")
            for tag in tags:
                self.taxon_path(classification, tag)
        return lom

    def taxon_path(self, classification, tag: dict) -> None:
        """From the framework's root down to the competence: in 1.2 nested taxa, in 2004 a sequence of them."""
        prefix = "imsmd" if self.v12 else "lom"
        path = self.el(classification, prefix, "taxonpath" if self.v12 else "taxonPath")
        self.text(self.el(path, prefix, "source"), tag.get("framework") or tag["id"].rsplit(":", 2)[0])
        steps = [*list(tag.get("path", ())), (tag["id"], tag.get("label") or tag.get("code") or tag["id"])]
        parent = path
        for uri, label in steps:
            taxon = self.el(parent, prefix, "taxon")
            self.el(taxon, prefix, "id", uri)
            self.text(self.el(taxon, prefix, "entry"), label)
            if self.v12:
                parent = taxon

    def text(self, parent, value: str) -> None:
        if self.v12:
            self.el(parent, "imsmd", "langstring", value).set(XML_LANG, self.language)
        else:
            self.el(parent, "lom", "string", value, language=self.language)

    def vocabulary(self, parent, name: str, value: str) -> None:
        element = self.el(parent, "imsmd" if self.v12 else "lom", name)
        if self.v12:
            self.el(element, "imsmd", "langstring", value).set(XML_LANG, "x-none")
        else:
            element.text = value


def _res(sco: Sco) -> str:
    return f"res-{sco.identifier}"


def _unique(tags: list[dict]) -> list[dict]:
    seen, result = set(), []
    for tag in tags:
        if tag["id"] not in seen:
            seen.add(tag["id"])
            result.append(tag)
    return result
