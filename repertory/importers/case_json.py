"""1EdTech CASE 1.x JSON: a CFPackage with CFDocument, CFItems and CFAssociations.

isChildOf builds the tree (origin = child, destination = parent item or the document), exactMatchOf and
isRelatedTo become cross-walks. Tosca's own fields that CASE has no place for (English label, EQF level,
kind) travel in `extensions.tosca`, so an export re-imports unchanged.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.utils.translation import gettext as _

from repertory.data import Format, Kind, Relation
from repertory.errors import ImportProblem, ImportRejected, reject
from repertory.importers.kinds import kind_from_label
from repertory.importers.parsed import ParsedAssociation, ParsedFramework, ParsedNode, digest
from repertory.importers.source import RawFile, decode

EXTENSION = "tosca"
CROSSWALKS = {"exactMatchOf": Relation.EXACT_MATCH, "isRelatedTo": Relation.RELATED}
ADA_PREFIX = "ADA."


def parse(raw: RawFile, *, encoding: str = "auto") -> ParsedFramework:
    package = _load(raw, encoding)
    return _Reader(raw, package).read()


def _load(raw: RawFile, encoding: str) -> dict:
    content = decode(raw, encoding)
    try:
        package = json.loads(content)
    except json.JSONDecodeError as error:
        raise reject(
            raw.name,
            _("malformed JSON at line %(line)d, column %(column)d: %(error)s.")
            % {"line": error.lineno, "column": error.colno, "error": error.msg},
            row=error.lineno,
        ) from None
    except RecursionError:
        raise reject(raw.name, _("the JSON is nested too deeply to be a CASE package.")) from None
    except ValueError as error:  # for example an integer literal longer than Python accepts
        raise reject(raw.name, _("a value in the JSON cannot be read: %(error)s.") % {"error": error}) from None
    if isinstance(package, dict) and isinstance(package.get("CFPackage"), dict):
        package = package["CFPackage"]
    if not isinstance(package, dict) or not isinstance(package.get("CFDocument"), dict):
        raise reject(
            raw.name,
            _("not a CASE package: the top level must be an object with a “CFDocument” object."),
            field="CFDocument",
        )
    return package


class _Reader:
    def __init__(self, raw: RawFile, package: dict):
        self.raw = raw
        self.package = package
        self.problems: list[ImportProblem] = []

    def read(self) -> ParsedFramework:
        document = self.package["CFDocument"]
        extension = self._extension(document, "CFDocument")
        language = self._text(document, "language", "CFDocument").lower()[:2] or "it"
        title = self._text(document, "title", "CFDocument")
        description = self._text(document, "description", "CFDocument")
        parsed = ParsedFramework(
            code=self._ext_text(extension, "code", "CFDocument") or self._text(document, "identifier", "CFDocument"),
            source_format=Format.CASE_JSON,
            source_name=self.raw.name,
            sha256=digest(self.raw.data),
            uri=self._text(document, "uri", "CFDocument") or None,
            version=self._text(document, "version", "CFDocument"),
            language=language,
            publisher=self._ext_text(extension, "publisher", "CFDocument")
            if "publisher" in extension
            else self._text(document, "publisher", "CFDocument") or self._text(document, "creator", "CFDocument"),
            source_url=self._text(document, "officialSourceURL", "CFDocument"),
            licence=self._licence(document),
            fields={
                "framework": "CFDocument.identifier",
                "framework_uri": "CFDocument.uri",
                "code": "humanCodingScheme",
                "label_it": "fullStatement",
                "kind": "CFItemType",
                "parent_code": "isChildOf",
                "eqf_level": "extensions.tosca.eqfLevel",
                "uri": "uri",
            },
        )
        parsed.title_it, parsed.title_en = self._bilingual(extension, "title", title, language, "CFDocument")
        parsed.description_it, parsed.description_en = self._bilingual(
            extension, "description", description, language, "CFDocument"
        )
        document_ids = {self._text(document, "identifier", "CFDocument"), parsed.uri}
        items = self._list("CFItems")
        nodes_by_identifier: dict[str, ParsedNode] = {}
        for index, item in enumerate(items):
            node = self._node(item, index, language)
            if node is not None:
                identifier = self._text(item, "identifier", f"CFItems[{index}]")
                nodes_by_identifier[identifier] = node
                if node.uri:
                    nodes_by_identifier.setdefault(node.uri, node)
                parsed.nodes.append(node)
        self._associations(nodes_by_identifier, document_ids, parsed)
        if not extension:
            # A CASE package from elsewhere holds one language and no EQF level: keep those of existing nodes.
            slot = "en" if language == "en" else "it"
            parsed.carries = frozenset(
                {"code", "kind", "source_type", "position", "associations", f"label_{slot}", f"description_{slot}"}
            )
            parsed.framework_carries = frozenset(
                {f"title_{slot}", f"description_{slot}", "version", "language", "licence", "publisher", "source_url"}
            )
        if not parsed.nodes and not self.problems:
            self.problems.append(
                ImportProblem(file=self.raw.name, field="CFItems", message=_("the package has no CFItems."))
            )
        if self.problems:
            raise ImportRejected(self.problems)
        return parsed

    # -- pieces -----------------------------------------------------------------------------------------------

    def _node(self, item: Any, index: int, language: str) -> ParsedNode | None:
        path = f"CFItems[{index}]"
        if not isinstance(item, dict):
            self._problem(path, _("expected an object."), index)
            return None
        extension = self._extension(item, path)
        identifier = self._text(item, "identifier", path)
        if not identifier:
            self._problem(f"{path}.identifier", _("every CFItem needs an identifier."), index)
        statement = self._text(item, "fullStatement", path)
        item_language = self._text(item, "language", path).lower()[:2] or language
        label_it, label_en = self._bilingual(extension, "label", statement, item_language, path)
        description_it, description_en = self._bilingual(
            extension, "description", self._text(item, "notes", path), item_language, path
        )
        item_type = self._text(item, "CFItemType", path)
        kind = self._ext_text(extension, "kind", path) or kind_from_label(item_type, Kind.COMPETENCY)
        eqf = extension.get("eqfLevel")
        if eqf is not None and (isinstance(eqf, bool) or not isinstance(eqf, int)):
            eqf = str(eqf)  # not a level: validate() reports it
        return ParsedNode(
            code=self._text(item, "humanCodingScheme", path) or identifier,
            kind=kind,
            parent_code=None,
            label_it=label_it,
            label_en=label_en,
            description_it=description_it,
            description_en=description_en,
            alt_labels_it=tuple(self._ext_list(extension, "altLabelsIt", path)),
            alt_labels_en=tuple(self._ext_list(extension, "altLabelsEn", path)),
            eqf_level=eqf,
            uri=self._text(item, "uri", path) or None,
            source_type=item_type if not extension.get("kind") else self._ext_text(extension, "sourceType", path),
            position=index,
            row=index + 1,
            file=self.raw.name,
        )

    def _associations(self, nodes: dict[str, ParsedNode], document_ids: set, parsed: ParsedFramework) -> None:
        parent_row: dict[int, int] = {}
        for index, association in enumerate(self._list("CFAssociations")):
            path = f"CFAssociations[{index}]"
            if not isinstance(association, dict):
                self._problem(path, _("expected an object."), index)
                continue
            kind = self._text(association, "associationType", path)
            origin = self._node_ref(association, "originNodeURI", path)
            destination = self._node_ref(association, "destinationNodeURI", path)
            if origin is None or destination is None:
                continue
            child = nodes.get(origin[0]) or nodes.get(origin[1])
            if kind == "isChildOf":
                if child is None:
                    self._problem(
                        f"{path}.originNodeURI",
                        _("isChildOf from “%(id)s”, which is not a CFItem of this package.") % {"id": origin[0]},
                        index,
                    )
                    continue
                if id(child) in parent_row:
                    self._problem(
                        path,
                        _("item “%(code)s” already has a parent (CFAssociations[%(other)d]); a repertory is a tree.")
                        % {"code": child.code, "other": parent_row[id(child)]},
                        index,
                    )
                    continue
                parent_row[id(child)] = index
                sequence = association.get("sequenceNumber")
                if isinstance(sequence, int | float) and not isinstance(sequence, bool) and math.isfinite(sequence):
                    child.position = int(sequence)
                if destination[0] in document_ids or destination[1] in document_ids:
                    continue
                parent = nodes.get(destination[0]) or nodes.get(destination[1])
                child.parent_code = parent.code if parent else destination[0]
            elif kind in CROSSWALKS and child is not None:
                # CASE has no ESCO-style essential/optional relation: Tosca's export names it in its extension.
                relation = self._ext_text(self._extension(association, path), "relation", path) or CROSSWALKS[kind]
                target_node = nodes.get(destination[0]) or nodes.get(destination[1])
                if target_node is not None:
                    child.associations.append(ParsedAssociation(relation, target_node.code, "code"))
                elif destination[0].upper().startswith(ADA_PREFIX):
                    child.associations.append(ParsedAssociation(relation, destination[0], "atlante-ada"))
                else:
                    child.associations.append(ParsedAssociation(relation, destination[1] or destination[0], "uri"))
            elif kind:
                parsed.warnings.append(
                    _("%(path)s: association “%(type)s” was not imported.") % {"path": path, "type": kind}
                )

    def _node_ref(self, association: dict, key: str, path: str) -> tuple[str, str] | None:
        value = association.get(key)
        if not isinstance(value, dict):
            self._problem(f"{path}.{key}", _("expected an object with identifier and uri."), None)
            return None
        return self._text(value, "identifier", f"{path}.{key}"), self._text(value, "uri", f"{path}.{key}")

    def _list(self, key: str) -> list:
        value = self.package.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self._problem(key, _("expected a list."), None)
            return []
        return value

    def _text(self, obj: dict, key: str, path: str) -> str:
        value = obj.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        self._problem(f"{path}.{key}", _("expected text, found %(type)s.") % {"type": type(value).__name__}, None)
        return ""

    def _extension(self, obj: dict, path: str) -> dict:
        extensions = obj.get("extensions")
        if isinstance(extensions, dict) and isinstance(extensions.get(EXTENSION), dict):
            return extensions[EXTENSION]
        return {}

    def _ext_text(self, extension: dict, key: str, path: str) -> str:
        return self._text(extension, key, f"{path}.extensions.{EXTENSION}") if extension else ""

    def _ext_list(self, extension: dict, key: str, path: str) -> list[str]:
        value = extension.get(key) or []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self._problem(f"{path}.extensions.{EXTENSION}.{key}", _("expected a list of texts."), None)
            return []
        return value

    def _bilingual(self, extension: dict, name: str, text: str, language: str, path: str) -> tuple[str, str]:
        """(Italian, English): CASE holds one language; Tosca's extension, when present, holds both."""
        italian = self._ext_text(extension, f"{name}It", path)
        english = self._ext_text(extension, f"{name}En", path)
        if f"{name}It" in extension or f"{name}En" in extension:
            return italian, english
        if language == "en":
            return italian, english or text
        return italian or text, english

    def _licence(self, document: dict) -> str:
        licence = document.get("licenseURI")
        if isinstance(licence, dict):
            return self._text(licence, "title", "CFDocument.licenseURI") or self._text(
                licence, "uri", "CFDocument.licenseURI"
            )
        return ""

    def _problem(self, field: str, message: str, index: int | None) -> None:
        self.problems.append(
            ImportProblem(file=self.raw.name, row=None if index is None else index + 1, field=field, message=message)
        )
