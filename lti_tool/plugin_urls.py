"""The LTI tool's URLs inside the Open edX LMS, under /tosca/lti/ (the platform has LTI URLs of its own)."""

from django.urls import include, path

urlpatterns = [path("tosca/lti/", include("lti_tool.urls"))]
