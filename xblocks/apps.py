from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XBlocksConfig(AppConfig):
    """Tosca's XBlocks: installed as an app for their translations and templates (in Open edX too)."""

    name = "xblocks"
    verbose_name = _("Tosca blocks")
    # Inside Open edX (through the lms.djangoapp and cms.djangoapp entry points) for its templates and catalogue;
    # nothing to add to URLs or settings. xblocks.runtime, Tosca's own runtime, is never installed there.
    plugin_app: dict = {}
