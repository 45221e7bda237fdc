from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LtiToolConfig(AppConfig):
    name = "lti_tool"
    verbose_name = _("LTI tool")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lti_tool import scores

        scores.register()
