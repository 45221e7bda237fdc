from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ToscaConfig(AppConfig):
    name = "tosca"
    verbose_name = _("Tosca site")
