"""OLX in and out. Import reads an Open edX course export (chapters, sequentials, verticals, and pointer files),
maps `html`, `video` and capa `problem` (single and multiple choice) onto Tosca's content blocks, keeps anything
else as a visible "not available here" placeholder (reported by name), and stores the course in one
transaction. Export writes the course back in the same layout."""

from __future__ import annotations

import contextlib
import io
import json
import mimetypes
import re
import shutil
import tarfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils.translation import gettext as _
from lxml import etree
from xblock.plugin import PluginMissingError
from xblock.runtime import DictKeyValueStore, KvsFieldData

from xblocks import competences as tags
from xblocks.blocks.unavailable import UnavailableBlock
from xblocks.runtime import keys
from xblocks.runtime.models import (
    BlockRecord,
    Completion,
    Course,
    CourseCompetence,
    CourseModule,
    FieldValue,
    Grade,
)
from xblocks.runtime.runtime import CourseIds, ToscaRuntime
from xblocks.runtime.store import forget_course, scope_name
from xblocks.sanitize import plain_text, sanitize_html

TOSCA_CONTENT = {"tosca_html", "tosca_video", "tosca_quiz", "tosca_checkpoint", "tosca_libretto", "tosca_unavailable"}
STRUCTURE = {"chapter", "sequential", "vertical"}
CHOICE_RESPONSES = {"multiplechoiceresponse": "choicegroup", "choiceresponse": "checkboxgroup"}
CAPA_RESPONSES = {
    "multiplechoiceresponse",
    "choiceresponse",
    "optionresponse",
    "stringresponse",
    "numericalresponse",
    "formularesponse",
    "customresponse",
    "schematicresponse",
    "imageresponse",
    "coderesponse",
    "symbolicresponse",
    "annotationresponse",
    "choicetextresponse",
    "jsmeresponse",
}
ASIDE_FAMILY = "xblock_asides.v1"
MAX_DEPTH = 12
MAX_POINTERS = 10_000  # pointer files loaded for one course: stops a few files that reference each other N times
_TIMESTAMP = re.compile(r"(\d{2}:\d{2}:\d{2}),(\d{3})")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, huge_tree=False
    )


