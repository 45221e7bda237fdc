from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibrettoConfig(AppConfig):
    name = "libretto"
    verbose_name = _("Libretto formativo")
    default_auto_field = "django.db.models.BigAutoField"
    # In Studio the libretto is installed only for the blocks (a module's evidence, a libretto block's preview);
    # its pages are the LMS's.
    plugin_app = {
        "url_config": {"lms.djangoapp": {"namespace": "", "regex": r"", "relative_path": "plugin_urls"}},
        "settings_config": {
            project: {
                "common": {"relative_path": "settings.common"},
                "production": {"relative_path": "settings.production"},
            }
            for project in ("lms.djangoapp", "cms.djangoapp")
        },
    }

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_delete

        from libretto import api, checks  # noqa: F401 - checks registers itself

        # Deleting an account deletes its libretto the one proper way: tombstones, files, other apps told.
        pre_delete.connect(api.on_user_deleted, sender=get_user_model(), dispatch_uid="libretto.user_deleted")
