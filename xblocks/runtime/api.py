"""The course runtime's public face: courses, rendering blocks for a user, import and export, the catalogue's
competence search, enrolments and progress. The site and the LTI tool call this, never the models."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Q
from xblock.exceptions import NoSuchUsage

from xblocks.runtime import olx
from xblocks.runtime.archive import ArchiveRejected, read_directory, read_tar
from xblocks.runtime.data import (
    BlockContent,
    CourseContent,
    CourseInfo,
    CourseProgress,
    ModuleContent,
    ModuleInfo,
    RenderedBlock,
)
from xblocks.runtime.keys import CourseKey, InvalidKey, parse_usage
from xblocks.runtime.models import Completion, Course, CourseCompetence, CourseModule, Enrollment
from xblocks.runtime.olx import ImportProblem, ImportReport, OlxRejected
from xblocks.runtime.runtime import ToscaRuntime, with_js_runtime

__all__ = [
    "ArchiveRejected",
    "CourseNotFound",
    "ImportProblem",
    "ImportReport",
    "OlxRejected",
    "can_author",
    "course_content",
    "course_info",
    "course_key_of",
    "courses",
    "developed_in_courses",
    "enroll",
    "export_course",
    "has_course",
    "import_archive",
    "import_folder",
    "is_enrolled",
    "preview_module",
    "progress_of",
    "render_module",
    "runtime_for",
]

AUTHOR_PERMISSION = "xblocks_runtime.author_course"
# Where a channel that signs learners in (the LTI tool) keeps what blocks should know of them for the session:
# {"tosca.platform": ..., "tosca.learner": ...}. Block handlers run with these attributes too.
USER_ATTRS_SESSION_KEY = "xblocks.runtime.user_attrs"


class CourseNotFound(LookupError):
    pass


def has_course(key: str) -> bool:
    """Whether a course with this key is stored, published or not."""
    return Course.objects.filter(key=key).exists()


def has_module(usage_id: str) -> bool:
    """Whether a published course holds a module with this usage id (one query: a launch asks it each time)."""
    return CourseModule.objects.filter(usage_id=usage_id, course__published=True).exists()


def can_author(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(AUTHOR_PERMISSION))


def _course(key: str, user=None) -> Course:
    course = Course.objects.filter(key=key).first()
    if course is None or (not course.published and not can_author(user)):
        raise CourseNotFound(key)
    return course


def _info(course: Course, completed: set[str] = frozenset()) -> CourseInfo:
    tags: dict[int, list[tuple[str, str]]] = {}
    for module_id, uri, role in (
        CourseCompetence.objects.filter(course=course, direct=True)
        .values_list("module_id", "uri", "role")
        .order_by("id")
    ):
        tags.setdefault(module_id, []).append((uri, role))
    modules = tuple(
        ModuleInfo(
            usage_id=module.usage_id,
            name=parse_usage(module.usage_id)[2],
            section=module.section,
            title=module.title,
            description=module.description,
            estimated_hours=module.estimated_hours,
            competences=tuple(tags.get(module.pk, ())),
            completed=module.usage_id in completed,
        )
        for module in course.modules.all()
    )
    return CourseInfo(
        course.key, course.title, course.summary, course.overview, course.language, course.published, modules
    )


def courses(*, competence: str | None = None, query: str = "", user=None) -> list[CourseInfo]:
    """Published courses (all courses for designers), optionally those developing `competence` (a competence
    unit or any node above it, such as a figure) or whose title or summary contains `query`."""
    queryset = Course.objects.all() if can_author(user) else Course.objects.filter(published=True)
    if competence:
        queryset = queryset.filter(competences__uri=competence)
    if query:
        queryset = queryset.filter(
            Q(title__icontains=query) | Q(summary__icontains=query) | Q(modules__title__icontains=query)
        )
    return [_info(course) for course in queryset.distinct().prefetch_related("modules")]


def developed_in_courses(uris, user=None) -> set[str]:
    """Which of `uris` some course (published, or any for designers) develops: a tagged unit or a node above one."""
    rows = CourseCompetence.objects.filter(uri__in=list(uris))
    if not can_author(user):
        rows = rows.filter(course__published=True)
    return set(rows.values_list("uri", flat=True).distinct())


def course_info(key: str, user=None) -> CourseInfo:
    course = _course(key, user)
    completed = set()
    if getattr(user, "is_authenticated", False):
        completed = _completed_modules(user, course)
    return _info(course, completed)


def _completed_modules(user, course: Course) -> set[str]:
    usage_ids = list(course.modules.values_list("usage_id", flat=True))
    return set(
        Completion.objects.filter(user=user, usage_id__in=usage_ids, completion__gte=1.0).values_list(
            "usage_id", flat=True
        )
    )


def course_content(
    course_key: str, *, module: str | None = None, user=None, published_only: bool = True
) -> CourseContent:
    """What a channel needs to render the course (or the one module with usage id `module`) outside the XBlock
    runtime: the outline, each module's rule and tags, each block's content and settings fields, the assets.
    Learners' state is never part of it. CourseNotFound when the course (or the module in it) does not exist,
    or is not published and neither `user` may author it nor `published_only` is off."""
    course = Course.objects.filter(key=course_key).first() if not published_only else None
    if course is None:
        course = _course(course_key, user)
    info = _info(course)
    selected = [item for item in info.modules if module is None or item.usage_id == module]
    if module is not None and not selected:
        raise CourseNotFound(module)
    runtime = ToscaRuntime(course, AnonymousUser())
    modules = []
    for item in selected:
        block = runtime.get_block(item.usage_id)
        children = []
        for child in block.get_children():
            content = getattr(child, "tosca_content", None)
            children.append(
                BlockContent(
                    kind=child.scope_ids.block_type,
                    name=str(child.scope_ids.usage_id).rsplit("@", 1)[-1],
                    title=getattr(child, "display_name", "") or "",
                    fields=content() if content is not None else {},
                )
            )
        modules.append(
            ModuleContent(
                info=item, min_score=block.min_score, optional=tuple(block.optional_children), blocks=tuple(children)
            )
        )
    assets = [(path, olx.asset_path(course, path)) for path in olx.course_asset_names(course)]
    return CourseContent(
        key=course.key,
        title=course.title,
        summary=course.summary,
        language=course.language,
        updated_at=course.updated_at,
        modules=tuple(modules),
        assets=tuple((path, file) for path, file in assets if file is not None),
    )


def course_key_of(key: str) -> str | None:
    """The course key of a course key or of a block usage id, or None when `key` is neither."""
    try:
        return str(CourseKey.parse(key))
    except InvalidKey:
        pass
    try:
        return str(parse_usage(key)[0])
    except InvalidKey:
        return None


def runtime_for(course_key: str, user, *, user_attrs: dict | None = None) -> ToscaRuntime:
    course = _course(course_key, user)
    return ToscaRuntime(course, user, is_author=can_author(user), user_attrs=user_attrs)


def render_module(
    course_key: str, name: str, user, *, view: str = "student_view", user_attrs: dict | None = None
) -> RenderedBlock:
    """A module of a course rendered for `user` (student_view, or studio_view for designers). A module whose
    rule came to hold elsewhere records its evidence while rendering: in one transaction with what it publishes."""
    with transaction.atomic():
        return _render_module(course_key, name, user, view=view, user_attrs=user_attrs)


def preview_module(course_key: str, name: str, user) -> RenderedBlock:
    """A module as a learner who has not started it sees it, for its designers: nobody's state is read or
    written, so trying it out never puts evidence in the designer's own libretto."""
    if not can_author(user):
        raise PermissionError("preview")
    course = _course(course_key, user)
    return _render(ToscaRuntime(course, AnonymousUser()), name, "student_view")


