"""From a course's content to the files of a SCORM package: static pages of each block, the shared SCO
runtime, the course's assets under ASCII names, and the plan the manifest is written from."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import unquote

from django.template import Context, Engine
from django.utils.translation import gettext as _
from django.utils.translation import override

from scorm_export.data import SCO_PER_MODULE, SUSPEND_DATA_LIMIT

SHARED = "shared"
ASSETS = "assets"
# Blocks shown in a package; anything else is left out, with a warning saying so.
SHOWN_KINDS = {"tosca_html": "html", "tosca_video": "video", "tosca_quiz": "quiz", "tosca_unavailable": "unavailable"}
_STATIC = re.compile(r"""(?P<quote>["'(])/static/(?P<path>[^"'()\s?#]+)(?P<rest>[?#][^"'()\s]*)?""")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class NothingToExport(ValueError):
    """The course or module has nothing a package could hold; the message says what and where."""


@dataclass
class Sco:
    """One SCO: a page of the package with its own launch file and the files it needs."""

    identifier: str
    title: str
    href: str
    module: object
    """The xblocks ModuleContent it comes from."""
    pages: list[dict]
    competences: list[dict]
    min_score: float | None
    files: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """Everything the package holds: files by path (bytes, or a file on disk) and the SCOs in order."""

    version: str
    layout: str
    course: object
    scos: list[Sco]
    files: dict[str, bytes | Path]
    shared_files: list[str]
    warnings: list[str]
    competences: dict[str, dict]
    """{uri: {"code", "label", "framework", "path": [(uri, label), ...] root first}} of every tagged competence."""


@cache
def _engine() -> Engine:
    folder = resources.files("scorm_export").joinpath("templates", "scorm_export")
    return Engine(dirs=[str(folder)], libraries={"i18n": "django.templatetags.i18n"}, autoescape=True)


def shared_file(name: str) -> bytes:
    return resources.files("scorm_export").joinpath("sco", name).read_bytes()


def plan_package(
    course,
    version: str,
    *,
    layout: str = SCO_PER_MODULE,
    competences: dict[str, dict],
    all_assets: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """Lay out the package of `course` (an xblocks CourseContent): NothingToExport when it has nothing to show.
    With `all_assets` false only the assets the pages refer to go in (a module exported on its own)."""
    if not course.modules:
        raise NothingToExport(_("The course “%(course)s” has no modules to export.") % {"course": course.title})
    empty = [module for module in course.modules if not module.blocks]
    if empty:
        raise NothingToExport(
            _(
                "Module “%(title)s” (%(name)s) has no content: add blocks to it, or remove it from the course,"
                " before exporting."
            )
            % {"title": empty[0].info.title, "name": empty[0].info.name}
        )
    warnings: list[str] = []
    assets = _asset_names(course.assets)
    used_assets: set[str] = set()
    files: dict[str, bytes | Path] = {
        f"{SHARED}/tosca-sco.js": shared_file("tosca-sco.js"),
        f"{SHARED}/tosca-sco.css": shared_file("tosca-sco.css"),
    }
    scos: list[Sco] = []
    with override(course.language or None):
        for number, module in enumerate(course.modules, start=1):
            pages = _pages(module, assets, used_assets, warnings)
            if not pages:
                raise NothingToExport(
                    _("Module “%(title)s” (%(name)s) has nothing Tosca can put in a package.")
                    % {"title": module.info.title, "name": module.info.name}
                )
            tags = [{"id": uri, "role": role, **competences.get(uri, {})} for uri, role in module.info.competences]
            folder = module.info.name
            if layout == SCO_PER_MODULE:
                scos.append(
                    Sco(
                        f"sco-{number}",
                        module.info.title,
                        f"{folder}/index.html",
                        module,
                        pages,
                        tags,
                        module.min_score,
                    )
                )
            else:
                for index, page in enumerate(pages, start=1):
                    page = {**page, "required": page["counts"]}  # a page on its own is all its SCO asks for
                    scos.append(
                        Sco(
                            f"sco-{number}-{index}",
                            page["title"] or module.info.title,
                            f"{folder}/{page['id']}.html",
                            module,
                            [page],
                            [],
                            module.min_score,
                        )
                    )
            if progress:
                progress(number, len(course.modules))
        for sco in scos:
            files[sco.href] = _render(sco, course, version)
            sco.files = [sco.href]
    for original, (package_path, source) in assets.items():
        if all_assets or original in used_assets:
            files[package_path] = source
    return Plan(
        version=version,
        layout=layout,
        course=course,
        scos=scos,
        files=files,
        shared_files=[f"{SHARED}/tosca-sco.js", f"{SHARED}/tosca-sco.css"],
        warnings=warnings,
        competences=competences,
    )


def ascii_path(path: str) -> str:
    """A path any LMS and any zip tool handle: ASCII letters, digits, '.', '_', '-' in each part."""
    parts = []
    for part in path.split("/"):
        plain = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode("ascii")
        plain = _SAFE.sub("_", plain).strip("._") or "file"
        parts.append(plain)
    return "/".join(parts)


def _asset_names(assets) -> dict[str, tuple[str, Path]]:
    """{path under /static/: (path in the package, file)}, names made ASCII and kept distinct."""
    taken: set[str] = set()
    names = {}
    for original, source in assets:
        candidate = f"{ASSETS}/{ascii_path(original)}"
        stem, dot, extension = candidate.rpartition(".") if "." in candidate.rsplit("/", 1)[-1] else (candidate, "", "")
        counter = 1
        while candidate.lower() in taken:
            counter += 1
            candidate = f"{stem}-{counter}{dot}{extension}"
        taken.add(candidate.lower())
        names[original] = (candidate, source)
    return names


def _pages(module, assets: dict, used: set[str], warnings: list[str]) -> list[dict]:
    optional = set(module.optional)
    pages = []
    for block in module.blocks:
        kind = SHOWN_KINDS.get(block.kind)
        where = f"{module.info.name}/{block.name}"
        if kind is None:
            warnings.append(
                _("%(where)s: “%(title)s” (%(type)s) cannot be shown outside Tosca and is left out of the package.")
                % {"where": where, "title": block.title or block.name, "type": block.kind}
            )
            continue

        def local(url: str, where=where) -> str:
            return _local_url(url, assets, used, warnings, where)

        fields = block.fields
        page = {
            "id": block.name,
            "kind": kind,
            "title": block.title,
            "required": block.name not in optional and kind != "unavailable",
            "counts": kind != "unavailable",
        }
        if kind == "html":
            page["content"] = _rewrite(fields.get("content", ""), local)
        elif kind == "video":
            page["sources"] = [{**source, "src": local(source["src"])} for source in fields.get("sources", [])]
            page["tracks"] = [{**track, "src": local(track["src"])} for track in fields.get("tracks", [])]
            page["transcript"] = _rewrite(fields.get("transcript", ""), local)
            if not page["tracks"]:
                warnings.append(_("%(where)s: the video has no captions.") % {"where": where})
        elif kind == "quiz":
            if fields.get("problems"):
                raise NothingToExport(
                    _("%(where)s: the quiz “%(title)s” cannot be answered: %(problems)s.")
                    % {"where": where, "title": block.title, "problems": "; ".join(fields["problems"])}
                )
            page["question"] = _rewrite(fields.get("question", ""), local)
            page["choices"] = [{**choice, "text": _rewrite(choice["text"], local)} for choice in fields["choices"]]
            page["multiple"] = bool(fields.get("multiple"))
            page["max_attempts"] = int(fields.get("max_attempts") or 0)
            page["weight"] = float(fields.get("weight", 1.0))
        else:
            page["notice"] = _(
                "This content (“%(type)s”) is not available here. It does not count towards completing the module."
            ) % {"type": fields.get("original_type") or "?"}
            warnings.append(
                _("%(where)s: “%(title)s” (%(type)s) is not available in Tosca; the package shows a notice instead.")
                % {"where": where, "title": block.title or block.name, "type": fields.get("original_type") or "?"}
            )
        pages.append(page)
    return pages


def _rewrite(html: str, local: Callable[[str], str]) -> str:
    def replace(match: re.Match) -> str:
        return match.group("quote") + local("/static/" + match.group("path")) + (match.group("rest") or "")

    return _STATIC.sub(replace, html or "")


def _local_url(url: str, assets: dict, used: set[str], warnings: list[str], where: str) -> str:
    """A course asset URL as the relative path from a SCO's page (one folder down) to the asset in the package."""
    if not url.startswith("/static/"):
        return url
    name = unquote(url[len("/static/") :].split("?", 1)[0].split("#", 1)[0])
    if name not in assets:
        warnings.append(
            _("%(where)s: refers to “%(url)s”, which is not among the course's files.") % {"where": where, "url": url}
        )
        return url
    used.add(name)
    return "../" + assets[name][0]


