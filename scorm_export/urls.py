from django.urls import path

from scorm_export import views

app_name = "scorm"

urlpatterns = [
    path("package/", views.package, name="package"),
]