@dataclass(frozen=True)
class ImportProblem:
    file: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class OlxRejected(ValueError):
    """The course cannot be imported; every problem found, each with its file (and line)."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


@dataclass
class ImportReport:
    course_key: str
    title: str
    created: bool
    modules: int = 0
    blocks: int = 0
    assets: int = 0
    placeholders: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ParsedCourse:
    key: keys.CourseKey
    title: str
    language: str
    summary: str
    overview: str
    modules: list[tuple[str, etree._Element]]
    assets: dict[str, bytes]
    placeholders: list[str]
    warnings: list[str]


class _Reader:
    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.problems: list[ImportProblem] = []
        self.placeholders: list[str] = []
        self.warnings: list[str] = []
        self.assets = {path[len("static/") :]: content for path, content in files.items() if path.startswith("static/")}
        self.pointers = 0
        self.too_deep = False
        for path in self.assets:
            parts = path.split("/")
            for end in range(1, len(parts)):
                if "/".join(parts[:end]) in self.assets:
                    self.problems.append(
                        ImportProblem(
                            f"static/{'/'.join(parts[:end])}",
                            _("is both a file and a folder (“static/%(path)s”).") % {"path": path},
                        )
                    )

    def xml(self, path: str) -> etree._Element | None:
        content = self.files.get(path)
        if content is None:
            self.problems.append(ImportProblem(path, _("the file is missing.")))
            return None
        try:
            return etree.fromstring(content, parser=_parser())
        except etree.XMLSyntaxError as error:
            self.problems.append(
                ImportProblem(path, _("not well-formed XML: %(error)s") % {"error": error.msg}, error.lineno)
            )
            return None

    def resolve(self, element: etree._Element, path: str, depth: int = 0) -> etree._Element:
        """`element` with every pointer (an element with only a url_name) replaced by its file, recursively."""
        if depth > MAX_DEPTH:
            if not self.too_deep:  # said once: every branch of a deep tree would say it again
                self.too_deep = True
                self.problems.append(
                    ImportProblem(
                        path, _("blocks are nested too deeply (more than %(max)d levels).") % {"max": MAX_DEPTH}
                    )
                )
            return element
        if _is_pointer(element):
            self.pointers += 1
            if self.pointers > MAX_POINTERS:
                if self.pointers == MAX_POINTERS + 1:
                    self.problems.append(
                        ImportProblem(
                            path, _("more than %(max)d blocks are referenced: refused.") % {"max": MAX_POINTERS}
                        )
                    )
                return element
            name = element.get("url_name")
            if not keys.valid_part(name):
                self.problems.append(
                    ImportProblem(path, _("“%(name)s” is not a valid url_name.") % {"name": name}, element.sourceline)
                )
                return element
            target = f"{element.tag}/{name}.xml"
            loaded = self.xml(target)
            if loaded is None:
                return element
            loaded.set("url_name", name)
            element, path = loaded, target
        for child in list(element):
            if isinstance(child.tag, str):
                resolved = self.resolve(child, path, depth + 1)
                if resolved is not child:
                    element.replace(child, resolved)
        if element.tag == "html" and element.get("filename") is not None:
            source = f"html/{element.get('filename')}.html"
            if source in self.files:
                element.text = self.files[source].decode("utf-8", errors="replace")
            else:
                self.problems.append(ImportProblem(source, _("the file is missing.")))
        element.set("_source", path)
        return element


def _is_pointer(element: etree._Element) -> bool:
    return (
        isinstance(element.tag, str)
        and set(element.attrib) == {"url_name"}
        and len(element) == 0
        and not (element.text or "").strip()
    )


def _inner(element: etree._Element, *, skip: tuple[str, ...] = ()) -> str:
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag in skip:
            parts.append(child.tail or "")
            continue
        parts.append(etree.tostring(child, encoding="unicode"))
    return "".join(parts).strip()


def parse_course(files: dict[str, bytes]) -> ParsedCourse:
    """Read and map a course export; OlxRejected lists every problem when it cannot be imported."""
    reader = _Reader(files)
    top = reader.xml("course.xml")
    if top is None:
        raise OlxRejected(reader.problems or [ImportProblem("course.xml", _("the file is missing."))])
    org, number, run = top.get("org", ""), top.get("course", ""), top.get("url_name", "")
    if not all(keys.valid_part(part) for part in (org, number, run)):
        raise OlxRejected(
            [
                ImportProblem(
                    "course.xml",
                    _("org, course and url_name must be set, using only letters, digits, “_”, “-”, “.” and “~”."),
                )
            ]
        )
    course_root = top if len(top) else reader.xml(f"course/{run}.xml")
    if course_root is None:
        raise OlxRejected(reader.problems)
    course_root = reader.resolve(course_root, f"course/{run}.xml")
    modules: list[tuple[str, etree._Element]] = []
    for child in course_root:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "chapter":
            section = child.get("display_name", "")
            for sequence in child:
                if isinstance(sequence.tag, str):
                    modules.extend((section, module) for module in _modules_of(reader, sequence))
        elif child.tag in {"wiki", "textbook"}:
            continue
        else:
            modules.extend(("", module) for module in _modules_of(reader, child))
    if not modules and not reader.problems:
        reader.problems.append(ImportProblem(f"course/{run}.xml", _("the course has no modules.")))
    if reader.problems:
        raise OlxRejected(reader.problems)
    summary = plain_text(files.get("about/short_description.html", b"").decode("utf-8", "replace"))[:1000]
    overview = sanitize_html(files.get("about/overview.html", b"").decode("utf-8", "replace"))
    return ParsedCourse(
        key=keys.CourseKey(org, number, run),
        title=(course_root.get("display_name") or number)[:255],
        language=course_root.get("language", "")[:16],
        summary=summary,
        overview=overview,
        modules=modules,
        assets=reader.assets,
        placeholders=reader.placeholders,
        warnings=reader.warnings,
    )


def _modules_of(reader: _Reader, element: etree._Element) -> list[etree._Element]:
    """The modules a sequential (or any element directly under a chapter or the course) becomes."""
    if element.tag == "tosca_module":
        return [_mapped_module(reader, element)]
    leaves = _leaves(element) if element.tag in STRUCTURE else [element]
    if leaves and all(leaf.tag == "tosca_module" for leaf in leaves):
        return [_mapped_module(reader, leaf) for leaf in leaves]
    module = etree.Element("tosca_module", display_name=element.get("display_name", ""))
    if element.get("url_name"):
        module.set("url_name", element.get("url_name"))
    module.set("_source", element.get("_source", ""))
    for leaf in leaves:
        module.append(_mapped(reader, leaf))
    return [module]


def _is_aside(element: etree._Element) -> bool:
    return element.get("xblock-family") == ASIDE_FAMILY


def _mapped_module(reader: _Reader, module: etree._Element) -> etree._Element:
    for child in list(module):
        if isinstance(child.tag, str) and child.tag != "competence" and not _is_aside(child):
            position = module.index(child)
            mapped = _mapped(reader, child)  # a placeholder takes the child inside itself
            if mapped is not child:
                if child.getparent() is module:
                    module.remove(child)
                module.insert(position, mapped)
    return module


def _leaves(element: etree._Element) -> list[etree._Element]:
    found = []
    for child in element:
        if not isinstance(child.tag, str) or _is_aside(child):
            continue
        found.extend(_leaves(child) if child.tag in STRUCTURE else [child])
    return found


def _mapped(reader: _Reader, leaf: etree._Element) -> etree._Element:
    source = leaf.get("_source", "")
    if leaf.tag in TOSCA_CONTENT or leaf.tag == "tosca_module":
        return leaf
    mapped = None
    asides = [child for child in leaf if isinstance(child.tag, str) and _is_aside(child)]
    if leaf.tag in {"html", "video", "problem"}:
        for aside in asides:  # an aside (a competence tag, say) is not part of the content it annotates
            leaf.remove(aside)
    if leaf.tag == "html":
        mapped = etree.Element("tosca_html", display_name=leaf.get("display_name", ""))
        mapped.text = etree.CDATA(sanitize_html(_inner(leaf)))
    elif leaf.tag == "video":
        mapped = _video(reader, leaf)
    elif leaf.tag == "problem":
        mapped = _quiz(leaf)
    if mapped is not None:
        mapped.extend(asides)
        return _carry(leaf, mapped)
    for aside in asides:
        if aside.getparent() is None:
            leaf.append(aside)  # an unmapped problem keeps them, to be exported as it came
    kind = leaf.tag if leaf.tag != "problem" else _("problem (%(kind)s)") % {"kind": _response_kind(leaf)}
    reader.placeholders.append(
        _("%(file)s: “%(name)s” (%(type)s) is not available here; it is shown as a placeholder and exported as it was.")
        % {"file": source or leaf.tag, "name": leaf.get("display_name") or leaf.get("url_name", ""), "type": kind}
    )
    leaf.attrib.pop("_source", None)
    return UnavailableBlock.wrapping(leaf)


def _carry(original: etree._Element, node: etree._Element) -> etree._Element:
    if original.get("url_name"):
        node.set("url_name", original.get("url_name"))
    node.set("_source", original.get("_source", ""))
    return node


def _response_kind(problem: etree._Element) -> str:
    kinds = [
        element.tag for element in problem.iter() if isinstance(element.tag, str) and element.tag in CAPA_RESPONSES
    ]
    return ", ".join(dict.fromkeys(kinds)) or "?"


def _quiz(problem: etree._Element) -> etree._Element | None:
    responses = [
        element for element in problem.iter() if isinstance(element.tag, str) and element.tag in CAPA_RESPONSES
    ]
    if len(responses) != 1 or responses[0].tag not in CHOICE_RESPONSES:
        return None
    response = responses[0]
    group = response.find(CHOICE_RESPONSES[response.tag])
    if group is None:
        return None
    question = []
    for child in problem:
        if child is response:
            break
        if isinstance(child.tag, str) and child.tag not in {"solution", "demandhint"}:
            question.append(etree.tostring(child, encoding="unicode", with_tail=False))
    for tag in ("label", "description"):
        part = response.find(tag)
        if part is not None:
            question.append(f"<p>{_inner(part)}</p>")
    if group.get("label"):
        question.append(f"<p>{group.get('label')}</p>")
    node = etree.Element(
        "tosca_quiz",
        display_name=problem.get("display_name", ""),
        multiple="true" if response.tag == "choiceresponse" else "false",
        max_attempts=str(int(problem.get("max_attempts") or 0))
        if (problem.get("max_attempts") or "0").isdigit()
        else "0",
        weight=problem.get("weight") or "1",
    )
    etree.SubElement(node, "question").text = etree.CDATA(sanitize_html("".join(question)))
    for index, choice in enumerate(group.findall("choice"), start=1):
        correct = (choice.get("correct") or "false").strip().lower() == "true"
        hints = [
            hint
            for hint in choice.findall("choicehint")
            if response.tag != "choiceresponse" or hint.get("selected", "true").lower() == "true"
        ]
        feedback = plain_text(_inner(hints[0])) if hints else ""
        element = etree.SubElement(
            node,
            "choice",
            id=choice.get("name") or f"c{index}",
            correct="true" if correct else "false",
            feedback=feedback,
        )
        element.text = etree.CDATA(sanitize_html(_inner(choice, skip=("choicehint",))))
    return node


def _video(reader: _Reader, video: etree._Element) -> etree._Element:
    node = etree.Element("tosca_video", display_name=video.get("display_name", ""))
    sources = []
    with contextlib.suppress(ValueError):
        sources.extend(json.loads(video.get("html5_sources") or "[]"))
    sources.extend(source.get("src") for source in video.findall("source"))
    for src in dict.fromkeys(source for source in sources if isinstance(source, str) and source.strip()):
        etree.SubElement(node, "source", src=src.strip())
    for transcript in video.findall("transcript"):
        language, src = transcript.get("language", ""), transcript.get("src", "")
        vtt = _captions(reader, src)
        if vtt:
            etree.SubElement(node, "track", kind="captions", src=f"/static/{vtt}", srclang=language, label=language)
    for track in video.findall("track"):
        etree.SubElement(node, "track", **dict(track.attrib))
    if node.find("track") is None:
        reader.warnings.append(
            _(
                "%(file)s: the video “%(name)s” has no captions; add a WebVTT file so that "
                "learners who cannot hear it can follow it."
            )
            % {"file": video.get("_source", ""), "name": video.get("display_name", "")}
        )
    return node


def _captions(reader: _Reader, src: str) -> str | None:
    """A course asset holding the transcript as WebVTT (Open edX keeps SRT files in static/)."""
    name = src.rsplit("/", 1)[-1]
    if not name or name not in reader.assets:
        return None
    if name.endswith(".vtt"):
        return name
    text = reader.assets[name].decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    vtt_name = name.rsplit(".", 1)[0] + ".vtt"
    reader.assets[vtt_name] = ("WEBVTT\n\n" + _TIMESTAMP.sub(r"\1.\2", text)).encode()
    return vtt_name


# -- storing ------------------------------------------------------------------------------------------


def import_course(files: dict[str, bytes], *, published: bool = True) -> ImportReport:
    """Import (or re-import) a course, all or nothing. Learners' state survives for blocks that keep their
    url_name; blocks that are gone lose theirs with them."""
    parsed = parse_course(files)
    key = str(parsed.key)
    asset_dir = f"courses/{parsed.key.org}.{parsed.key.course}.{parsed.key.run}/{uuid.uuid4().hex[:12]}"
    target = Path(settings.MEDIA_ROOT) / asset_dir
    try:
        with transaction.atomic():
            course, created = Course.objects.select_for_update().get_or_create(
                key=key, defaults={"title": parsed.title}
            )
            old_dir = course.asset_dir
            report = ImportReport(
                course_key=key,
                title=parsed.title,
                created=created,
                placeholders=parsed.placeholders,
                warnings=list(parsed.warnings),
            )
            kvs = DictKeyValueStore()
            ids = CourseIds(parsed.key)
            runtime = ToscaRuntime(course, AnonymousUser(), ids=ids, field_data=KvsFieldData(kvs))
            roots = _build_blocks(runtime, parsed)
            tagged = _check_blocks(runtime, roots, report)
            FieldValue.objects.filter(course_key=key, user_id=0).delete()
            _forget_removed_blocks(course, ids.taken)
            FieldValue.objects.bulk_create(_rows(kvs), batch_size=500)
            BlockRecord.objects.filter(course=course).delete()
            BlockRecord.objects.bulk_create(
                [
                    BlockRecord(course=course, usage_id=usage_id, block_type=keys.parse_usage(usage_id)[1])
                    for usage_id in sorted(ids.taken)
                ],
                batch_size=500,
            )
            report.blocks = len(ids.taken)
            course.title, course.summary, course.overview = parsed.title, parsed.summary, parsed.overview
            course.language, course.published, course.asset_dir = parsed.language, published, asset_dir
            course.version += 1
            course.save()
            index_course(course, runtime, [(section, usage) for section, usage in roots])
            for usage_id, block_tags in tagged.items():
                tags.mirror_to_repertory(usage_id, block_tags)
            report.modules = len(roots)
            _write_assets(target, parsed.assets)
            report.assets = len(parsed.assets)
            transaction.on_commit(lambda: forget_course(key))
            if old_dir and old_dir != asset_dir:
                transaction.on_commit(lambda: shutil.rmtree(Path(settings.MEDIA_ROOT) / old_dir, ignore_errors=True))
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return report


def _build_blocks(runtime: ToscaRuntime, parsed: ParsedCourse) -> list[tuple[str, str]]:
    problems, roots = [], []
    for section, element in parsed.modules:
        source = element.get("_source", "")
        for node in element.iter():
            if isinstance(node.tag, str):
                node.attrib.pop("_source", None)
        try:
            roots.append((section, runtime._usage_id_from_node(element, None)))
        except PluginMissingError as error:
            problems.append(ImportProblem(source, _("unknown block type: %(error)s") % {"error": error}))
        except (ValueError, TypeError) as error:
            problems.append(ImportProblem(source, _("a value is not valid: %(error)s") % {"error": error}))
    if problems:
        raise OlxRejected(problems)
    return roots


def _check_blocks(runtime: ToscaRuntime, roots: list[tuple[str, str]], report: ImportReport) -> dict[str, list]:
    """Reject competences the repertory does not know, wherever they are (a module, a checkpoint, an aside on
    any block); report quizzes that cannot be answered. Returns every block's tags, for the repertory."""
    problems, tagged = [], {}
    for _section, usage_id in roots:
        file = f"tosca_module/{keys.parse_usage(usage_id)[2]}.xml"
        for block in _descendants(runtime, runtime.get_block(usage_id)):
            block_id = str(block.scope_ids.usage_id)
            name = keys.parse_usage(block_id)[2]
            block_tags = tags.block_tags(block)
            if block_tags:
                tagged[block_id] = block_tags
            _cleaned, tag_problems = tags.clean_tags(block_tags, _)
            where = "" if block_id == usage_id else f"“{name}”: "
            problems += [ImportProblem(file, where + problem) for problem in tag_problems]
            for problem in getattr(block, "problems", lambda: [])():
                report.warnings.append(f"{name}: {problem}")
    if problems:
        raise OlxRejected(problems)
    return tagged


