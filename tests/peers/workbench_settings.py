"""Django settings of the xblock-sdk workbench test peer: the SDK's own settings, Tosca's apps as plugin apps.

Inside Open edX, Tosca's apps are installed into the LMS as plugin apps and its XBlocks are found through their
``xblock.v1`` entry points; here the same apps are installed into the workbench, with the few Tosca settings
those apps read. Everything the peer writes goes under one folder of the test run, never to the checkout.

TOSCA_WORKBENCH_DB   the SQLite file of this peer (required)
TOSCA_WORKBENCH_DIR  where logs, media and keys go (default: the folder of the database file)
TOSCA_BASE_URL       the platform id of the peer's learners (default: http://127.0.0.1:8000)
"""

from __future__ import annotations

import importlib.util
import os
from datetime import timedelta
from pathlib import Path

from workbench.settings import *  # noqa: F403 - the SDK's settings are the base, as its docs intend
from workbench.settings import INSTALLED_APPS, WORKBENCH

try:
    _DATABASE_FILE = Path(os.environ["TOSCA_WORKBENCH_DB"]).resolve()
except KeyError:
    raise RuntimeError("TOSCA_WORKBENCH_DB must name the SQLite file of the workbench peer.") from None
PEER_DIR = Path(os.environ.get("TOSCA_WORKBENCH_DIR") or _DATABASE_FILE.parent).resolve()
PEER_DIR.mkdir(parents=True, exist_ok=True)
VAR_DIR = PEER_DIR  # libretto's deployment check compares key paths with it

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(_DATABASE_FILE),
        # As Tosca's own SQLite set-up: readers go on while a handler writes, writers queue instead of failing.
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"  # the workbench's own models were made with it

# Tosca's apps, as Open edX's plugin loader would add them (xblocks only once it exists).
TOSCA_APPS = ["rest_framework", "repertory", "libretto", "sync"]
if importlib.util.find_spec("xblocks") is not None:
    TOSCA_APPS.append("xblocks")
INSTALLED_APPS = [*INSTALLED_APPS, *(app for app in TOSCA_APPS if app not in INSTALLED_APPS)]

LANGUAGE_CODE = "en"
LANGUAGES = [("it", "Italian"), ("en", "English")]
TIME_ZONE = "UTC"  # as Open edX

WORKBENCH = {
    **WORKBENCH,
    "reset_state_on_restart": False,
    "services": {
        **WORKBENCH.get("services", {}),
        "user": "tests.peers.workbench_services.StaffAwareUserService",
    },
}
# The file-system service of the SDK (used by its filethumbs sample) writes here, not into the working directory.
DJFS = {"type": "osfs", "directory_root": str(PEER_DIR / "djpyfs"), "url_root": "/static/djpyfs"}

# -- what Tosca's apps read (see tosca/settings.py for the meaning of each) ----------------------------------
TOSCA_BASE_URL = os.environ.get("TOSCA_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
TOSCA_CLOCK_SKEW = timedelta(minutes=5)
TOSCA_REPERTORY_MAX_IMPORT_BYTES = 100 * 1024 * 1024
TOSCA_REPERTORY_URI_BASE = "urn:tosca:repertory:"
TOSCA_DESTINATIONS = [{"name": "local", "type": "local"}]
CELERY_BROKER_URL = None
TOSCA_SYNC_DISPATCH = "inline"
TOSCA_SYNC = {
    "batch_size": 200,
    "claim_size": 1000,
    "max_attempts": 12,
    "first_retry": timedelta(seconds=30),
    "longest_retry": timedelta(hours=6),
    "lease": timedelta(minutes=5),
    "timeout": 10.0,
}
CELERY_TASK_IGNORE_RESULT = True
MEDIA_ROOT = PEER_DIR / "media"
TOSCA_LIBRETTO_DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
TOSCA_LIBRETTO_DOCUMENT_TYPES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
TOSCA_LIBRETTO_API_MAX_BODY_BYTES = 1024 * 1024
TOSCA_SIGNING_KEY_FILE = PEER_DIR / "signing-key.pem"
TOSCA_ISSUER_NAME = "Tosca (workbench peer)"
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
}

# Errors with their tracebacks, and the blocks' own log lines, go to one file of the run (the SDK's settings
# would open var/workbench.log in the working directory).
LOG_FILE = PEER_DIR / "workbench.log"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"file": {"class": "logging.FileHandler", "filename": str(LOG_FILE), "formatter": "plain"}},
    "root": {"handlers": ["file"], "level": os.environ.get("TOSCA_WORKBENCH_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["file"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
