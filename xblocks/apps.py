from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XBlocksConfig(AppConfig):
    """Tosca's XBlocks: installed as an app for their translations and templates (in Open edX too)."""

    name = "xblocks"
    verbose_name = _("Tosca blocks")
