"""The one way the repertory parses XML: no DTDs, no entities, no network.

A document that declares a DTD or entities is refused outright rather than parsed with them ignored:
entity tricks (billion laughs, external entities reading local files) have no place in a repertory.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from lxml import etree

from repertory.errors import reject

SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
OFFICE_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse(raw) -> etree._Element:
    """The root element of `raw` (a RawFile), or ImportRejected."""
    if _DECLARATION.search(raw.data):
        raise reject(raw.name, _("the XML declares a DTD or entities, which Tosca refuses to process."))
    try:
        root = etree.fromstring(raw.data, parser=_parser())
    except etree.XMLSyntaxError as error:
        line = error.lineno if isinstance(error.lineno, int) else None
        raise reject(raw.name, _("malformed XML: %(error)s.") % {"error": error.msg}, row=line) from None
    if root.getroottree().docinfo.doctype:
        raise reject(raw.name, _("the XML declares a DTD or entities, which Tosca refuses to process."))
    return root
