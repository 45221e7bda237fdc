"""What every Tosca block shares: translation through the runtime's i18n service, templates, the learner's
identity as the runtime reports it, and the progress protocol modules and checkpoints evaluate."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

from django.template import Context, Engine
from web_fragments.fragment import Fragment
from webob import Response
from xblock.completable import XBlockCompletionMode
from xblock.core import XBlock

# The blocks' own template engine: it must work in any runtime (ours, Open edX, the workbench), whatever the
# host project's template settings; the i18n tags translate through the runtime's i18n service.
_ENGINE = Engine(
    dirs=[str(resources.files("xblocks").joinpath("templates", "xblocks"))],
    libraries={"i18n": "xblock.utils.templatetags.i18n"},
    loaders=[("django.template.loaders.cached.Loader", ["django.template.loaders.filesystem.Loader"])],
    autoescape=True,
)


def _template(name: str):
    return _ENGINE.get_template(name)


@functools.cache
def static_text(name: str) -> str:
    return resources.files("xblocks").joinpath("static", "xblocks", name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Progress:
    """Where a learner stands on one block: done or not, and the score when the block is scored."""

    complete: bool
    earned: float | None = None
    possible: float | None = None
    weight: float = 1.0

    @property
    def scaled(self) -> float | None:
        if self.earned is None or not self.possible:
            return None
        return max(0.0, min(1.0, self.earned / self.possible))


def json_response(payload: dict, status: int = 200) -> Response:
    return Response(body=json.dumps(payload).encode(), status=status, content_type="application/json", charset="utf-8")


def post_handler(method):
    """An XBlock handler that changes state: POST only, so that a link or an image on another page (a GET,
    which CSRF protection lets through) can never call it."""

    @functools.wraps(method)
    def wrapper(self, request, suffix=""):
        if request.method != "POST":
            response = json_response({"error": self._("This action needs a POST request.")}, 405)
            response.allow = ("POST",)
            return response
        return method(self, request, suffix)

    return XBlock.handler(wrapper)


def json_body(request) -> dict:
    """A handler's JSON body as a dict; ValueError when it is not a JSON object."""
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError("the request body is not JSON") from error
    if not isinstance(data, dict):
        raise ValueError("the request body is not a JSON object")
    return data


class ToscaBlockMixin:
    """Mixed into every Tosca block (which must declare `@XBlock.needs("i18n")` and `@XBlock.wants("user")`)."""

    def _(self, text: str) -> str:
        return self.runtime.service(self, "i18n").gettext(text)

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        return self.runtime.service(self, "i18n").ngettext(singular, plural, number)

    # -- who is looking ---------------------------------------------------------------------------------

    def _user_attrs(self) -> dict:
        service = self.runtime.service(self, "user")
        if service is None:
            return {}
        user = service.get_current_user()
        return dict(getattr(user, "opt_attrs", {}) or {})

    def learner_id(self) -> str:
        """Who the evidence is about: the runtime's learner id for Tosca (LTI), else the platform username."""
        attrs = self._user_attrs()
        learner = attrs.get("tosca.learner") or attrs.get("edx-platform.username")
        return str(learner or self.scope_ids.user_id or "")

    def evidence_platform(self) -> str | None:
        """The platform the learner belongs to (None: this Tosca instance, or the Open edX it runs in)."""
        return self._user_attrs().get("tosca.platform") or None

    def is_author(self) -> bool:
        """Whether the current user may change this block's content and settings."""
        attrs = self._user_attrs()
        return bool(attrs.get("edx-platform.user_is_staff")) or attrs.get("edx-platform.user_role") in {
            "staff",
            "instructor",
            "administrator",
        }

    # -- rendering -------------------------------------------------------------------------------------

    def render_template(self, name: str, context: dict) -> str:
        context = {**context, "_i18n_service": self.runtime.service(self, "i18n")}
        return _template(name).render(Context(context))

    def fragment(
        self,
        template: str,
        context: dict,
        *,
        js: str | None = None,
        init: str | None = None,
        js_args: dict | None = None,
    ) -> Fragment:
        fragment = Fragment(self.render_template(template, context))
        fragment.add_css(static_text("tosca.css"))
        if js:
            fragment.add_javascript(static_text("common.js"))
            if js in {"module_edit.js", "aside.js"}:
                fragment.add_javascript(static_text("picker.js"))
            fragment.add_javascript(static_text(js))
            fragment.initialize_js(init, js_args or {})
        return fragment

    # -- progress ---------------------------------------------------------------------------------------

    def tosca_progress(self) -> Progress:  # overridden by each block
        return Progress(complete=False)

    def progressed(self) -> None:
        """Tell the enclosing module (and any checkpoint beside this block) that the learner moved on, so that
        a rule that now holds is acted on at once, in the same handler call."""
        self.save()  # the module reads this block afresh from the field data
        parent = self.get_parent()
        if parent is None:
            return
        for sibling_id in getattr(parent, "children", []):
            if sibling_id == self.scope_ids.usage_id:
                continue
            sibling = self.runtime.get_block(sibling_id)
            if hasattr(sibling, "tosca_sibling_progressed"):
                sibling.tosca_sibling_progressed()
                sibling.save()
        ancestor = parent
        while ancestor is not None:
            if hasattr(ancestor, "tosca_child_progressed"):
                ancestor.tosca_child_progressed()
                ancestor.save()
                break
            ancestor = ancestor.get_parent()


def progress_of(block, completions: dict | None = None, scores: dict | None = None) -> Progress | None:
    """A child's progress: Tosca blocks report their own; others through the runtime's completion and score
    data (`completions`/`scores` keyed by usage id). None for blocks that do not count (excluded)."""
    if getattr(block, "completion_mode", XBlockCompletionMode.COMPLETABLE) == XBlockCompletionMode.EXCLUDED:
        return None
    if hasattr(block, "tosca_progress"):
        return block.tosca_progress()
    key = block.scope_ids.usage_id
    earned_possible = (scores or {}).get(key)
    complete = (completions or {}).get(key, 0.0) >= 1.0 or earned_possible is not None
    if getattr(block, "has_score", False):
        # A scored block with no score yet counts as 0 of its weight, as a quiz not taken yet does: a minimum
        # score is never met by leaving the scored blocks undone.
        earned, possible = earned_possible or (None, 1.0)
        return Progress(
            complete=complete, earned=earned, possible=possible, weight=float(getattr(block, "weight", 1) or 1)
        )
    return Progress(complete=complete)
