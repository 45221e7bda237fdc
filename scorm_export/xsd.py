"""The published SCORM schema sets, and the validation of an imsmanifest.xml against them.

The XSD files under ``scorm_export/schemas/`` are the ones ADL and IMS published, shipped byte for byte
(see ``schemas/SOURCE.md``): the exporter copies them to the root of every package it builds, so that an LMS
or a conformance tool finds them where the manifest's ``xsi:schemaLocation`` says they are.

Two of the SCORM 1.2 files cannot be loaded by libxml2 (and so by lxml) as published. They are corrected in
memory, while the validator is built, and never on disk; each correction is explained next to it in
``_CORRECTIONS``. The SCORM 2004 4th Edition set loads unchanged.

Loading is offline: every schema is served from the shipped set by a resolver that refuses any other
address, and the parsers neither expand entities nor touch the network.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable

from lxml import etree

VERSIONS = ("1.2", "2004")

# The folder under schemas/ that holds each version's set.
_SET_FOLDER = {"1.2": "scorm12", "2004": "scorm2004_4th"}

XS = "http://www.w3.org/2001/XMLSchema"

# The namespaces the exporter writes into a manifest, by the prefix it uses for them.
NAMESPACES: dict[str, dict[str, str]] = {
    "1.2": {
        "imscp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
        "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
        "imsmd": "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1",
    },
    "2004": {
        "imscp": "http://www.imsglobal.org/xsd/imscp_v1p1",
        "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
        "adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3",
        "adlnav": "http://www.adlnet.org/xsd/adlnav_v1p3",
        "imsss": "http://www.imsglobal.org/xsd/imsss",
        # Inline LOM: the 2004 4th Edition set shipped by the npm package has no LOM binding (no lom.xsd,
        # lomStrict.xsd, lomLoose.xsd nor their common/, extend/, unique/, vocab/ folders). IMS CP 1.1.4 lets
        # elements of other namespaces into <metadata> with processContents="lax", so <lom:lom> is accepted
        # there but its content is NOT checked by any schema until such a binding is added to the set.
        "lom": "http://ltsc.ieee.org/xsd/LOM",
    },
}

# What the validator imports for each version: (namespace, file of the set that declares it).
_IMPORTS: dict[str, tuple[tuple[str, str], ...]] = {
    "1.2": (
        (NAMESPACES["1.2"]["imscp"], "imscp_rootv1p1p2.xsd"),
        (NAMESPACES["1.2"]["adlcp"], "adlcp_rootv1p2.xsd"),
        (NAMESPACES["1.2"]["imsmd"], "imsmd_rootv1p2p1.xsd"),
    ),
    "2004": (
        (NAMESPACES["2004"]["imscp"], "imscp_v1p1.xsd"),
        (NAMESPACES["2004"]["adlcp"], "adlcp_v1p3.xsd"),
        (NAMESPACES["2004"]["adlseq"], "adlseq_v1p3.xsd"),
        (NAMESPACES["2004"]["adlnav"], "adlnav_v1p3.xsd"),
        (NAMESPACES["2004"]["imsss"], "imsss_v1p0.xsd"),
    ),
}

# The address under which the resolver serves the shipped files: "<scheme>:/<set folder>/<path>". It is no
# real scheme, so nothing but our resolver can ever answer for it.
_URL_PREFIX = "scorm-export-schemas:/"
_DRIVER_NAME = "__driver__.xsd"


class SchemaSetError(RuntimeError):
    """The shipped schema set cannot be turned into a validator (a file is missing, altered or refused)."""


def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise ValueError(f"unknown SCORM version {version!r}: expected one of {', '.join(VERSIONS)}")


# ---------------------------------------------------------------------------------------------------------
# The shipped files
# ---------------------------------------------------------------------------------------------------------


def _walk(folder: Traversable, prefix: str = "") -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        path = f"{prefix}{entry.name}"
        if entry.is_dir():
            found.extend(_walk(entry, f"{path}/"))
        elif entry.is_file():
            found.append((path, entry.read_bytes()))
    return found


@functools.cache
def _schema_files(version: str) -> tuple[tuple[str, bytes], ...]:
    folder = resources.files("scorm_export").joinpath("schemas", _SET_FOLDER[version])
    files = tuple(_walk(folder))
    if not files:
        raise SchemaSetError(f"the SCORM {version} schema set is missing from the scorm_export package")
    return files


def schema_files(version: str) -> dict[str, bytes]:
    """Every file of the schema set of ``version``, exactly as shipped.

    The keys are the files' paths relative to the set's folder, with forward slashes (``"imscp_v1p1.xsd"``,
    or ``"common/anyElement.xsd"`` for a file in a sub-folder): the path each file takes at the root of the
    package. The files are read once and then served from memory; the dictionary returned is a fresh copy.
    """
    _check_version(version)
    return dict(_schema_files(version))


# ---------------------------------------------------------------------------------------------------------
# In-memory corrections for libxml2
# ---------------------------------------------------------------------------------------------------------


def _replace_once(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    """A correction that replaces ``old`` by ``new``, and refuses a file where ``old`` is not there once."""

    def correct(data: bytes) -> bytes:
        if data.count(old) != 1:
            raise SchemaSetError(f"cannot apply the libxml2 correction: {old!r} is not found exactly once")
        return data.replace(old, new, 1)

    return correct


# (version, path in the set) -> the correction applied to that file's bytes before libxml2 reads it.
_CORRECTIONS: dict[tuple[str, str], Callable[[bytes], bytes]] = {
    # ims_xml.xsd declares the XML namespace as its default namespace (xmlns="http://www.w3.org/XML/1998/
    # namespace"). Namespaces in XML 1.0 forbids binding that namespace to any prefix but "xml", and to the
    # default namespace; libxml2 enforces it and stops with the fatal parse error "xml namespace URI cannot
    # be the default namespace". The declaration is dropped. Nothing in the file relies on it: its
    # targetNamespace stays the XML namespace, and every type it names is written with the xsd: prefix, so
    # the three attributes it declares (xml:lang, xml:base, xml:link) are exactly the same afterwards.
    ("1.2", "ims_xml.xsd"): _replace_once(b' xmlns="http://www.w3.org/XML/1998/namespace"', b""),
    # imsmd_rootv1p2p1.xsd ends the content of twelve types (general, lifecycle, metametadata, technical,
    # educational, rights, relation, annotation, classification, requirement, contribute, resource) with the
    # extension group grp.any, a wildcard <xsd:any namespace="##any" processContents="strict"> that comes
    # after optional elements of the IMS MD namespace itself. An IMS MD element such as <imsmd:keyword> can
    # then match either its own particle or the wildcard: that breaks the Unique Particle Attribution
    # constraint, and libxml2 refuses the types ("The content model is not determinist"). The wildcard is
    # narrowed to namespace="##other". This loosens nothing: it now admits only elements of other
    # namespaces, which is what the IMS MD 1.2.1 binding means by extension; the elements it no longer
    # admits are IMS MD elements repeated or out of their order, and unqualified elements, which no
    # schema declares and which "strict" processing already rejected.
    ("1.2", "imsmd_rootv1p2p1.xsd"): _replace_once(
        b'<xsd:any namespace="##any" processContents="strict" minOccurs="0" maxOccurs="unbounded"/>',
        b'<xsd:any namespace="##other" processContents="strict" minOccurs="0" maxOccurs="unbounded"/>',
    ),
    # The SCORM 2004 4th Edition set needs no correction: libxml2 loads it as published.
}


def _served_bytes(version: str, path: str) -> bytes:
    """The bytes libxml2 is given for ``path`` of the set: the shipped file, corrected where it must be."""
    data = dict(_schema_files(version))[path]
    correct = _CORRECTIONS.get((version, path))
    return correct(data) if correct else data


# ---------------------------------------------------------------------------------------------------------
# The validator
# ---------------------------------------------------------------------------------------------------------


class _ShippedSetResolver(etree.Resolver):
    """Serves the files of one schema set, from memory, and refuses every other address."""

    def __init__(self, version: str) -> None:
        super().__init__()
        self.version = version
        self.prefix = f"{_URL_PREFIX}{_SET_FOLDER[version]}/"
        self.files = dict(_schema_files(version))
        self.served: list[str] = []
        self.refused: list[str] = []

    def resolve(self, system_url: str | None, public_id: str | None, context: object) -> object:
        path = system_url[len(self.prefix) :] if system_url and system_url.startswith(self.prefix) else None
        if path is None or path not in self.files:
            self.refused.append(system_url or f"(public id {public_id})")
            # An empty document makes libxml2 fail on this import; the refusal is reported by _build.
            return self.resolve_string(b"", context, base_url=system_url)
        self.served.append(path)
        return self.resolve_string(_served_bytes(self.version, path), context, base_url=system_url)


def _offline_parser() -> etree.XMLParser:
    """A parser that expands no entity, loads no DTD and reaches no network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


