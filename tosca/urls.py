from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="repertory:framework-list", permanent=False), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("repertory/", include("repertory.urls")),
    path("libretto/", include("libretto.urls")),
    path("api/repertory/v1/", include("repertory.api_urls")),
    path("api/libretto/v1/", include("libretto.api_urls")),
]
