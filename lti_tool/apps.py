from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LtiToolConfig(AppConfig):
    name = "lti_tool"
    verbose_name = _("LTI tool")
    default_auto_field = "django.db.models.BigAutoField"
    plugin_app = {
        "url_config": {"lms.djangoapp": {"namespace": "", "regex": r"", "relative_path": "plugin_urls"}},
        "settings_config": {"lms.djangoapp": {"common": {"relative_path": "settings.common"}}},
    }

    def ready(self) -> None:
        from lti_tool import scores

        scores.register()
