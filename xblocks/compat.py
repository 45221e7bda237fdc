"""Everything the blocks take from the Open edX platform, with a fallback that works outside it."""

from __future__ import annotations

from django.apps import apps

# openedx-core's tagging app (openedx-learning before its rename): Studio's "Manage tags" writes object tags there.
TAGGING_APP = "openedx_tagging.core.tagging"


def object_tags(object_id: str) -> list[tuple[str, str]]:
    """(taxonomy export_id, tag external id) of the platform's object tags on a block (or course), in the order the
    platform keeps them; [] where the platform's tagging is not installed."""
    if not apps.is_installed(TAGGING_APP):
        return []
    from openedx_tagging.core.tagging import api as tagging

    found = []
    for object_tag in tagging.get_object_tags(object_id):
        taxonomy, tag = getattr(object_tag, "taxonomy", None), getattr(object_tag, "tag", None)
        if taxonomy is not None and tag is not None and taxonomy.export_id and tag.external_id:
            found.append((taxonomy.export_id, tag.external_id))
    return found