def _descendants(runtime: ToscaRuntime, block) -> list:
    found = [block]
    for child_id in getattr(block, "children", None) or []:
        found.extend(_descendants(runtime, runtime.get_block(child_id)))
    return found


def _forget_removed_blocks(course: Course, kept: set[str]) -> None:
    """Learners' state, completion and grades of blocks a re-import removed go with them (a block that comes
    back later under the same name starts afresh), and so do the repertory's tags of them."""
    course_key = course.key
    for usage_id in (
        BlockRecord.objects.filter(course=course).exclude(usage_id__in=kept).values_list("usage_id", flat=True)
    ):
        tags.mirror_to_repertory(usage_id, [])
    owners = set(FieldValue.objects.filter(course_key=course_key).values_list("owner", flat=True).distinct())
    gone = [
        owner for owner in owners if (keys.parse_aside(owner)[0] if owner.startswith("aside-") else owner) not in kept
    ]
    for start in range(0, len(gone), 500):
        FieldValue.objects.filter(course_key=course_key, owner__in=gone[start : start + 500]).delete()
    Completion.objects.filter(course_key=course_key).exclude(usage_id__in=kept).delete()
    Grade.objects.filter(course_key=course_key).exclude(usage_id__in=kept).delete()


def _rows(kvs: DictKeyValueStore) -> list[FieldValue]:
    rows = {}
    for key, value in kvs.db_dict.items():
        scope, owner = scope_name(key.scope), str(key.block_scope_id or "")
        rows[(scope, owner, key.field_name)] = FieldValue(
            scope=scope, owner=owner, user_id=0, name=key.field_name, course_key=keys.course_of(owner), value=value
        )
    return list(rows.values())


