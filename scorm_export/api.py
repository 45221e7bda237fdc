"""SCORM export: a Tosca course, or one of its modules, as a SCORM 1.2 or 2004 4th Edition package that an LMS
without LTI imports, validated before anyone gets it; and the same validation for any package."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import override

from repertory import api as repertory
from scorm_export import checks, xsd
from scorm_export.build import NothingToExport, ascii_path, plan_package
from scorm_export.data import (
    SCO_LAYOUTS,
    SCO_PER_MODULE,
    VERSIONS,
    ExportedPackage,
    Problem,
    ValidationReport,
)
from scorm_export.manifest import write_manifest
from xblocks.runtime import api as runtime

__all__ = [
    "ExportRefused",
    "export_package",
    "validate_package",
]


class ExportRefused(ValueError):
    """What was asked cannot become a package: the course or module is unknown or empty, an option is wrong, or
    the package failed its own checks. `problems` says every reason."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = (), *, not_found: bool = False):
        super().__init__(message)
        self.problems = problems
        self.not_found = not_found


def export_package(
    target: str,
    version: str,
    *,
    layout: str = SCO_PER_MODULE,
    user=None,
    everything: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> ExportedPackage:
    """The package of `target` (a course key, or a module's usage id): one SCO per module (or per page),
    checked against the XSDs and Tosca's own rules before it is returned. ExportRefused says why not.
    Unpublished courses are exported for their designers (`user`) and, with `everything`, for an operator on
    the command line."""
    if version not in VERSIONS:
        raise ExportRefused(_("Unknown SCORM version “%(version)s”: use “1.2” or “2004”.") % {"version": version})
    if layout not in SCO_LAYOUTS:
        raise ExportRefused(_("Unknown layout “%(layout)s”: use “module” or “page”.") % {"layout": layout})
    course_key = runtime.course_key_of(target)
    if course_key is None:
        raise ExportRefused(
            _("“%(target)s” is neither a course key (course-v1:…) nor a module's usage id (block-v1:…).")
            % {"target": target}
        )
    module = None if target == course_key else target
    try:
        content = runtime.course_content(course_key, module=module, user=user, published_only=not everything)
    except runtime.CourseNotFound:
        raise ExportRefused(
            _("There is no module “%(target)s”.") % {"target": target}
            if module
            else _("There is no course “%(target)s”.") % {"target": target},
            not_found=True,
        ) from None
    with override(content.language or None):  # labels in the course's language, as its pages are
        competences = _competences({uri for item in content.modules for uri, _role in item.info.competences})

    def planned(done: int, total: int) -> None:
        if progress:
            progress("pages", done, total)

    try:
        plan = plan_package(
            content, version, layout=layout, competences=competences, all_assets=module is None, progress=planned
        )
    except NothingToExport as error:
        raise ExportRefused(str(error)) from None
    files: dict[str, bytes | Path] = {"imsmanifest.xml": write_manifest(plan)}
    files.update(xsd.schema_files(version))
    files.update(plan.files)
    report = checks.check_files(files)
    if not report.valid:
        raise ExportRefused(
            _("The package Tosca built failed its own checks; please report this: %(first)s")
            % {"first": report.errors[0]},
            report.problems,
        )
    data = _zip(files, content.updated_at.timetuple()[:6], progress)
    stem = content.modules[0].info.name if module else content.key.split(":", 1)[-1]
    filename = f"{ascii_path(stem)}-scorm{version.replace('.', '')}.zip"
    return ExportedPackage(
        filename=filename,
        content=data,
        version=version,
        scos=len(plan.scos),
        files=len(files),
        warnings=tuple(plan.warnings),
    )


def validate_package(data: bytes, *, name: str = "package.zip") -> ValidationReport:
    """Every problem of any SCORM package (a zip, in memory): its entries, its manifest against the published
    schemas of the version it declares, and the rules players depend on."""
    return checks.check_zip(data, name=name)


def _competences(uris: set[str]) -> dict[str, dict]:
    """What the manifest says of each competence: code, label, framework title, and its path from the root."""
    refs = repertory.get_competences(uris)
    ancestors = repertory.ancestors_of(uris)
    titles = {framework.code: framework.title for framework in repertory.list_frameworks()} if refs else {}
    result = {}
    for uri in uris:
        ref = refs.get(uri)
        if ref is None:
            result[uri] = {"code": "", "label": uri, "framework": "", "path": ()}
            continue
        result[uri] = {
            "code": ref.code,
            "label": ref.label,
            "framework": titles.get(ref.framework, ref.framework),
            "path": tuple((node.uri, node.label) for node in ancestors.get(uri, ())),
        }
    return result


def _zip(files: dict[str, bytes | Path], when: tuple, progress) -> bytes:
    """The zip: file entries only, forward slashes, the manifest first, one fixed timestamp (same input, same
    bytes). Media are stored as they are; everything else is deflated."""
    buffer = io.BytesIO()
    order = ["imsmanifest.xml", *sorted(path for path in files if path != "imsmanifest.xml")]
    stamp = max(tuple(when), (1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, path in enumerate(order, start=1):
            info = zipfile.ZipInfo(path, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED if _compressed(path) else zipfile.ZIP_DEFLATED
            content = files[path]
            if isinstance(content, Path):
                with content.open("rb") as source, archive.open(info, "w", force_zip64=True) as target:
                    while chunk := source.read(1 << 20):
                        target.write(chunk)
            else:
                archive.writestr(info, content)
            if progress:
                progress("files", index, len(order))
    return buffer.getvalue()


def _compressed(path: str) -> bool:
    return path.lower().endswith((".webm", ".mp4", ".ogv", ".ogg", ".mp3", ".jpg", ".jpeg", ".png", ".gif", ".zip"))
