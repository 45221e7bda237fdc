from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepertoryConfig(AppConfig):
    name = "repertory"
    verbose_name = _("Competence repertory")
    default_auto_field = "django.db.models.BigAutoField"
    plugin_app = {
        "url_config": {
            project: {"namespace": "", "regex": r"", "relative_path": "plugin_urls"}
            for project in ("lms.djangoapp", "cms.djangoapp")
        },
        "settings_config": {
            project: {"common": {"relative_path": "settings.common"}} for project in ("lms.djangoapp", "cms.djangoapp")
        },
    }
