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


# edx-platform's courseware app keeps each problem's raw score on the learner's StudentModule row.
COURSEWARE_APP_LABEL = "courseware"


def platform_scores(user_id, usage_keys: list) -> dict:
    """{usage key: (earned, possible)} of the blocks the learner has a score for in the platform's courseware
    (what a checkpoint weighs native problems with, since the platform's completion service has no scores);
    {} outside Open edX or without a user."""
    if not user_id or not usage_keys:
        return {}
    try:
        app = apps.get_app_config(COURSEWARE_APP_LABEL)
    except LookupError:
        return {}
    student_module = import_module(f"{app.name}.models").StudentModule
    by_text = {str(key): key for key in usage_keys}
    rows = student_module.objects.filter(student_id=user_id, module_state_key__in=list(usage_keys)).values_list(
        "module_state_key", "grade", "max_grade"
    )
    return {
        by_text.get(str(key), key): (float(grade), float(possible))
        for key, grade, possible in rows
        if grade is not None and possible
    }
