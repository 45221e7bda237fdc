"""The end of the platform's production settings: its real address and name are known now. What
settings/common.py derived from the earlier placeholders is derived again; what anybody set since is kept."""

from __future__ import annotations

from libretto.settings.common import DERIVED_MARK, defaults


def plugin_settings(settings) -> None:
    derived = getattr(settings, DERIVED_MARK, {})
    fresh = defaults(settings)
    for name, value in derived.items():
        if getattr(settings, name, None) == value:
            setattr(settings, name, fresh[name])
    setattr(settings, DERIVED_MARK, {name: getattr(settings, name) for name in derived})