def _render_module(course_key: str, name: str, user, *, view: str, user_attrs: dict | None) -> RenderedBlock:
    runtime = runtime_for(course_key, user, user_attrs=user_attrs)
    if view == "studio_view" and not runtime.is_author:
        raise PermissionError(view)
    return _render(runtime, name, view)


def _render(runtime: ToscaRuntime, name: str, view: str) -> RenderedBlock:
    module = CourseModule.objects.filter(course=runtime.course, usage_id__endswith=f"+block@{name}").first()
    if module is None:
        raise CourseNotFound(f"{runtime.course.key} {name}")
    try:
        block = runtime.get_block(module.usage_id)
    except NoSuchUsage as error:
        raise CourseNotFound(module.usage_id) from error
    fragment = with_js_runtime(runtime.render(block, view, {}))
    return RenderedBlock(fragment.head_html(), fragment.body_html(), fragment.foot_html())


def import_archive(data: bytes, *, name: str = "course.tar.gz", published: bool = True) -> ImportReport:
    """Import an Open edX course export; ArchiveRejected or OlxRejected say what is wrong, and nothing is kept."""
    return olx.import_course(read_tar(data, name=name), published=published)


def import_folder(path, *, published: bool = True) -> ImportReport:
    return olx.import_course(read_directory(path), published=published)


def export_course(course_key: str) -> bytes:
    course = Course.objects.filter(key=course_key).first()
    if course is None:
        raise CourseNotFound(course_key)
    return olx.export_course(course)


def enroll(user, course_key: str) -> bool:
    """Enrol `user` (free, open courses: nothing to check but that the course is published); whether new."""
    course = _course(course_key, user)
    with transaction.atomic():
        _enrollment, created = Enrollment.objects.get_or_create(user=user, course=course)
    return created


def is_enrolled(user, course_key: str) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and Enrollment.objects.filter(user=user, course__key=course_key).exists()
    )


def progress_of(user) -> list[CourseProgress]:
    """The courses `user` is enrolled in, with how many modules they completed."""
    result = []
    for enrollment in Enrollment.objects.filter(user=user).select_related("course").order_by("-enrolled_at"):
        completed = _completed_modules(user, enrollment.course)
        info = _info(enrollment.course, completed)
        result.append(CourseProgress(info, len(completed), len(info.modules)))
    return result


def forget_user(user) -> None:
    """Remove the user's state in every course (their libretto keeps its own evidence)."""
    from xblocks.runtime.models import FieldValue

    FieldValue.objects.filter(user_id=user.pk).delete()
