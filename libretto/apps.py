from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibrettoConfig(AppConfig):
    name = "libretto"
    verbose_name = _("Libretto formativo")
    default_auto_field = "django.db.models.BigAutoField"
