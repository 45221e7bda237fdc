"""Settings for every way Tosca runs; everything that differs between machines comes from the environment.

DATABASE_URL   unset: SQLite in TOSCA_VAR_DIR; or sqlite:///path, postgres://…, mysql://… (MariaDB too)
SECRET_KEY     generated once into var/secret_key when unset (local runs)
ALLOWED_HOSTS  comma-separated; default localhost names
TOSCA_DEBUG    true/false (default false)
TOSCA_VAR_DIR  where local state lives (default: var/ in the source checkout, else ./var)
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from tosca.config import (
    ConfigurationError,
    database_from_url,
    destinations_from,
    dispatch_mode,
    flag,
    host_list,
    positive_number,
    secret_key_from,
)

BASE_DIR = Path(__file__).resolve().parent.parent
_checkout = (BASE_DIR / "setup.cfg").exists()
VAR_DIR = Path(os.environ.get("TOSCA_VAR_DIR") or (BASE_DIR / "var" if _checkout else Path.cwd() / "var"))

DEBUG = flag(os.environ.get("TOSCA_DEBUG"))
SECRET_KEY = secret_key_from(os.environ.get("SECRET_KEY"), VAR_DIR / "secret_key")
ALLOWED_HOSTS = host_list(os.environ.get("ALLOWED_HOSTS"), default=["localhost", "127.0.0.1", "[::1]"])

# Relative SQLite paths in DATABASE_URL are relative to the working directory; the default lives in VAR_DIR.
_database_url = os.environ.get("DATABASE_URL")
DATABASES = {
    "default": database_from_url(_database_url, base_dir=Path.cwd())
    if _database_url
    else database_from_url("sqlite:///tosca.sqlite3", base_dir=VAR_DIR)
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "repertory",
    "libretto",
    "sync",
    "xblocks",
    "xblocks.runtime",
    "lti_tool",
    "scorm_export",
    "tosca",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tosca.urls"
WSGI_APPLICATION = "tosca.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tosca.context_processors.navigation",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Italian first: the regions are the users; English for everyone else.
LANGUAGE_CODE = os.environ.get("TOSCA_LANGUAGE", "it")  # pages follow the browser; commands use this
LANGUAGES = [("it", _("Italian")), ("en", _("English"))]
USE_I18N = True
TIME_ZONE = "Europe/Rome"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
}

# The repertory is public information: read access needs no account.
# Imports above this size are refused before they are read (an ESCO release is about 40 MB of CSV).
TOSCA_REPERTORY_MAX_IMPORT_BYTES = int(os.environ.get("TOSCA_REPERTORY_MAX_IMPORT_BYTES", 100 * 1024 * 1024))
# URIs minted for nodes whose source gives none: <base><framework>/<code>. Set it to a domain the region controls.
TOSCA_REPERTORY_URI_BASE = os.environ.get("TOSCA_REPERTORY_URI_BASE", "urn:tosca:repertory:")

# The public address of this instance: platform id of its learners, issuer of its badges, base of its IRIs.
TOSCA_BASE_URL = os.environ.get("TOSCA_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Evidence dated later than now plus this is refused (clocks of remote platforms drift a little).
TOSCA_CLOCK_SKEW = timedelta(minutes=5)

# Evidence destinations (see tosca.config.destinations_from) and how deliveries are dispatched:
# "inline" right after the recording transaction commits, "celery" through the broker, "manual" only by
# `tosca sync run`. Retries always come from the database: the outbox is the source of truth.
TOSCA_DESTINATIONS = destinations_from(os.environ.get("TOSCA_DESTINATIONS"))
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or None
TOSCA_SYNC_DISPATCH = dispatch_mode(os.environ.get("TOSCA_SYNC_DISPATCH"), broker=CELERY_BROKER_URL)
TOSCA_SYNC = {
    "batch_size": positive_number(os.environ, "TOSCA_SYNC_BATCH_SIZE", 200),
    # Deliveries a dispatcher takes at a time; several dispatchers share the queue in claims of this size.
    "claim_size": positive_number(os.environ, "TOSCA_SYNC_CLAIM_SIZE", 1000),
    "max_attempts": positive_number(os.environ, "TOSCA_SYNC_MAX_ATTEMPTS", 12),
    "first_retry": timedelta(seconds=30),
    "longest_retry": timedelta(hours=6),
    "lease": timedelta(minutes=5),
    "timeout": positive_number(os.environ, "TOSCA_SYNC_TIMEOUT", 10.0, kind=float),
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE = {"deliver-due-evidence": {"task": "sync.deliver_due", "schedule": 30.0}}

# Learners' supporting documents: private files, served only to their holder and to operators.
MEDIA_ROOT = VAR_DIR / "media"  # no MEDIA_URL: nothing here is public
TOSCA_LIBRETTO_DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
TOSCA_LIBRETTO_DOCUMENT_TYPES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
TOSCA_LIBRETTO_API_MAX_BODY_BYTES = 1024 * 1024
# The Ed25519 key that signs Open Badges; created once, its public half published at /libretto/issuer/jwks.json.
TOSCA_SIGNING_KEY_FILE = Path(os.environ.get("TOSCA_SIGNING_KEY_FILE") or VAR_DIR / "signing-key.pem")

TOSCA_ISSUER_NAME = os.environ.get("TOSCA_ISSUER_NAME", "Tosca")

# The LTI 1.3 tool (lti_tool). Times in seconds.
TOSCA_LTI = {
    # Clock drift allowed between a platform and us, on an id_token's exp and iat.
    "leeway": positive_number(os.environ, "TOSCA_LTI_LEEWAY", 60),
    # An id_token issued longer ago than this is refused, whatever its exp says.
    "max_token_age": positive_number(os.environ, "TOSCA_LTI_MAX_TOKEN_AGE", 600),
    # From a platform's login initiation to its launch: how long our state and nonce stay valid.
    "login_lifetime": positive_number(os.environ, "TOSCA_LTI_LOGIN_LIFETIME", 600),
    # How long a platform's keyset is trusted before it is read again, and how soon an unknown kid may read it again.
    "jwks_cache_seconds": positive_number(os.environ, "TOSCA_LTI_JWKS_CACHE_SECONDS", 3600),
    "jwks_refetch_interval": positive_number(os.environ, "TOSCA_LTI_JWKS_REFETCH_INTERVAL", 5),
    "http_timeout": positive_number(os.environ, "TOSCA_LTI_HTTP_TIMEOUT", 10.0, kind=float),
    # Dynamic registration: "open" (any platform's administrator), "staff" (a Tosca operator signed in), "off".
    "dynamic_registration": os.environ.get("TOSCA_LTI_DYNAMIC_REGISTRATION", "open"),
    # `tosca lti rotate-keys`: a new key is published this long before it signs; a retired one stays published.
    "key_publish_ahead": positive_number(os.environ, "TOSCA_LTI_KEY_PUBLISH_AHEAD", 86_400),
    "key_keep_retired": positive_number(os.environ, "TOSCA_LTI_KEY_KEEP_RETIRED", 7 * 86_400),
}
if TOSCA_BASE_URL.startswith("https://"):
    # Inside a platform's frame (LTI) Tosca's session and CSRF cookies are third-party cookies: browsers send them
    # there only when they are SameSite=None, which they accept only with Secure. Django's CSRF check still
    # guards every form and handler call.
    SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "None"
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
if TOSCA_LTI["dynamic_registration"] not in {"open", "staff", "off"}:
    raise ConfigurationError("TOSCA_LTI_DYNAMIC_REGISTRATION must be open, staff or off.")

AUTHENTICATION_BACKENDS = ["tosca.auth.EmailOrUsernameBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "libretto:home"
LOGOUT_REDIRECT_URL = "home"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TOSCA_LOG_LEVEL", "WARNING")},
}
