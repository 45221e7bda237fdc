"""Everything the blocks take from the Open edX platform, with a fallback that works outside it."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps

# openedx-core's tagging app, where Studio's "Manage tags" writes object tags. Its label has stayed `oel_tagging`
# while its module moved (`openedx_tagging.core.tagging` up to openedx-learning 0.31, `openedx_tagging` since).
TAGGING_APP_LABEL = "oel_tagging"


def object_tags(object_id: str) -> list[tuple[str, str]]:
    """(taxonomy export_id, tag external id) of the platform's object tags on a block (or course), in the order the
    platform keeps them; [] where the platform's tagging is not installed."""
    try:
        app = apps.get_app_config(TAGGING_APP_LABEL)
    except LookupError:
        return []
    tagging = import_module(f"{app.name}.api")
    found = []
    for object_tag in tagging.get_object_tags(object_id):
        taxonomy, tag = getattr(object_tag, "taxonomy", None), getattr(object_tag, "tag", None)
        if taxonomy is not None and tag is not None and taxonomy.export_id and tag.external_id:
            found.append((taxonomy.export_id, tag.external_id))
    return found
