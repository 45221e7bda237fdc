"""`tosca_competences`: an aside that tags any block with competences from the repertory.

Its field names carry the `tosca_` prefix because an aside's fields live beside the block's own in OLX and in
the field data. Open edX renders asides only when they are switched on (see README, "XBlock asides")."""

from __future__ import annotations

from web_fragments.fragment import Fragment
from xblock.core import XBlock, XBlockAside
from xblock.fields import List, Scope

from xblocks import competences as tags
from xblocks.blocks.base import ToscaBlockMixin, json_body, json_response, post_handler


@XBlockAside.needs("i18n")
@XBlockAside.wants("user")
class CompetencesAside(ToscaBlockMixin, XBlockAside):
    tosca_competences = List(default=[], scope=Scope.settings, help='[{"uri": …, "role": "develops"|"assesses"}]')

    def needs_serialization(self) -> bool:
        return bool(self.tosca_competences)

    @XBlockAside.aside_for("author_view")
    def author_view_aside(self, block, context=None) -> Fragment:
        return self.fragment(
            "aside_edit.html",
            {"competences": tags.shown(self.tosca_competences), "block_title": getattr(block, "display_name", "")},
            js="aside.js",
            init="ToscaCompetencesAside",
        )

    @XBlockAside.aside_for("studio_view")
    def studio_view_aside(self, block, context=None) -> Fragment:
        return self.author_view_aside(block, context)

    @XBlockAside.aside_for("student_view")
    def student_view_aside(self, block, context=None) -> Fragment:
        if not self.tosca_competences:
            return Fragment()
        return self.fragment("aside_view.html", {"competences": tags.shown(self.tosca_competences)})

    @XBlock.handler
    def search_competences(self, request, suffix=""):
        if not self.is_author():
            return json_response({"error": self._("Only the course's designers can tag content.")}, 403)
        return json_response({"results": tags.search(request.GET.get("q", ""))})

    @post_handler
    def save_tags(self, request, suffix=""):
        if not self.is_author():
            return json_response({"error": self._("Only the course's designers can tag content.")}, 403)
        try:
            data = json_body(request)
        except ValueError:
            return json_response({"error": self._("The request is not valid JSON.")}, 400)
        cleaned, problems = tags.clean_tags(data.get("competences", []), self._)
        if problems:
            return json_response({"error": " ".join(problems), "problems": problems}, 400)
        self.tosca_competences = cleaned
        block_id = self.runtime.id_reader.get_usage_id_from_aside(self.scope_ids.usage_id)
        block = self.runtime.get_block(block_id)
        tags.mirror_to_repertory(str(block_id), tags.block_tags(block, aside_tags=cleaned))
        return json_response({"saved": True, "message": self._("Competences saved.")})