_Names = dict[str, frozenset[str]]


@dataclass
class _Validator:
    schema: etree.XMLSchema
    served: tuple[str, ...]
    # Per namespace whose schema is loaded: its global element and attribute names, and the file declaring it.
    elements: _Names
    attributes: _Names
    files: dict[str, str]
    lock: threading.Lock = field(default_factory=threading.Lock)


def _driver(version: str) -> bytes:
    imports = "".join(
        f'<xs:import namespace="{namespace}" schemaLocation="{path}"/>' for namespace, path in _IMPORTS[version]
    )
    return f'<xs:schema xmlns:xs="{XS}">{imports}</xs:schema>'.encode()


def _declarations(version: str, served: tuple[str, ...]) -> tuple[_Names, _Names, dict[str, str]]:
    """The global elements and attributes each loaded namespace declares, read from the files libxml2 loaded."""
    elements: dict[str, set[str]] = {}
    attributes: dict[str, set[str]] = {}
    files: dict[str, str] = {}
    for path in served:
        root = etree.fromstring(_served_bytes(version, path), _offline_parser())
        namespace = root.get("targetNamespace", "")
        files.setdefault(namespace, path)
        for child in root.iterchildren(f"{{{XS}}}element", f"{{{XS}}}attribute"):
            names = elements if child.tag == f"{{{XS}}}element" else attributes
            names.setdefault(namespace, set()).add(child.get("name", ""))
    for namespace, path in _IMPORTS[version]:
        files[namespace] = path
    return (
        {ns: frozenset(names) for ns, names in elements.items()},
        {ns: frozenset(names) for ns, names in attributes.items()},
        files,
    )


