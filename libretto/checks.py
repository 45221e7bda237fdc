"""Deployment checks (`tosca check --deploy`, and every start): what would go wrong in production."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def shared_signing_key(app_configs, **kwargs) -> list:
    """Badges must verify whichever instance issued them: several instances need one key file between them."""
    var_dir = getattr(settings, "VAR_DIR", None)  # Tosca's own site; inside Open edX the platform's data folder
    if not settings.DEBUG and var_dir and str(settings.TOSCA_SIGNING_KEY_FILE).startswith(str(var_dir)):
        return [
            Warning(
                "Open Badges are signed with a key kept in this instance's var/ directory.",
                hint="With several instances, set TOSCA_SIGNING_KEY_FILE to one key file they all read "
                "(and back it up: badges signed with a lost key no longer verify).",
                id="libretto.W001",
            )
        ]
    return []
