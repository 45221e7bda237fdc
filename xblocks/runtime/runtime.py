"""ToscaRuntime: a real XBlock runtime on Django. Blocks are loaded from the database per course; handler URLs,
resources and services (i18n, user, settings, field-data, completion, replace_urls) are provided, and
`publish` records completion and grades."""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from lxml import etree
from web_fragments.fragment import Fragment
from xblock.core import XBlockAside
from xblock.exceptions import NoSuchUsage
from xblock.fields import ScopeIds
from xblock.reference.user_service import UserService, XBlockUser
from xblock.runtime import IdGenerator, IdReader, KvsFieldData, Runtime

from xblocks.runtime import keys
from xblocks.runtime.models import Completion, Course, Grade
from xblocks.runtime.store import DatabaseKeyValueStore

log = logging.getLogger(__name__)


class I18nService:
    """Django's translation machinery, the shape Open edX's XBlock i18n service has."""

    gettext = staticmethod(translation.gettext)
    ugettext = staticmethod(translation.gettext)
    ngettext = staticmethod(translation.ngettext)
    ungettext = staticmethod(translation.ngettext)
    pgettext = staticmethod(translation.pgettext)
    npgettext = staticmethod(translation.npgettext)

    @staticmethod
    def strftime(value, format_string: str) -> str:
        return value.strftime(format_string)

    @staticmethod
    def get_javascript_i18n_catalog_url(block) -> None:
        return None


class ToscaUserService(UserService):
    """The signed-in user, with the attributes Open edX's user service sets (so blocks read one shape)."""

    def __init__(self, user, *, is_author: bool, extra: dict | None = None):
        super().__init__()
        current = XBlockUser(
            is_current_user=True,
            emails=[user.email] if getattr(user, "email", "") else [],
            full_name=(user.get_full_name() or user.get_username()) if user.is_authenticated else "",
        )
        if user.is_authenticated:
            current.opt_attrs.update(
                {
                    "edx-platform.user_id": user.pk,
                    "edx-platform.username": user.get_username(),
                    "edx-platform.user_is_staff": is_author,
                    "edx-platform.user_role": "staff" if is_author else "student",
                }
            )
        current.opt_attrs.update(extra or {})
        self._user = current

    def get_current_user(self) -> XBlockUser:
        return self._user


class SettingsService:
    """XBLOCK_SETTINGS[bucket], as Open edX provides it."""

    def get_settings_bucket(self, block, default=None):
        # Named after the block's own class, as in Open edX: the runtime's class has its mixins in its name.
        own_class = getattr(block, "unmixed_class", block.__class__)
        bucket = getattr(block, "block_settings_key", own_class.__name__)
        return getattr(settings, "XBLOCK_SETTINGS", {}).get(bucket, default if default is not None else {})


class CompletionService:
    """Completion and scores the blocks of this course published for the current user."""

    def __init__(self, user_id: int | None):
        self.user_id = user_id

    def get_completions(self, candidates) -> dict[str, float]:
        candidates = [str(candidate) for candidate in candidates]
        found = dict.fromkeys(candidates, 0.0)
        if self.user_id:
            found.update(
                Completion.objects.filter(user_id=self.user_id, usage_id__in=candidates).values_list(
                    "usage_id", "completion"
                )
            )
        return found

    def get_scores(self, candidates) -> dict[str, tuple[float, float]]:
        if not self.user_id:
            return {}
        rows = Grade.objects.filter(user_id=self.user_id, usage_id__in=[str(c) for c in candidates])
        return {row.usage_id: (row.earned, row.possible) for row in rows}


class ReplaceUrlsService:
    """`/static/NAME` in content -> the course's asset URL."""

    def __init__(self, course: Course):
        self.prefix = reverse("xblocks:asset", args=[course.key, "x"])[:-1]

    def replace_urls(self, text: str, static_replace_only: bool = False) -> str:
        for quote in ('"', "'"):
            text = text.replace(f"{quote}/static/", f"{quote}{self.prefix}")
        return text


