from django.urls import path

from lti_tool import views

app_name = "lti"

urlpatterns = [
    path("", views.configuration, name="configuration"),
    path("configuration.json", views.configuration_json, name="configuration-json"),
    path("login/", views.login_initiation, name="login"),
    path("login/<uuid:registration_uuid>/", views.login_initiation, name="login-registration"),
    path("launch/", views.launch, name="launch"),
    path("jwks/", views.jwks, name="jwks"),
    path("register/", views.register, name="register"),
    path("modules/<int:placement_id>/", views.module, name="module"),
    path("modules/<int:placement_id>/learners/", views.roster, name="roster"),
    path("deep-link/<str:token>/", views.deep_link, name="deep-link"),
]
