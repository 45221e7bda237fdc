"""`tosca_unavailable`: what an imported course had that Tosca cannot run, shown as such and kept for export."""

from __future__ import annotations

from lxml import etree
from web_fragments.fragment import Fragment
from xblock.completable import XBlockCompletionMode
from xblock.core import XBlock
from xblock.fields import Scope, String

from xblocks.blocks.base import ToscaBlockMixin


@XBlock.needs("i18n")
@XBlock.wants("user")
class UnavailableBlock(ToscaBlockMixin, XBlock):
    """A placeholder: says which content is missing here; never counts towards a module's completion."""

    display_name = String(default="", scope=Scope.settings)
    original_type = String(default="", scope=Scope.content)
    olx = String(default="", scope=Scope.content, help="The original OLX, written back on export")

    completion_mode = XBlockCompletionMode.EXCLUDED

    @classmethod
    def parse_xml(cls, node, runtime, keys):
        block = runtime.construct_xblock_from_class(cls, keys)
        block.original_type = node.get("original_type", "")
        block.display_name = node.get("display_name", "")
        for child in node:
            if isinstance(child.tag, str):
                block.olx = etree.tostring(child, encoding="unicode", with_tail=False)
                block.original_type = block.original_type or child.tag
                block.display_name = block.display_name or child.get("display_name", "")
                break
        return block

    @classmethod
    def wrapping(cls, original: etree._Element) -> etree._Element:
        """The OLX of a placeholder that keeps `original` (an element Tosca has no block for)."""
        node = etree.Element("tosca_unavailable", original_type=original.tag)
        if original.get("display_name"):
            node.set("display_name", original.get("display_name"))
        if original.get("url_name"):
            node.set("url_name", original.get("url_name"))
        node.append(original)
        return node

    def add_xml_to_node(self, node):
        """Export writes back what was imported, as it was."""
        if self.olx:
            original = etree.fromstring(self.olx, parser=etree.XMLParser(resolve_entities=False, no_network=True))
            node.tag = original.tag
            node.attrib.clear()
            node.attrib.update(original.attrib)
            node.text = original.text
            for child in original:
                node.append(child)
        else:
            node.tag = self.scope_ids.block_type
            node.set("original_type", self.original_type)

    def tosca_content(self) -> dict:
        return {"original_type": self.original_type}

    def student_view(self, context=None) -> Fragment:
        return self.fragment(
            "unavailable.html",
            {
                "title": self.display_name,
                "notice": self._(
                    "This content (“%(type)s”) is not available here. It does not count towards completing the module."
                )
                % {"type": self.original_type or "?"},
            },
        )

    def author_view(self, context=None) -> Fragment:
        return self.student_view(context)

    @staticmethod
    def workbench_scenarios():
        return [
            (
                "Tosca: content not available here",
                """<tosca_unavailable><drag-and-drop-v2 display_name="Trascina e rilascia"/></tosca_unavailable>""",
            )
        ]
