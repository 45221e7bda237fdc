"""The repertory's URLs inside Open edX (LMS and Studio): its pages and its JSON API, under /tosca/, with the
same namespaces as on Tosca's own site."""

from django.urls import include, path

urlpatterns = [
    path("tosca/repertory/", include("repertory.urls")),
    path("api/tosca/repertory/v1/", include("repertory.api_urls")),
]