class CourseIds(IdReader, IdGenerator):
    """Definition id = usage id (one usage per definition); ids carry their block type, so reading needs no
    query. Generating ids (on import) uses the OLX url_name, so re-importing keeps learners' state."""

    def __init__(self, course_key: keys.CourseKey | None = None):
        self.course_key = course_key
        self.taken: set[str] = set()
        self._counter = 0

    def get_definition_id(self, usage_id):
        return usage_id

    def get_block_type(self, def_id):
        return keys.parse_usage(def_id)[1]

    def get_usage_id_from_aside(self, aside_id):
        return keys.parse_aside(aside_id)[0]

    def get_definition_id_from_aside(self, aside_id):
        return keys.parse_aside(aside_id)[0]

    def get_aside_type_from_usage(self, aside_id):
        return keys.parse_aside(aside_id)[1]

    def get_aside_type_from_definition(self, aside_id):
        return keys.parse_aside(aside_id)[1]

    def create_aside(self, definition_id, usage_id, aside_type):
        return keys.aside_ids(usage_id, aside_type)

    def create_usage(self, def_id):
        return def_id

    def create_definition(self, block_type, slug=None):
        if self.course_key is None:
            raise ValueError("this runtime does not create blocks")
        name = slug if slug and keys.valid_part(slug) else None
        while name is None or self.course_key.usage(block_type, name) in self.taken:
            self._counter += 1
            name = f"{block_type.replace('_', '-')}-{self._counter}"
        usage_id = self.course_key.usage(block_type, name)
        self.taken.add(usage_id)
        return usage_id


@functools.cache
def _aside_types() -> tuple[str, ...]:
    """Installed aside types, looked up once: XBlock reads every package's metadata on each lookup."""
    return tuple(aside_type for aside_type, _cls in XBlockAside.load_classes())


def _handler_prefix(usage_id: str) -> str:
    return reverse("xblocks:handler", kwargs={"usage_id": usage_id, "handler_name": "h", "suffix": ""})[:-2]


