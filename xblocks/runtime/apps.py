from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RuntimeConfig(AppConfig):
    name = "xblocks.runtime"
    label = "xblocks_runtime"
    verbose_name = _("Course runtime")
    default_auto_field = "django.db.models.BigAutoField"
