from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = _("Evidence delivery")
    default_auto_field = "django.db.models.BigAutoField"
    plugin_app = {
        "settings_config": {
            project: {"common": {"relative_path": "settings.common"}} for project in ("lms.djangoapp", "cms.djangoapp")
        },
        # The same dispatch_uid as `receivers.connect()` uses in ready(): connected once, whoever connects first.
        "signals_config": {
            "lms.djangoapp": {
                "relative_path": "receivers",
                "receivers": [
                    {
                        "receiver_func_name": "record_course_passing",
                        "signal_path": "openedx_events.learning.signals.COURSE_PASSING_STATUS_UPDATED",
                        "dispatch_uid": "sync.record_course_passing",
                    }
                ],
            }
        },
    }

    def ready(self) -> None:
        from sync import receivers

        receivers.connect()
