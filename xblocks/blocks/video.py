"""`tosca_video`: an HTML5 video with WebVTT captions (required: learners who cannot hear it must follow it)
and an optional transcript; complete when watched to the end or marked as watched."""

from __future__ import annotations

from lxml import etree
from web_fragments.fragment import Fragment
from xblock.completable import CompletableXBlockMixin
from xblock.core import XBlock
from xblock.fields import Boolean, List, Scope, String
from xblock.validation import ValidationMessage

from xblocks.blocks.base import Progress, ToscaBlockMixin, json_response, post_handler
from xblocks.sanitize import safe_url, sanitize_html

VIDEO_TYPES = {"webm": "video/webm", "mp4": "video/mp4", "ogv": "video/ogg", "ogg": "video/ogg"}


def _media_type(src: str, given: str | None) -> str:
    if given:
        return given
    extension = src.rsplit("?", 1)[0].rsplit(".", 1)[-1].lower()
    return VIDEO_TYPES.get(extension, "")


@XBlock.needs("i18n")
@XBlock.wants("user")
@XBlock.wants("replace_urls")
class VideoBlock(ToscaBlockMixin, CompletableXBlockMixin, XBlock):
    display_name = String(display_name="Title", default="Video", scope=Scope.settings)
    sources = List(default=[], scope=Scope.content, help="[{src, type}] in order of preference")
    tracks = List(default=[], scope=Scope.content, help="[{src, srclang, label, kind}]: WebVTT captions")
    transcript = String(default="", scope=Scope.content, help="HTML, sanitized when shown")
    watched = Boolean(default=False, scope=Scope.user_state)

    has_custom_completion = True

    @classmethod
    def parse_xml(cls, node, runtime, keys):
        block = runtime.construct_xblock_from_class(cls, keys)
        block.display_name = node.get("display_name", block.display_name)
        sources, tracks = [], []
        for child in node:
            if not isinstance(child.tag, str):
                continue
            src = (child.get("src") or "").strip()
            if child.tag == "source" and src and safe_url(src):
                sources.append({"src": src, "type": _media_type(src, child.get("type"))})
            elif child.tag == "track" and src and safe_url(src):
                tracks.append(
                    {
                        "src": src,
                        "srclang": child.get("srclang", ""),
                        "label": child.get("label", "") or child.get("srclang", ""),
                        "kind": child.get("kind", "captions")
                        if child.get("kind") in {"captions", "subtitles"}
                        else "captions",
                    }
                )
            elif child.tag == "transcript":
                inner = (child.text or "") + "".join(etree.tostring(c, encoding="unicode") for c in child)
                block.transcript = sanitize_html(inner.strip())
        block.sources, block.tracks = sources, tracks
        return block

    def add_xml_to_node(self, node):
        node.tag = self.scope_ids.block_type
        node.set("display_name", self.display_name)
        for source in self.sources:
            etree.SubElement(node, "source", src=source["src"], type=source.get("type", ""))
        for track in self.tracks:
            etree.SubElement(node, "track", **{key: track.get(key, "") for key in ("kind", "src", "srclang", "label")})
        if self.transcript:
            etree.SubElement(node, "transcript").text = etree.CDATA(self.transcript)

    def validate(self):
        result = super().validate()
        if not self.tracks:
            result.add(
                ValidationMessage(
                    ValidationMessage.ERROR,
                    self._(
                        "This video has no captions: add a WebVTT captions file so that learners who cannot hear it "
                        "can follow it."
                    ),
                )
            )
        if not self.sources:
            result.add(ValidationMessage(ValidationMessage.ERROR, self._("This video has no source file.")))
        return result

    def _url(self, src: str) -> str:
        replacer = self.runtime.service(self, "replace_urls")
        if replacer is not None and src.startswith("/static/"):
            return replacer.replace_urls(f'"{src}"').strip('"')
        return src

    def student_view(self, context=None) -> Fragment:
        return self.fragment(
            "video.html",
            {
                "title": self.display_name,
                "sources": [{**source, "src": self._url(source["src"])} for source in self.sources],
                "tracks": [{**track, "src": self._url(track["src"])} for track in self.tracks],
                "transcript": sanitize_html(self.transcript),
                "watched": self.watched,
                "missing_captions": not self.tracks,
                "block_id": self.scope_ids.usage_id,
            },
            js="video.js",
            init="ToscaVideo",
            js_args={"watched": self.watched},
        )

    def author_view(self, context=None) -> Fragment:
        return self.student_view(context)

    @post_handler
    def mark_watched(self, request, suffix=""):
        if not self.watched:
            self.watched = True
            self.emit_completion(1.0)
            self.progressed()
        return json_response({"watched": True, "message": self._("Video marked as watched.")})

    def tosca_content(self) -> dict:
        """What a channel rendering this block elsewhere shows: sources, captions, the sanitized transcript."""
        return {
            "sources": [dict(source) for source in self.sources if safe_url(source.get("src", ""))],
            "tracks": [dict(track) for track in self.tracks if safe_url(track.get("src", ""))],
            "transcript": sanitize_html(self.transcript),
        }

    def tosca_progress(self) -> Progress:
        return Progress(complete=self.watched)

    @staticmethod
    def workbench_scenarios():
        return [
            (
                "Tosca: captioned video",
                """<tosca_video display_name="Presentazione">
                  <source src="https://example.org/video.webm" type="video/webm"/>
                  <track kind="captions" src="https://example.org/video.it.vtt" srclang="it" label="Italiano"/>
                  <transcript><![CDATA[<p>Benvenuti nel corso.</p>]]></transcript>
                </tosca_video>""",
            )
        ]
