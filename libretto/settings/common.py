"""The libretto's settings inside Open edX, defaulted from the platform's own: its LMS address is the platform id
of the learners' evidence and the base of badge IRIs, its name the badges' issuer; the signing key lives in the
platform's data folder (never under MEDIA_ROOT, which the platform serves)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path


def defaults(settings) -> dict:
    return {
        "TOSCA_BASE_URL": str(getattr(settings, "LMS_ROOT_URL", "") or "http://localhost:8000").rstrip("/"),
        "TOSCA_CLOCK_SKEW": timedelta(minutes=5),
        "TOSCA_LIBRETTO_DOCUMENT_MAX_BYTES": 5 * 1024 * 1024,
        "TOSCA_LIBRETTO_DOCUMENT_TYPES": {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"},
        "TOSCA_LIBRETTO_API_MAX_BODY_BYTES": 1024 * 1024,
        "TOSCA_SIGNING_KEY_FILE": Path(getattr(settings, "DATA_DIR", "/openedx/data")) / "tosca" / "signing-key.pem",
        "TOSCA_ISSUER_NAME": getattr(settings, "PLATFORM_NAME", "") or "Tosca",
    }


# Taken from the platform's own settings. edx-platform adds "common" plugin settings at the end of its common.py,
# before production.py reads the real address and name: what was derived here is derived again there
# (settings/production.py), unless somebody set it in between.
PLATFORM_DERIVED = ("TOSCA_BASE_URL", "TOSCA_ISSUER_NAME", "TOSCA_SIGNING_KEY_FILE")
DERIVED_MARK = "TOSCA_DERIVED_FROM_PLATFORM"


def plugin_settings(settings) -> None:
    derived = dict(getattr(settings, DERIVED_MARK, {}))
    for name, value in defaults(settings).items():
        if not hasattr(settings, name):
            setattr(settings, name, value)
            if name in PLATFORM_DERIVED:
                derived[name] = value
    setattr(settings, DERIVED_MARK, derived)
