"""The libretto's URLs inside the Open edX LMS: the learner's pages and the JSON API, under /tosca/."""

from django.urls import include, path

urlpatterns = [
    path("tosca/libretto/", include("libretto.urls")),
    path("api/tosca/libretto/v1/", include("libretto.api_urls")),
]
