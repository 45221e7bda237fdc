"""Writing a validated `ParsedFramework` in one transaction: add, change, retire, restore, re-index.

Nodes are matched to what is stored by URI when the source gives URIs, else by code, so URIs stay stable
across versions. Nothing is ever deleted: a node missing from a newer version is marked retired.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from repertory import bulk, search, text
from repertory.data import ImportReport
from repertory.errors import ImportProblem, ImportRejected
from repertory.importers.parsed import MAX_URI_LENGTH, ParsedAssociation, ParsedFramework, ParsedNode, validate
from repertory.models import Association, Competence, Framework, FrameworkVersion, NodeChange, SearchTerm

Progress = Callable[[str, int, int], None]
BATCH = 1000
# From this many new or changed nodes on, an import counts as a bulk load (see bulk.refresh_statistics).
BULK_LOAD = 5000
# Fields an import sets on a node; `fingerprint` summarises them (with the associations) to spot changes.
NODE_FIELDS = (
    "code",
    "kind",
    "source_type",
    "position",
    "label_it",
    "label_en",
    "description_it",
    "description_en",
    "alt_labels_it",
    "alt_labels_en",
    "eqf_level",
)
FRAMEWORK_FIELDS = (
    "title_it",
    "title_en",
    "description_it",
    "description_en",
    "version",
    "language",
    "licence",
    "source_url",
    "publisher",
)


def no_progress(stage: str, done: int, total: int) -> None:
    pass


def apply(parsed: ParsedFramework, *, dry_run: bool = False, progress: Progress = no_progress) -> ImportReport:
    """Validate `parsed` and write it; with `dry_run`, compute the same report and write nothing."""
    problems = validate(parsed)
    if problems:
        raise ImportRejected(problems)
    try:
        with transaction.atomic():
            report = _Writer(parsed, progress).write(dry_run=dry_run)
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError:
        # Validation leaves only one way here: another import of the same framework committed meanwhile.
        raise ImportRejected(
            [
                ImportProblem(
                    file=parsed.source_name,
                    message=_(
                        "another import of this framework was written at the same time; "
                        "nothing was written, import again."
                    ),
                )
            ]
        ) from None
    return report


def mint_uri(base: str, code: str) -> str:
    """A URI for something whose source gives none: `base` + code, with `/` or `:` as the base asks."""
    separator = "" if base.endswith(("/", ":", "#")) else ("/" if base.startswith(("http://", "https://")) else ":")
    return f"{base}{separator}{quote(code, safe='')}"


class _Writer:
    def __init__(self, parsed: ParsedFramework, progress: Progress):
        self.parsed = parsed
        self.progress = progress
        self.nodes = parsed.nodes
        self.by_code = {node.code: node for node in parsed.nodes}

    def write(self, *, dry_run: bool) -> ImportReport:
        framework, created = self._framework()
        stored = list(Competence.objects.filter(framework=framework))
        stored_by_uri = {competence.uri: competence for competence in stored}
        live_by_code = {competence.code: competence for competence in stored if not competence.retired}
        retired_by_code = {competence.code: competence for competence in stored if competence.retired}
        self.stored_uri_by_id = {competence.pk: competence.uri for competence in stored}

        self._assign_positions()
        matched = self._match(stored_by_uri, live_by_code, retired_by_code)
        uris = {
            node.code: matched[node.code].uri
            if node.code in matched
            else node.uri or mint_uri(framework.uri, node.code)
            for node in self.nodes
        }
        self._refuse_unusable_uris(framework, matched, uris, live_by_code)
        self._refuse_taken_uris(
            framework, [node for node in self.nodes if node.code not in matched], uris, stored_by_uri
        )
        self._keep_what_the_source_cannot_express(
            matched, framework, set(self.stored_uri_by_id.values()) | set(uris.values())
        )

        matched_ids = {competence.pk for competence in matched.values()}
        to_retire = [competence for competence in stored if not competence.retired and competence.pk not in matched_ids]
        added: list[ParsedNode] = []
        changed: list[tuple[ParsedNode, Competence, list[str]]] = []
        restored: list[Competence] = []
        unchanged = 0
        self._fingerprints = {node.code: self._fingerprint(node, uris) for node in self.nodes}
        for node in self.nodes:
            fingerprint = self._fingerprints[node.code]
            existing = matched.get(node.code)
            if existing is None:
                added.append(node)
                continue
            if existing.retired:
                restored.append(existing)
            if existing.fingerprint != fingerprint or existing.retired:
                changed.append((node, existing, self._changed_fields(node, existing, fingerprint, uris)))
            else:
                unchanged += 1

        framework_changed = not created and self._update_framework(framework)
        if created or framework_changed or added or changed or to_retire:
            version = FrameworkVersion.objects.create(
                framework=framework,
                version=self.parsed.version or framework.version,
                source_format=self.parsed.source_format,
                source_name=self.parsed.source_name[:255],
                sha256=self.parsed.sha256,
                added=len(added),
                changed=len(changed) - len(restored),
                retired=len(to_retire),
                restored=len(restored),
            )
            version_label = version.version
            self._retire(to_retire, version)
            self._free_codes_of_renamed(changed)
            ids_by_code, ids_by_uri = self._create(framework, added, uris, version_label)
            self._update(changed, uris, ids_by_uri)
            ids_by_code.update({node.code: competence.pk for node, competence, _fields in changed})
            self._replace_associations(ids_by_code, uris, [competence.pk for _n, competence, _f in changed])
            self._record_changes(version, [ids_by_code[node.code] for node in added], changed, restored, to_retire)
            self._reindex(
                framework,
                [*added, *(node for node, _c, _f in changed)],
                ids_by_code,
                stale=[competence.pk for _n, competence, _f in changed] + [c.pk for c in to_retire],
            )
        restored_ids = {competence.pk for competence in restored}
        return ImportReport(
            framework=framework.code,
            version=self.parsed.version or framework.version,
            source_format=self.parsed.source_format,
            source_name=self.parsed.source_name,
            dry_run=dry_run,
            created_framework=created,
            framework_changed=framework_changed,
            added=tuple(node.code for node in added),
            changed=tuple(node.code for node, competence, _fields in changed if competence.pk not in restored_ids),
            retired=tuple(competence.code for competence in to_retire),
            restored=tuple(competence.code for competence in restored),
            unchanged=unchanged,
            warnings=tuple(self.parsed.warnings),
        )

    def _match(self, stored_by_uri, live_by_code, retired_by_code) -> dict[str, Competence]:
        """{code in the file: the stored node it is}: by URI where the file gives one, else by code."""
        matched: dict[str, Competence] = {}
        for node in self.nodes:
            if node.uri and node.uri in stored_by_uri:
                matched[node.code] = stored_by_uri[node.uri]
        taken = {competence.pk for competence in matched.values()}
        for node in self.nodes:
            if node.uri or node.code in matched:
                continue
            existing = live_by_code.get(node.code) or retired_by_code.get(node.code)
            if existing is not None and existing.pk not in taken:
                matched[node.code] = existing
                taken.add(existing.pk)
        return matched

    # -- framework ------------------------------------------------------------------------------------------

    def _framework(self) -> tuple[Framework, bool]:
        parsed = self.parsed
        framework = None
        if parsed.uri:
            framework = Framework.objects.select_for_update().filter(uri=parsed.uri).first()
        if framework is None:
            framework = Framework.objects.select_for_update().filter(code=parsed.code).first()
            if framework is not None and parsed.uri and framework.uri != parsed.uri:
                raise ImportRejected(
                    [
                        ImportProblem(
                            file=parsed.source_name,
                            row=parsed.row,
                            field=parsed.field_name("framework"),
                            message=_(
                                "framework code “%(code)s” already belongs to the framework %(uri)s; "
                                "give this one another code."
                            )
                            % {"code": parsed.code, "uri": framework.uri},
                        )
                    ]
                )
        if framework is not None:
            return framework, False
        uri = parsed.uri or mint_uri(settings.TOSCA_REPERTORY_URI_BASE, parsed.code)
        framework = Framework(code=parsed.code, uri=uri, source_format=parsed.source_format)
        for name in FRAMEWORK_FIELDS:
            setattr(framework, name, getattr(parsed, name))
        framework.save()
        return framework, True

    def _update_framework(self, framework: Framework) -> bool:
        """Update the framework's details the source gives (a version label is never cleared)."""
        carried = self.parsed.framework_carries or FRAMEWORK_FIELDS
        changed = False
        for name in FRAMEWORK_FIELDS:
            value = getattr(self.parsed, name)
            if name not in carried or (name == "version" and not value):
                continue
            if getattr(framework, name) != value:
                setattr(framework, name, value)
                changed = True
        if changed:
            framework.source_format = self.parsed.source_format
            framework.save()
        return changed

    def _refuse_unusable_uris(
        self, framework: Framework, matched: dict[str, Competence], uris: dict[str, str], live_by_code: dict
    ) -> None:
        """URIs are forever: refuse one too long to store, or a file giving a new URI to a node Tosca named."""
        problems = []
        for node in self.nodes:
            uri = uris[node.code]
            if len(uri) > MAX_URI_LENGTH:
                problems.append(
                    self._uri_problem(
                        node,
                        _(
                            "the URI made for this node is longer than %(max)d characters; "
                            "give it a shorter code or a uri."
                        )
                        % {"max": MAX_URI_LENGTH},
                    )
                )
            stored = live_by_code.get(node.code)
            if (
                node.code not in matched
                and node.uri
                and stored is not None
                and stored.uri == mint_uri(framework.uri, stored.code)
                and stored.uri not in uris.values()
            ):
                problems.append(
                    self._uri_problem(
                        node,
                        _(
                            "node “%(code)s” already has the URI %(stored)s, and a node's URI never changes: "
                            "leave the uri empty or write %(stored)s."
                        )
                        % {"code": node.code, "stored": stored.uri},
                    )
                )
        if problems:
            raise ImportRejected(problems)

    def _uri_problem(self, node: ParsedNode, message: str) -> ImportProblem:
        return ImportProblem(file=node.file, row=node.row, field=self.parsed.field_name("uri"), message=message)

    def _refuse_taken_uris(
        self, framework: Framework, new_nodes: list[ParsedNode], uris: dict[str, str], stored_by_uri: dict
    ) -> None:
        """A new node's URI may belong to no stored node: of another framework, or of this one under another code."""
        new_uris = [uris[node.code] for node in new_nodes]
        taken: dict[str, str] = {uri: framework.code for uri in new_uris if uri in stored_by_uri}
        for start in range(0, len(new_uris), BATCH):
            rows = (
                Competence.objects.filter(uri__in=new_uris[start : start + BATCH])
                .exclude(framework=framework)
                .values_list("uri", "framework__code")
            )
            taken.update(rows)
        if taken:
            raise ImportRejected(
                [
                    ImportProblem(
                        file=node.file,
                        row=node.row,
                        field=self.parsed.field_name("uri"),
                        message=_("URI %(uri)s already belongs to another node of framework “%(framework)s”.")
                        % {"uri": uris[node.code], "framework": taken[uris[node.code]]},
                    )
                    for node in new_nodes
                    if uris[node.code] in taken
                ]
            )

    def _keep_what_the_source_cannot_express(
        self, matched: dict[str, Competence], framework: Framework, framework_uris: set[str]
    ) -> None:
        carries = self.parsed.carries
        if carries is None or not matched:
            return
        for node in self.nodes:
            existing = matched.get(node.code)
            if existing is None:
                continue
            for name in NODE_FIELDS:
                if name not in carries:
                    stored = getattr(existing, name)
                    setattr(node, name, tuple(stored.splitlines()) if name.startswith("alt_labels") else stored)
        if "associations" in carries:
            return
        # A source that only links nodes to each other (Moodle) keeps the cross-walks to other frameworks;
        # one that holds no links at all keeps every stored one.
        keep_internal = "internal_associations" not in carries
        by_competence: dict[int, list[ParsedAssociation]] = defaultdict(list)
        stored = Association.objects.filter(competence__framework=framework)
        for competence_id, relation, target, scheme in stored.values_list(
            "competence_id", "relation", "target", "scheme"
        ):
            if keep_internal or target not in framework_uris:
                by_competence[competence_id].append(ParsedAssociation(relation, target, scheme))
        for node in self.nodes:
            existing = matched.get(node.code)
            if existing is not None:
                node.associations = [*node.associations, *by_competence.get(existing.pk, [])]

    # -- nodes ----------------------------------------------------------------------------------------------

    def _assign_positions(self) -> None:
        """Position = rank among siblings, so inserting one node does not shift every node after it."""
        siblings: dict[str | None, list[ParsedNode]] = defaultdict(list)
        for node in self.nodes:
            siblings[node.parent_code].append(node)
        for children in siblings.values():
            for rank, node in enumerate(sorted(children, key=lambda child: child.position)):
                node.position = rank

    def _associations(self, node: ParsedNode, uris: dict[str, str]) -> list[ParsedAssociation]:
        return [
            ParsedAssociation(relation=a.relation, target=uris[a.target], scheme="uri") if a.scheme == "code" else a
            for a in node.associations
        ]

    def _fingerprint(self, node: ParsedNode, uris: dict[str, str]) -> str:
        values = [*(self._value(node, name) for name in NODE_FIELDS), uris.get(node.parent_code or "", "")]
        values.append([[a.relation, a.target, a.scheme] for a in self._associations(node, uris)])
        return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()

    @staticmethod
    def _value(node: ParsedNode, name: str):
        value = getattr(node, name)
        return "\n".join(value) if isinstance(value, tuple) else value

    def _changed_fields(
        self, node: ParsedNode, existing: Competence, fingerprint: str, uris: dict[str, str]
    ) -> list[str]:
        fields = [name for name in NODE_FIELDS if self._value(node, name) != getattr(existing, name)]
        if uris.get(node.parent_code or "") != self.stored_uri_by_id.get(existing.parent_id):
            fields.append("parent")
        if existing.fingerprint != fingerprint and not fields:
            fields.append("associations")
        existing.fingerprint = fingerprint
        return fields

    def _depth_order(self, nodes: list[ParsedNode]) -> list[list[ParsedNode]]:
        depth: dict[str, int] = {}

        def depth_of(code: str) -> int:
            chain = []
            while code not in depth:
                chain.append(code)
                parent = self.by_code[code].parent_code
                if not parent:
                    depth[code] = 0
                    break
                code = parent
            for member in reversed(chain):
                if member not in depth:
                    depth[member] = depth[self.by_code[member].parent_code] + 1
            return depth[chain[0]] if chain else depth[code]

        levels: dict[int, list[ParsedNode]] = defaultdict(list)
        for node in nodes:
            levels[depth_of(node.code)].append(node)
        return [levels[level] for level in sorted(levels)]

    def _retire(self, competences: list[Competence], version: FrameworkVersion) -> None:
        for competence in competences:
            competence.retired = True
            competence.retired_in = version.version
        Competence.objects.bulk_update(competences, ["retired", "retired_in"], batch_size=BATCH)

    def _free_codes_of_renamed(self, changed: list[tuple[ParsedNode, Competence, list[str]]]) -> None:
        """Codes are unique among live nodes: renamed nodes step aside first, so two nodes may swap codes."""
        renamed = [competence for node, competence, _fields in changed if node.code != competence.code]
        for competence in renamed:
            competence.code = f"~renaming~{competence.pk}"
        Competence.objects.bulk_update(renamed, ["code"], batch_size=BATCH)

    def _create(
        self, framework: Framework, nodes: list[ParsedNode], uris: dict[str, str], version_label: str
    ) -> tuple[dict[str, int], dict[str, int]]:
        """Insert new nodes, parents first: ({code: id} of the new nodes, {uri: id} of every node of the framework)."""
        ids_by_uri = dict(Competence.objects.filter(framework=framework).values_list("uri", "pk"))
        fields = [
            "framework",
            "uri",
            "code_key",
            "parent",
            "retired",
            "introduced_in",
            "retired_in",
            "fingerprint",
            *NODE_FIELDS,
        ]
        done = 0
        for level in self._depth_order(nodes):
            rows = (
                (
                    framework.pk,
                    uris[node.code],
                    text.code_key(node.code),
                    ids_by_uri[uris[node.parent_code]] if node.parent_code else None,
                    False,
                    version_label,
                    "",
                    self._fingerprints[node.code],
                    *(self._value(node, name) for name in NODE_FIELDS),
                )
                for node in level
            )
            done += bulk.insert_rows(Competence, fields, rows)
            self.progress("nodes", done, len(nodes))
            ids_by_uri = dict(Competence.objects.filter(framework=framework).values_list("uri", "pk"))
        return {node.code: ids_by_uri[uris[node.code]] for node in nodes}, ids_by_uri

    def _update(
        self, changed: list[tuple[ParsedNode, Competence, list[str]]], uris: dict[str, str], ids_by_uri: dict[str, int]
    ) -> None:
        competences = []
        for node, competence, _fields in changed:
            self._fill(competence, node)
            competence.parent_id = ids_by_uri.get(uris[node.parent_code]) if node.parent_code else None
            competence.retired = False
            competence.retired_in = ""
            competences.append(competence)
        Competence.objects.bulk_update(
            competences, [*NODE_FIELDS, "code_key", "parent", "retired", "retired_in", "fingerprint"], batch_size=BATCH
        )

    def _fill(self, competence: Competence, node: ParsedNode) -> None:
        for name in NODE_FIELDS:
            setattr(competence, name, self._value(node, name))
        competence.code_key = text.code_key(node.code)
        competence.fingerprint = self._fingerprints[node.code]

    def _replace_associations(self, ids_by_code: dict[str, int], uris: dict[str, str], changed_ids: list[int]) -> None:
        for start in range(0, len(changed_ids), BATCH):
            Association.objects.filter(competence_id__in=changed_ids[start : start + BATCH]).delete()
        rows = (
            (ids_by_code[node.code], association.relation, association.target, association.scheme, position)
            for node in self.nodes
            if node.code in ids_by_code
            for position, association in enumerate(self._associations(node, uris))
        )
        written = bulk.insert_rows(Association, ["competence", "relation", "target", "scheme", "position"], rows)
        self.progress("associations", written, written)

    def _record_changes(self, version, added_ids: list[int], changed, restored, retired) -> None:
        restored_ids = {competence.pk for competence in restored}
        rows = [(version.pk, competence_id, NodeChange.Change.ADDED, "") for competence_id in added_ids]
        rows += [
            (
                version.pk,
                competence.pk,
                NodeChange.Change.RESTORED if competence.pk in restored_ids else NodeChange.Change.CHANGED,
                ",".join(fields)[:255],
            )
            for _node, competence, fields in changed
        ]
        rows += [(version.pk, competence.pk, NodeChange.Change.RETIRED, "") for competence in retired]
        bulk.insert_rows(NodeChange, ["version", "competence", "change", "fields"], rows)

    def _reindex(
        self, framework: Framework, nodes: list[ParsedNode], ids_by_code: dict[str, int], *, stale: list[int]
    ) -> None:
        search.unindex(stale)
        search.index_rows(
            row
            for node in nodes
            for row in search.term_rows(
                ids_by_code[node.code],
                framework.pk,
                node.kind,
                node.code,
                (node.label_it, node.label_en),
                (*node.alt_labels_it, *node.alt_labels_en),
            )
        )
        if len(nodes) >= BULK_LOAD:
            bulk.refresh_statistics(Competence, Association, SearchTerm)
        self.progress("index", len(nodes), len(nodes))
