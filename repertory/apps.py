from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepertoryConfig(AppConfig):
    name = "repertory"
    verbose_name = _("Competence repertory")
    default_auto_field = "django.db.models.BigAutoField"