class ToscaRuntime(Runtime):
    """One runtime per request: a course, a user, and the services that user gets."""

    def __init__(
        self,
        course: Course,
        user,
        *,
        is_author: bool = False,
        user_attrs: dict | None = None,
        ids: CourseIds | None = None,
        field_data=None,
    ):
        self.course = course
        self.user = user
        self.is_author = is_author
        user_id = user.pk if getattr(user, "is_authenticated", False) else None
        self.store = DatabaseKeyValueStore(course, user_id or 0) if field_data is None else None
        ids = ids or CourseIds()
        super().__init__(
            ids,
            ids,
            services={
                "field-data": field_data or KvsFieldData(self.store),
                "i18n": I18nService(),
                "user": ToscaUserService(user, is_author=is_author, extra=user_attrs),
                "settings": SettingsService(),
                "completion": CompletionService(user_id),
                "replace_urls": ReplaceUrlsService(course),
            },
        )
        self._user_pk = user_id

    @property
    def user_id(self):
        return self._user_pk

    @user_id.setter
    def user_id(self, value):
        self._user_pk = value

    def get_block(self, usage_id, for_parent=None):
        try:
            return super().get_block(usage_id, for_parent=for_parent)
        except keys.InvalidKey as error:
            raise NoSuchUsage(repr(usage_id)) from error

    def applicable_aside_types(self, block):
        return list(_aside_types())

    # -- ids from OLX ----------------------------------------------------------------------------------

    def _usage_id_from_node(self, node, parent_id):
        """As the base class, but the block's id comes from its OLX url_name."""
        block_type = node.tag
        node.attrib.pop("xblock-family", None)
        def_id = self.id_generator.create_definition(block_type, node.attrib.pop("url_name", None))
        usage_id = self.id_generator.create_usage(def_id)
        scope_ids = ScopeIds(None, block_type, def_id, usage_id)
        block_class = self.mixologist.mix(self.load_block_type(block_type))
        for child in list(node):
            family = child.attrib.pop("xblock-family", None) if isinstance(child.tag, str) else None
            if family and issubclass(self._family_id_to_superclass(family), XBlockAside):
                self._aside_from_xml(child, def_id, usage_id)
                node.remove(child)
        block = block_class.parse_xml(node, self, scope_ids)
        block.parent = parent_id
        block.save()
        return usage_id

    def add_block_as_child_node(self, block, node):
        child = super().add_block_as_child_node(block, node)
        element = node[-1]
        element.set("url_name", str(block.scope_ids.usage_id).rsplit("@", 1)[-1])
        self.add_asides_to_node(block, element)
        return child

    def add_asides_to_node(self, block, element) -> None:
        """Write `block`'s asides that hold something as children of its OLX element, as Open edX does."""
        for aside in self.get_asides(block):
            if aside.needs_serialization():
                aside.add_xml_to_node(etree.SubElement(element, "unknown"))

    # -- URLs -------------------------------------------------------------------------------------------

    def handler_url(self, block, handler_name, suffix="", query="", thirdparty=False):
        func = getattr(block, handler_name, None)
        if func is None or not getattr(func, "_is_xblock_handler", False):
            raise ValueError(f"{handler_name!r} is not a handler of {block.scope_ids.block_type}")
        url = _handler_prefix(block.scope_ids.usage_id) + handler_name + "/" + (suffix or "")
        if query:
            url += "?" + query
        return url

    def resource_url(self, resource):
        raise NotImplementedError("the Tosca runtime serves no shared resources; blocks inline their own")

    def local_resource_url(self, block, uri):
        return reverse("xblocks:resource", args=[block.scope_ids.block_type, uri])

    def _wrap_ele(self, block, view, frag, extra_data=None):
        data = dict(extra_data or {})
        data["handler-prefix"] = _handler_prefix(block.scope_ids.usage_id)
        return super()._wrap_ele(block, view, frag, data)

    def wrap_xblock(self, block, view, frag, context):
        return self._wrap_ele(block, view, frag, {})

    # -- events -----------------------------------------------------------------------------------------

    def publish(self, block, event_type, event_data):
        if self.user_id is None:
            return
        usage_id = str(block.scope_ids.usage_id)
        if event_type == "completion":
            value = float(event_data.get("completion", 0.0))
            Completion.objects.update_or_create(
                user_id=self.user_id,
                usage_id=usage_id,
                defaults={"completion": max(0.0, min(1.0, value)), "course_key": self.course.key},
            )
        elif event_type == "grade":
            earned, possible = float(event_data["value"]), float(event_data["max_value"])
            Grade.objects.update_or_create(
                user_id=self.user_id,
                usage_id=usage_id,
                defaults={"earned": earned, "possible": possible, "course_key": self.course.key},
            )
            Completion.objects.update_or_create(
                user_id=self.user_id, usage_id=usage_id, defaults={"completion": 1.0, "course_key": self.course.key}
            )
        else:
            log.debug("event %s from %s: %s", event_type, usage_id, event_data)


JS_RUNTIME = """
(function () {
  "use strict";
  function handlerUrl(element, handler, suffix, query) {
    var holder = element.closest("[data-handler-prefix]");
    var url = holder.getAttribute("data-handler-prefix") + encodeURIComponent(handler) + "/" + (suffix || "");
    return query ? url + "?" + query : url;
  }
  var runtime = {handlerUrl: handlerUrl, children: function (element) {
    return Array.prototype.filter.call(element.querySelectorAll("[data-usage]"), function (child) {
      return child.parentElement.closest("[data-usage]") === element;
    });
  }};
  var blocks = Array.prototype.slice.call(document.querySelectorAll("[data-init]")).reverse();
  blocks.forEach(function (element) {
    var init = window[element.getAttribute("data-init")];
    if (typeof init !== "function") { return; }
    var args = {};
    for (var i = 0; i < element.children.length; i++) {
      if (element.children[i].classList.contains("xblock_json_init_args")) {
        args = JSON.parse(element.children[i].textContent);
      }
    }
    init(runtime, element, args);
  });
}());
"""


def with_js_runtime(fragment: Fragment) -> Fragment:
    fragment.add_javascript(JS_RUNTIME)
    return fragment
