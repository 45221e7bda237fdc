"""WSGI entry point for gunicorn and friends: `gunicorn tosca.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tosca.settings")
application = get_wsgi_application()
