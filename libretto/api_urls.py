from django.urls import path

from libretto import api_views

app_name = "libretto-api"

urlpatterns = [
    path("evidence/", api_views.EvidenceCollection.as_view(), name="evidence"),
    path("me/", api_views.MyLibretto.as_view(), name="me"),
    path("learners/", api_views.LearnerLibretto.as_view(), name="learner"),
    path("openapi.json", api_views.openapi, name="openapi"),
]
