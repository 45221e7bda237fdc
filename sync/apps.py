from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = _("Evidence delivery")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sync import receivers

        receivers.connect()
