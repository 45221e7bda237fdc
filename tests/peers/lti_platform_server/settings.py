"""Settings of the standalone LTI 1.3 platform peer; serve.py sets the two environment variables it reads.

LTI_PEER_DATA_DIR   folder of the SQLite database (created empty at each start)
LTI_PEER_BASE_URL   http://127.0.0.1:PORT, the issuer; serve.py rewrites LTI_BASE / LTI_API_BASE once the port is bound
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DATA_DIR = Path(os.environ.get("LTI_PEER_DATA_DIR", "."))
BASE_URL = os.environ.get("LTI_PEER_BASE_URL", "http://127.0.0.1:0")

SECRET_KEY = secrets.token_hex(32)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "rest_framework",
    "django_filters",
    "lti_consumer",
]
MIDDLEWARE = [
    "edx_django_utils.cache.middleware.RequestCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "lti_platform_server.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "OPTIONS": {}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "platform.sqlite3")}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# lti_consumer's tables are created from its models (migrate --run-syncdb): its 23 migrations are slower and two
# of them are data migrations written for an Open edX database.
MIGRATION_MODULES = {"lti_consumer": None}
# Launch data travels between the login initiation and the authentication request through this cache (its key is
# the lti_message_hint), so the peer must stay one process.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "lti-platform-peer"}}

# What lti_consumer reads from an Open edX settings module.
PLATFORM_NAME = "Tosca LTI platform peer (lti-consumer-xblock)"
LTI_BASE = BASE_URL
LTI_API_BASE = BASE_URL
LMS_ROOT_URL = BASE_URL
# edx-platform's USAGE_ID_PATTERN, used by lti_consumer.plugin.urls.
USAGE_ID_PATTERN = r"(?P<usage_id>(?:i4x://?[^/]+/[^/]+/[^/]+/[^@]+(?:@[^/]+)?)|(?:[^/]+))"

# edx-django-utils' monitoring looks for New Relic by default and warns when it is missing.
OPENEDX_TELEMETRY = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "lti_consumer": {"level": "INFO"},
        "lti_platform_server": {"level": "INFO"},
        "django.server": {"level": "INFO"},
    },
}
