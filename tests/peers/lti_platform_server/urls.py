"""URLs of the platform peer: lti_consumer's own plugin URLs under /api/ (as in the LMS), the two platform
endpoints it leaves to its host under /platform/, and the test control API under /control/."""

from __future__ import annotations

from django.urls import include, path
from lti_platform_server import control, endpoints

urlpatterns = [
    # Keysets, token, AGS line items/scores/results, NRPS, deep-linking response: lti_consumer.plugin.views.
    path("api/", include(("lti_consumer.plugin.urls", "lti_consumer"), namespace="lti_consumer")),
    path("platform/auth", endpoints.oidc_auth, name="peer-oidc-auth"),
    path("platform/<uuid:config_id>/token", endpoints.token, name="peer-token"),
    path("control/health", control.health, name="peer-health"),
    path("control/tools", control.create_tool, name="peer-tools"),
    path("control/launch", control.start_launch, name="peer-launch"),
    path("control/deep-link-response", control.check_deep_link_response, name="peer-deep-link-response"),
    path("control/results", control.results, name="peer-results"),
    path("control/content-items", control.content_items, name="peer-content-items"),
]
