from django.urls import path
from lti_reference import views

urlpatterns = [
    path("lti/login/", views.LoginView.as_view(), name="login"),
    path("lti/launch/", views.LaunchView.as_view(), name="launch"),
    path("module/<path:module>/", views.module_page, name="module"),
]
