"""Django settings of the Open edX platform apps peer (tests/peers/openedx_apps.py): a process of the venv
``.venv/peers/openedx-apps`` where openedx-core's tagging app and edx-completion, the real packages, are installed
beside Tosca's plugin apps, as they are in the LMS and Studio.

What the platform sets before its plugins are added comes first (its address, name and data folder); then each
Tosca app's ``settings/common.py`` ``plugin_settings`` runs on this module, as edx-django-utils' ``add_plugins``
runs it on the LMS's settings, and so does edx-completion's. Tosca's site (``tosca``) and its own XBlock runtime
(``xblocks.runtime``) are not installed: Open edX never installs them. Besides the two platform apps, what they
need in the LMS and Studio: django-waffle (edx-completion's feature switch), the event tracker (its tracking log),
Django REST framework and django-rules' permission backend (the tagging app's REST views, mounted where Studio has
them by ``tests/peers/openedx_apps_urls.py``).

The database is SQLite in the file the harness names (``TOSCA_OPENEDX_APPS_DATABASE``); run by hand without it,
a temporary folder holds it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from completion.settings import common as completion_settings

from libretto.settings import common as libretto_settings
from repertory.settings import common as repertory_settings
from sync.settings import common as sync_settings

DATABASE_VARIABLE = "TOSCA_OPENEDX_APPS_DATABASE"
DATA_DIR_VARIABLE = "TOSCA_OPENEDX_APPS_DATA_DIR"

_scratch = None if os.environ.get(DATABASE_VARIABLE) else Path(tempfile.mkdtemp(prefix="tosca-openedx-apps-"))
_database = Path(os.environ.get(DATABASE_VARIABLE) or _scratch / "platform.sqlite3")

SECRET_KEY = "tosca-openedx-apps-peer-not-secret"
DEBUG = False
LMS_HOST, CMS_HOST = "learn.tosca.test", "studio.tosca.test"
ALLOWED_HOSTS = [LMS_HOST, CMS_HOST, "localhost", "127.0.0.1"]
USE_TZ = True
TIME_ZONE = "Europe/Rome"
LANGUAGE_CODE = "it"
LANGUAGES = [("it", "Italiano"), ("en", "English")]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(_database)}}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    # edx-completion's feature switch (completion.enable_completion_tracking) is a waffle switch, through edx-toggles
    "waffle",
    # openedx-core's tagging app (label oel_tagging): Studio's "Manage tags" writes object tags there
    "openedx_tagging",
    "completion",
    # the LMS's event tracker, which BlockCompletion's tracking log goes to
    "eventtracking.django.apps.EventTrackingConfig",
    "repertory",
    "libretto",
    "sync",
    "xblocks",
]
ROOT_URLCONF = "tests.peers.openedx_apps_urls"  # Studio's taxonomy REST API, as the platform mounts it
# The tagging app's permissions are django-rules predicates (taxonomy admins are staff), checked through this backend
# as in the LMS and Studio.
AUTHENTICATION_BACKENDS = ["rules.permissions.ObjectPermissionBackend", "django.contrib.auth.backends.ModelBackend"]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "OPTIONS": {}}]

# What the platform's own settings hold before the plugins' settings are added.
LMS_ROOT_URL = f"https://{LMS_HOST}"
CMS_ROOT_URL = f"https://{CMS_HOST}"
PLATFORM_NAME = "Tosca peer platform"
DATA_DIR = Path(os.environ.get(DATA_DIR_VARIABLE) or _database.parent / "data")
MEDIA_ROOT = DATA_DIR / "media"

# The LMS's tracking log ("tracking" logger), where edx-completion emits edx.completion.block_completion.changed.
EVENT_TRACKING_ENABLED = True
EVENT_TRACKING_BACKENDS = {
    "tracking_logs": {"ENGINE": "eventtracking.backends.logger.LoggerBackend", "OPTIONS": {"name": "tracking"}}
}

OPENEDX_TELEMETRY: list[str] = []  # edx-django-utils' monitoring: no New Relic here

# As edx-django-utils' add_plugins(...) does for each plugin app's "common" settings.
for _plugin in (repertory_settings, libretto_settings, sync_settings, completion_settings):
    _plugin.plugin_settings(sys.modules[__name__])
