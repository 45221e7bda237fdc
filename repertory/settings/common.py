"""The repertory's settings inside Open edX (edx-django-utils calls `plugin_settings` with the LMS's or Studio's
settings module). Only what the operator has not set is given its default, the same as on Tosca's own site."""

from __future__ import annotations

DEFAULTS = {
    "TOSCA_REPERTORY_MAX_IMPORT_BYTES": 100 * 1024 * 1024,
    "TOSCA_REPERTORY_URI_BASE": "urn:tosca:repertory:",
}


def plugin_settings(settings) -> None:
    for name, value in DEFAULTS.items():
        if not hasattr(settings, name):
            setattr(settings, name, value)