def _write_assets(target: Path, assets: dict[str, bytes]) -> None:
    for path, content in assets.items():
        destination = target / "static" / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(content)


def index_course(course: Course, runtime: ToscaRuntime, roots: list[tuple[str, str]]) -> None:
    """Rebuild the outline and the competence index of `course` (the catalogue's "courses that develop X")."""
    from repertory import api as repertory

    CourseModule.objects.filter(course=course).delete()
    modules, tagged = [], []
    for position, (section, usage_id) in enumerate(roots, start=1):
        block = runtime.get_block(usage_id)
        modules.append(
            CourseModule(
                course=course,
                position=position,
                usage_id=usage_id,
                section=section[:255],
                title=block.display_name[:255],
                description=block.description,
                estimated_hours=block.estimated_hours,
            )
        )
        tagged.append((usage_id, block.competences))
    CourseModule.objects.bulk_create(modules)
    by_usage = {module.usage_id: module for module in CourseModule.objects.filter(course=course)}
    ancestors = repertory.ancestors_of({tag["uri"] for _usage, module_tags in tagged for tag in module_tags})
    rows = []
    for usage_id, module_tags in tagged:
        seen = set()
        for tag in module_tags:
            rows.append(CourseCompetence(module=by_usage[usage_id], course=course, uri=tag["uri"], role=tag["role"]))
            for ancestor in ancestors.get(tag["uri"], ()):
                if ancestor.uri not in seen:
                    seen.add(ancestor.uri)
                    rows.append(
                        CourseCompetence(
                            module=by_usage[usage_id], course=course, uri=ancestor.uri, role=tag["role"], direct=False
                        )
                    )
    CourseCompetence.objects.bulk_create(rows, batch_size=500)