@functools.cache
def _build(version: str) -> _Validator:
    resolver = _ShippedSetResolver(version)
    parser = _offline_parser()
    parser.resolvers.add(resolver)
    base_url = f"{resolver.prefix}{_DRIVER_NAME}"
    try:
        driver = etree.fromstring(_driver(version), parser, base_url=base_url)
        schema = etree.XMLSchema(driver)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as error:
        refused = f" (refused to load {', '.join(resolver.refused)})" if resolver.refused else ""
        raise SchemaSetError(f"the SCORM {version} schema set does not load{refused}: {error}") from error
    if resolver.refused:
        raise SchemaSetError(f"the SCORM {version} schemas ask for files outside the set: {resolver.refused}")
    served = tuple(dict.fromkeys(resolver.served))
    elements, attributes, files = _declarations(version, served)
    return _Validator(schema, served, elements, attributes, files)


def manifest_schema(version: str) -> etree.XMLSchema:
    """The XSD validator for an imsmanifest.xml of ``version`` ("1.2" or "2004", that is 2004 4th Edition).

    It imports every namespace the exporter writes in that version (see ``NAMESPACES``) from the shipped
    set, with the in-memory corrections libxml2 needs. It is built once and cached. Calling it checks the XSDs
    alone; ``validate_manifest`` also reports what the 2004 schemas' lax wildcards let through.
    """
    _check_version(version)
    return _build(version).schema