def _render(sco: Sco, course, version: str) -> bytes:
    config = {
        "version": version,
        "minScore": sco.min_score,
        "suspendLimit": SUSPEND_DATA_LIMIT[version],
        "competences": [{"id": tag["id"], "role": tag["role"]} for tag in sco.competences],
        "pages": [_page_config(page) for page in sco.pages],
        "text": {
            "position": _("Page %(page)s of %(pages)s"),
            "progress": _("%(done)s of %(required)s required pages done."),
            "met": _("Module completed: your result has been sent to your learning platform."),
            "failed": _("The module is finished, but the minimum score was not reached."),
            # Filled in by the page's script: the placeholders are left in, the %% becomes %.
            "below": _("Your score is %(score)s%%; this module asks for %(min)s%%. Try the questions again.")
            % {"score": "%(score)s", "min": "%(min)s"},
            "correct": _("Correct."),
            "wrong": _("Not correct. Read the feedback and try again."),
            "wrongLast": _("Not correct, and no attempts are left."),
            "choose": _("Choose an answer before checking it."),
            "attemptLeft": _("%(left)s attempt left"),
            "attemptsLeft": _("%(left)s attempts left"),
            "watched": _("Watched"),
        },
    }
    data = json.dumps(config, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    html = (
        _engine()
        .get_template("sco.html")
        .render(
            Context(
                {
                    "language": course.language or "it",
                    "course_title": course.title,
                    "title": sco.title,
                    "pages": sco.pages,
                    "competences": sco.competences,
                    "shared": f"../{SHARED}/",
                    "config": data,
                }
            )
        )
    )
    return html.encode("utf-8")


def _page_config(page: dict) -> dict:
    entry = {"id": page["id"], "kind": page["kind"], "required": page["required"], "counts": page["counts"]}
    if page["kind"] == "quiz":
        entry.update(
            correct=[choice["id"] for choice in page["choices"] if choice["correct"]],
            feedback={choice["id"]: choice["feedback"] for choice in page["choices"] if choice.get("feedback")},
            maxAttempts=page["max_attempts"],
            weight=page["weight"],
        )
    return entry
