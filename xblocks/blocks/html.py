"""`tosca_html`: rich text a designer wrote or imported, always sanitized, complete once the learner saw it."""

from __future__ import annotations

from lxml import etree
from web_fragments.fragment import Fragment
from xblock.completable import CompletableXBlockMixin
from xblock.core import XBlock
from xblock.fields import Boolean, Scope, String

from xblocks.blocks.base import Progress, ToscaBlockMixin, json_body, json_response, post_handler
from xblocks.sanitize import sanitize_html


@XBlock.needs("i18n")
@XBlock.wants("user")
@XBlock.wants("replace_urls")
class HtmlBlock(ToscaBlockMixin, CompletableXBlockMixin, XBlock):
    """A page of text: headings, lists, links, images; scripts and event attributes never survive."""

    display_name = String(display_name="Title", default="Text", scope=Scope.settings)
    content = String(display_name="Content", default="", scope=Scope.content, help="HTML, sanitized when shown")
    viewed = Boolean(default=False, scope=Scope.user_state)

    has_custom_completion = True

    @classmethod
    def parse_xml(cls, node, runtime, keys):
        block = runtime.construct_xblock_from_class(cls, keys)
        block.display_name = node.get("display_name", block.display_name)
        inner = (node.text or "") + "".join(etree.tostring(child, encoding="unicode") for child in node)
        block.content = sanitize_html(inner.strip())
        return block

    def add_xml_to_node(self, node):
        node.tag = self.scope_ids.block_type
        node.set("display_name", self.display_name)
        node.text = etree.CDATA(self.content) if self.content else None

    def rendered_content(self) -> str:
        content = sanitize_html(self.content)
        replacer = self.runtime.service(self, "replace_urls")
        if replacer is not None and content:
            content = replacer.replace_urls(content)
        return content

    def student_view(self, context=None) -> Fragment:
        return self.fragment(
            "html.html",
            {"title": self.display_name, "content": self.rendered_content()},
            js="html.js",
            init="ToscaHtml",
            js_args={"viewed": self.viewed},
        )

    def author_view(self, context=None) -> Fragment:
        return self.student_view(context)

    def studio_view(self, context=None) -> Fragment:
        return self.fragment(
            "html_edit.html",
            {"title": self.display_name, "content": self.content, "block_id": self.scope_ids.usage_id},
            js="edit.js",
            init="ToscaEdit",
        )

    @post_handler
    def mark_viewed(self, request, suffix=""):
        if not self.viewed:
            self.viewed = True
            self.emit_completion(1.0)
            self.progressed()
        return json_response({"viewed": True})

    @post_handler
    def studio_submit(self, request, suffix=""):
        if not self.is_author():
            return json_response({"error": self._("Only the course's designers can change this text.")}, 403)
        try:
            data = json_body(request)
        except ValueError:
            return json_response({"error": self._("The request is not valid JSON.")}, 400)
        title = str(data.get("display_name", "")).strip()
        if not title:
            return json_response({"error": self._("The title cannot be empty.")}, 400)
        self.display_name = title[:255]
        self.content = sanitize_html(str(data.get("content", "")))
        return json_response({"saved": True, "content": self.content})

    def tosca_content(self) -> dict:
        """What a channel rendering this block elsewhere (a SCORM package) shows: the sanitized text."""
        return {"content": sanitize_html(self.content)}

    def tosca_progress(self) -> Progress:
        return Progress(complete=self.viewed)

    @staticmethod
    def workbench_scenarios():
        return [
            (
                "Tosca: text",
                """<tosca_html display_name="Benvenuti"><![CDATA[<h3>Il corso</h3><p>Testo <strong>sicuro</strong>
                <script>alert('x')</script><a href="javascript:alert(1)">link</a></p>]]></tosca_html>""",
            )
        ]
