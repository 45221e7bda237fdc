"""A URL configuration built as the Open edX LMS builds its own: from the plugin apps' url_config only."""

from django.urls import include, path
from edx_django_utils.plugins import get_plugin_url_patterns

# The LMS has Django's language switch at i18n/ too (the repertory's pages post to it).
urlpatterns = [path("i18n/", include("django.conf.urls.i18n")), *get_plugin_url_patterns("lms.djangoapp")]
