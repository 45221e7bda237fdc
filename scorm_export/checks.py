"""The checks every package goes through, Tosca's own before they are written and anyone's through
`tosca scorm validate`: the zip's entry names, the manifest against the published XSDs, and what the schemas
cannot say (identifierrefs that resolve, files that exist and are listed, relative forward-slash hrefs, the
launch resource first, attribute names spelled as the declared version spells them)."""

from __future__ import annotations

import functools
import io
import posixpath
import re
import zipfile
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext as _
from lxml import etree

from scorm_export import xsd
from scorm_export.data import ERROR, SCORM_12, SCORM_2004, WARNING, Problem, ValidationReport

MANIFEST = "imsmanifest.xml"
_LINE = re.compile(r"^line (\d+): ")
ADLCP = {SCORM_12: xsd.NAMESPACES[SCORM_12]["adlcp"], SCORM_2004: xsd.NAMESPACES[SCORM_2004]["adlcp"]}
CONTENT_PACKAGING = {SCORM_12: xsd.NAMESPACES[SCORM_12]["imscp"], SCORM_2004: xsd.NAMESPACES[SCORM_2004]["imscp"]}


def check_zip(data: bytes, *, name: str = "package.zip") -> ValidationReport:
    """Every problem of a SCORM zip, read from memory (nothing is extracted)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError):
        return ValidationReport(None, (Problem(name, _("the file is not a zip archive.")),))
    problems: list[Problem] = []
    files: dict[str, bytes] = {}
    with archive:
        for info in archive.infolist():
            problems += _entry_problems(info.filename, info.is_dir())
            if not info.is_dir():
                try:
                    files[info.filename] = archive.read(info) if info.filename == MANIFEST else b""
                except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
                    problems.append(Problem(info.filename, _("cannot be read: %(error)s") % {"error": error}))
    report = check_files(files)
    return ValidationReport(report.version, tuple(problems) + report.problems)


def check_files(files: Mapping[str, object]) -> ValidationReport:
    """The checks on a package given as {path: content}; only imsmanifest.xml's content is read."""
    manifest = files.get(MANIFEST)
    if manifest is None:
        return ValidationReport(None, (Problem(MANIFEST, _("the package has no imsmanifest.xml at its root.")),))
    try:
        root = etree.fromstring(bytes(manifest), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        return ValidationReport(None, (Problem(MANIFEST, _("not well-formed XML: %(error)s") % {"error": error}),))
    version = declared_version(root)
    if version is None:
        return ValidationReport(
            None,
            (
                Problem(
                    MANIFEST,
                    _(
                        "cannot tell the SCORM version: metadata/schemaversion should be “1.2” or “2004 4th Edition”,"
                        " and the manifest in the matching namespace."
                    ),
                ),
            ),
        )
    problems = [_located(message) for message in xsd.validate_manifest(version, bytes(manifest))]
    problems += _semantic_problems(root, version, set(files))
    return ValidationReport(version, tuple(problems))


def declared_version(root: etree._Element) -> str | None:
    """ "1.2" or "2004" from the manifest's schemaversion (or, without one, its namespace)."""
    namespace = etree.QName(root).namespace
    text = ""
    for element in root.iter("{*}schemaversion"):
        text = (element.text or "").strip()
        break
    if text == "1.2" or (not text and namespace == CONTENT_PACKAGING[SCORM_12]):
        return SCORM_12
    if text.startswith("2004") or text == "CAM 1.3" or (not text and namespace == CONTENT_PACKAGING[SCORM_2004]):
        return SCORM_2004
    return None


def _located(message: str) -> Problem:
    match = _LINE.match(message)
    if match:
        return Problem(f"{MANIFEST} line {match.group(1)}", message[match.end() :])
    return Problem(MANIFEST, message)


def _entry_problems(name: str, is_dir: bool) -> list[Problem]:
    problems = []
    if "\\" in name:
        problems.append(Problem(name, _("the entry name uses backslashes; zip paths use forward slashes.")))
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        problems.append(Problem(name, _("the entry name is an absolute path.")))
    if ".." in name.replace("\\", "/").split("/"):
        problems.append(Problem(name, _("the entry name leaves the package with “..”.")))
    if is_dir:
        problems.append(Problem(name, _("a directory entry: packages need only file entries."), WARNING))
    return problems


def _where(element: etree._Element) -> str:
    return f"{MANIFEST} line {element.sourceline}"


def _semantic_problems(root: etree._Element, version: str, paths: set[str]) -> list[Problem]:
    ns = CONTENT_PACKAGING[version]
    problems: list[Problem] = []
    problems += _attribute_spelling(root, version)
    resources = {element.get("identifier"): element for element in root.iter(f"{{{ns}}}resource")}
    listed: set[str] = set()
    for resource in resources.values():
        base = _base(resource, ns)
        href = resource.get("href")
        if href:
            problems += _href_problems(resource, href)
        files = []
        for file in resource.iter(f"{{{ns}}}file"):
            value = file.get("href", "")
            problems += _href_problems(file, value)
            path = _resolved(base, value)
            if path is not None:
                files.append(path)
                listed.add(path)
                if path not in paths:
                    problems.append(
                        Problem(_where(file), _("“%(href)s” is listed but not in the package.") % {"href": value})
                    )
        launch = _resolved(base, href) if href else None
        if launch is not None and launch not in paths:
            problems.append(
                Problem(_where(resource), _("the launch file “%(href)s” is not in the package.") % {"href": href})
            )
        elif launch is not None and launch not in files:
            problems.append(
                Problem(
                    _where(resource),
                    _("the launch file “%(href)s” is not among the resource's files.") % {"href": href},
                    WARNING,
                )
            )
        for dependency in resource.iter(f"{{{ns}}}dependency"):
            if dependency.get("identifierref") not in resources:
                problems.append(
                    Problem(
                        _where(dependency),
                        _("the dependency “%(ref)s” names no resource.") % {"ref": dependency.get("identifierref")},
                    )
                )
    first_item = None
    organizations = root.find(f"{{{ns}}}organizations")
    if organizations is not None:
        default = organizations.get("default")
        known = {element.get("identifier") for element in organizations.findall(f"{{{ns}}}organization")}
        if default and default not in known:
            problems.append(
                Problem(
                    _where(organizations),
                    _("the default organization “%(ref)s” does not exist.") % {"ref": default},
                )
            )
        for item in organizations.iter(f"{{{ns}}}item"):
            ref = item.get("identifierref")
            if ref is None:
                continue
            if ref not in resources:
                problems.append(
                    Problem(_where(item), _("the item's identifierref “%(ref)s” names no resource.") % {"ref": ref})
                )
            elif first_item is None:
                first_item = item
    if first_item is not None:
        first_resource = next(iter(resources.values()), None)
        launch = resources[first_item.get("identifierref")]
        if first_resource is not launch:
            problems.append(
                Problem(
                    _where(launch),
                    _(
                        "the resource the first item launches (“%(ref)s”) is not listed first: some players launch"
                        " the first resource."
                    )
                    % {"ref": launch.get("identifier")},
                    WARNING,
                )
            )
    for path in sorted(paths - listed - {MANIFEST}):
        if not _is_schema(path):
            problems.append(Problem(path, _("the file is in the package but no resource lists it.")))
    return problems


def _attribute_spelling(root: etree._Element, version: str) -> list[Problem]:
    """`adlcp:scormtype` (1.2) and `adlcp:scormType` (2004): players that read one ignore the other."""
    right, wrong = ("scormtype", "scormType") if version == SCORM_12 else ("scormType", "scormtype")
    problems = []
    for element in root.iter():
        for attribute in element.attrib:
            name = etree.QName(attribute)
            if name.localname == wrong and name.namespace in ADLCP.values():
                problems.append(
                    Problem(
                        _where(element),
                        _("SCORM %(version)s spells the attribute “adlcp:%(right)s”, not “adlcp:%(wrong)s”.")
                        % {"version": version, "right": right, "wrong": wrong},
                    )
                )
    return problems


def _base(resource: etree._Element, ns: str) -> str:
    bases = []
    element = resource
    while element is not None:
        value = element.get("{http://www.w3.org/XML/1998/namespace}base")
        if value:
            bases.append(value)
        element = element.getparent()
    return "".join(reversed(bases))


def _href_problems(element: etree._Element, href: str) -> list[Problem]:
    problems = []
    parts = urlsplit(href)
    if "\\" in href:
        problems.append(
            Problem(_where(element), _("“%(href)s” uses backslashes; use forward slashes.") % {"href": href})
        )
    if parts.scheme or parts.netloc or href.startswith("/"):
        problems.append(
            Problem(
                _where(element),
                _("“%(href)s” is absolute; files of a package are referred to by relative paths.") % {"href": href},
            )
        )
    return problems


def _resolved(base: str, href: str) -> str | None:
    """The package path a relative href names (query and fragment dropped), None when it is not relative."""
    parts = urlsplit(href)
    if not href or parts.scheme or parts.netloc or href.startswith("/") or "\\" in href:
        return None
    path = posixpath.normpath(unquote(posixpath.join(base, parts.path)))
    if path.startswith("../") or path == "..":
        return None
    return path


@functools.cache
def _schema_paths() -> frozenset[str]:
    return frozenset(xsd.schema_files(SCORM_12)) | frozenset(xsd.schema_files(SCORM_2004))


def _is_schema(path: str) -> bool:
    return path.lower().endswith((".xsd", ".dtd")) or path in _schema_paths()


__all__ = ["ERROR", "WARNING", "check_files", "check_zip", "declared_version"]