def loaded_schema_files(version: str) -> tuple[str, ...]:
    """The paths, in the shipped set of ``version``, of every schema file the validator was built from."""
    _check_version(version)
    return _build(version).served


# ---------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------


def _lax_wildcard_problems(validator: _Validator, content_ns: str, root: etree._Element) -> list[tuple[int, str]]:
    """Names of loaded namespaces that no schema declares, where the content packaging schema is lax.

    IMS CP 1.1.4 (SCORM 2004) takes the ADL and IMS SS extensions through wildcards with
    processContents="lax": an element or attribute that its namespace's schema does not declare — a typing
    slip such as adlcp:scormtype for adlcp:scormType, or adlcp:completionthreshold — is skipped rather than
    rejected, and an LMS would silently ignore it. For the namespaces whose schema is loaded, such names are
    reported here. (SCORM 1.2's wildcards are strict, so the XSD already reports them.)
    """
    problems: list[tuple[int, str]] = []
    for element in root.iter(f"{{{content_ns}}}*"):
        for name in element.attrib:
            qname = etree.QName(name)
            declared = validator.attributes.get(qname.namespace or "")
            if qname.namespace and declared is not None and qname.localname not in declared:
                problems.append(
                    (
                        element.sourceline or 0,
                        f"Element '{element.tag}', attribute '{name}': {validator.files[qname.namespace]} "
                        "declares no such attribute (the content packaging schema only skips it, so an LMS "
                        "would ignore it).",
                    )
                )
        for child in element.iterchildren(etree.Element):
            qname = etree.QName(child)
            declared = validator.elements.get(qname.namespace or "")
            if qname.namespace != content_ns and declared is not None and qname.localname not in declared:
                problems.append(
                    (
                        child.sourceline or 0,
                        f"Element '{child.tag}': {validator.files[qname.namespace or '']} declares no such "
                        "element (the content packaging schema only skips it, so an LMS would ignore it).",
                    )
                )
    return problems


def validate_manifest(version: str, manifest: bytes) -> list[str]:
    """The problems the SCORM ``version`` schemas find in ``manifest``; an empty list when it is valid.

    Each problem reads "line N: ...", with the line of the manifest it is about. A manifest that is not
    well-formed XML gives a single problem saying so (no exception). The manifest is parsed with entity
    expansion, DTD loading and network access off, and its xsi:schemaLocation hints are not followed: it is
    checked against the shipped set only.
    """
    _check_version(version)
    validator = _build(version)
    try:
        document = etree.fromstring(manifest, _offline_parser())
    except etree.XMLSyntaxError as error:
        line = error.lineno or 1
        reason = error.error_log.last_error.message if error.error_log.last_error else str(error)
        return [f"line {line}: the manifest is not well-formed XML: {reason}"]
    # Entities are never expanded, so a reference to one stays in the tree, where libxml2's validator cannot
    # judge it (it stops with an internal error). A manifest has no business declaring entities: say so.
    entities = [
        f"line {entity.sourceline or 1}: the entity reference {entity.text} is not allowed in a manifest "
        "(entities are not expanded)"
        for entity in document.iter(etree.Entity)
    ]
    if entities:
        return entities
    problems: list[tuple[int, str]] = []
    with validator.lock:  # an XMLSchema keeps the log of its last run: one run at a time
        try:
            validator.schema.validate(document)
        except etree.XMLSchemaValidateError as error:
            return [f"line {document.sourceline or 1}: the manifest could not be checked against the schemas: {error}"]
        log = list(validator.schema.error_log)
    problems.extend((entry.line, entry.message) for entry in log)
    if version == "2004":
        problems.extend(_lax_wildcard_problems(validator, NAMESPACES[version]["imscp"], document))
    problems.sort(key=lambda problem: problem[0])
    return [f"line {line}: {message}" for line, message in problems]
