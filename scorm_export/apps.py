from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScormExportConfig(AppConfig):
    name = "scorm_export"
    verbose_name = _("SCORM export")
    default_auto_field = "django.db.models.BigAutoField"
