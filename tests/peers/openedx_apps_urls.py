"""URLs of the Open edX platform apps peer: openedx-core's taxonomy REST API where Studio serves it
(``/api/content_tagging/v1/``, the views edx-platform's content_tagging extends with organizations), so that
``tosca openedx push-taxonomy``'s own code can push a framework to the real views."""

from django.urls import include, path

urlpatterns = [path("api/content_tagging/", include("openedx_tagging.rest_api.urls"))]
