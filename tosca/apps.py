from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ToscaConfig(AppConfig):
    name = "tosca"
    verbose_name = _("Tosca site")

    def ready(self) -> None:
        if settings.CELERY_BROKER_URL:
            # Configure the Celery app before anything queues a task, so tasks go to our broker.
            from tosca import celery  # noqa: F401