def reindex(course: Course) -> None:
    """After a designer changed a module: refresh the outline and index from the stored blocks."""
    course.refresh_from_db()
    runtime = ToscaRuntime(course, AnonymousUser())
    roots = list(CourseModule.objects.filter(course=course).values_list("section", "usage_id"))
    index_course(course, runtime, roots)


# -- export -------------------------------------------------------------------------------------------


def export_course(course: Course) -> bytes:
    """The course as an Open edX-style export (`.tar.gz`), which `import_course` reads back unchanged."""
    key = keys.CourseKey.parse(course.key)
    runtime = ToscaRuntime(course, AnonymousUser())
    files: dict[str, bytes] = {}
    top = etree.Element("course", url_name=key.run, org=key.org, course=key.course)
    files["course.xml"] = etree.tostring(top, encoding="utf-8")
    root = etree.Element("course", display_name=course.title)
    if course.language:
        root.set("language", course.language)
    chapter, section = None, object()
    for position, module in enumerate(CourseModule.objects.filter(course=course), start=1):
        name = keys.parse_usage(module.usage_id)[2]
        if chapter is None or module.section != section:
            section = module.section
            chapter = etree.SubElement(
                root, "chapter", url_name=f"section-{position}", display_name=module.section or module.title
            )
        sequential = etree.SubElement(chapter, "sequential", url_name=f"{name}-seq", display_name=module.title)
        vertical = etree.SubElement(sequential, "vertical", url_name=f"{name}-unit", display_name=module.title)
        etree.SubElement(vertical, "tosca_module", url_name=name)
        node = etree.Element("tosca_module")
        block = runtime.get_block(module.usage_id)
        block.add_xml_to_node(node)
        runtime.add_asides_to_node(block, node)
        files[f"tosca_module/{name}.xml"] = etree.tostring(node, encoding="utf-8", pretty_print=True)
    files[f"course/{key.run}.xml"] = etree.tostring(root, encoding="utf-8", pretty_print=True)
    if course.summary:
        files["about/short_description.html"] = course.summary.encode()
    if course.overview:
        files["about/overview.html"] = course.overview.encode()
    for path, content in course_assets(course).items():
        files[f"static/{path}"] = content
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(files):
            info = tarfile.TarInfo(f"{key.course}/{path}")
            info.size, info.mtime, info.mode = len(files[path]), int(course.updated_at.timestamp()), 0o644
            archive.addfile(info, io.BytesIO(files[path]))
    return buffer.getvalue()


def course_assets(course: Course) -> dict[str, bytes]:
    folder = Path(settings.MEDIA_ROOT) / course.asset_dir / "static"
    if not course.asset_dir or not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()
    }


def course_asset_names(course: Course) -> list[str]:
    """The paths (under /static/) of a course's assets, sorted, without reading them."""
    folder = Path(settings.MEDIA_ROOT) / course.asset_dir / "static"
    if not course.asset_dir or not folder.is_dir():
        return []
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())


def asset_path(course: Course, path: str) -> Path | None:
    """The file of a course asset, or None (unknown, or a path that would leave the course's folder)."""
    if not course.asset_dir or not path or "\x00" in path:
        return None
    folder = (Path(settings.MEDIA_ROOT) / course.asset_dir / "static").resolve()
    candidate = (folder / path).resolve()
    if folder not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def guess_type(path: str) -> str:
    if path.endswith(".vtt"):
        return "text/vtt"
    if path.endswith(".webm"):
        return "video/webm"
    return mimetypes.guess_type(path)[0] or "application/octet-stream"
