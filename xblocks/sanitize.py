"""Allow-list HTML sanitizing for everything designers type or import (rich text, transcripts, questions).

lxml parses the fragment as a browser would; only the elements and attributes below survive, links and
images only with safe URLs. Dangerous elements go with their content; unknown ones are unwrapped (their
text stays). Nothing from the input is ever written out unescaped.
"""

from __future__ import annotations

import re
from html import escape

from lxml import etree, html

ALLOWED_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "dd",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    ]
)
# Removed with everything inside them: their content is code or a way to run it, never text to keep.
DROPPED_WITH_CONTENT = frozenset(
    [
        "script",
        "style",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "noscript",
        "template",
        "svg",
        "math",
        "form",
        "input",
        "button",
        "select",
        "textarea",
        "option",
        "link",
        "meta",
        "base",
        "title",
        "head",
        "audio",
        "video",
        "source",
        "track",
        "canvas",
    ]
)
GLOBAL_ATTRIBUTES = frozenset({"title", "lang", "dir"})
ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "ol": frozenset({"start", "type"}),
    "abbr": frozenset(),
}
URL_ATTRIBUTES = frozenset({"href", "src"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def safe_url(url: str) -> bool:
    """Whether a link or image URL may be kept: http(s), mailto, or relative (no scheme at all)."""
    compact = _INVISIBLE.sub("", url)  # "java\tscript:" is still javascript: to a browser
    match = _SCHEME.match(compact)
    return match is None or match.group(1).lower() in SAFE_SCHEMES


def sanitize_html(markup: str) -> str:
    """`markup` reduced to safe, well-formed HTML: allowed tags and attributes, safe URLs, nothing executable."""
    if not markup or not markup.strip():
        return ""
    root = html.fragment_fromstring(markup, create_parent="div")
    for node in list(root.iter()):
        if node is root:
            continue
        if not isinstance(node.tag, str):  # comments, processing instructions
            _drop(node, keep_content=False)
            continue
        tag = node.tag.lower()
        if tag in DROPPED_WITH_CONTENT:
            _drop(node, keep_content=False)
        elif tag not in ALLOWED_TAGS:
            _drop(node, keep_content=True)
        else:
            _clean_attributes(node, tag)
    text = escape(root.text, quote=False) if root.text else ""
    return text + "".join(html.tostring(child, encoding="unicode") for child in root)


def plain_text(markup: str) -> str:
    """The text of `markup`, tags removed (for summaries and attributes)."""
    if not markup or not markup.strip():
        return ""
    root = html.fragment_fromstring(markup, create_parent="div")
    return " ".join(root.text_content().split())


def _drop(node: etree._Element, *, keep_content: bool) -> None:
    if node.getparent() is None:
        return
    if keep_content:
        node.drop_tag()
    else:
        node.drop_tree()


def _clean_attributes(node: etree._Element, tag: str) -> None:
    allowed = GLOBAL_ATTRIBUTES | ALLOWED_ATTRIBUTES.get(tag, frozenset())
    for name in list(node.attrib):
        value = node.attrib[name]
        if name.lower() not in allowed or (name.lower() in URL_ATTRIBUTES and not safe_url(value)):
            del node.attrib[name]
    if tag == "a" and node.get("href"):
        node.set("rel", "noopener noreferrer")
