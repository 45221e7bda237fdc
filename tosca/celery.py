"""The Celery application: `celery -A tosca worker -B` or `tosca worker`. Used when CELERY_BROKER_URL is set."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tosca.settings")

app = Celery("tosca")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
