from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from tosca import courses

course_patterns = [
    path("", courses.catalogue, name="catalogue"),
    path("mine/", courses.dashboard, name="dashboard"),
    path("<str:course_key>/", courses.course, name="course"),
    path("<str:course_key>/enrol/", courses.enrol, name="enrol"),
    path("<str:course_key>/m/<str:name>/", courses.module, name="module"),
]

authoring_patterns = [
    path("", courses.authoring, name="home"),
    path("import/", courses.import_course, name="import"),
    path("<str:course_key>/export/", courses.export_course, name="export"),
    path("<str:course_key>/export/scorm/", courses.export_scorm, name="export-scorm"),
    path("<str:course_key>/m/<str:name>/", courses.edit_module, name="module"),
    path("<str:course_key>/m/<str:name>/preview/", courses.preview_module, name="preview"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="courses:catalogue", permanent=False), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/register/", courses.register, name="register"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("courses/", include((course_patterns, "courses"))),
    path("authoring/", include((authoring_patterns, "authoring"))),
    path("repertory/", include("repertory.urls")),
    path("libretto/", include("libretto.urls")),
    path("api/repertory/v1/", include("repertory.api_urls")),
    path("api/libretto/v1/", include("libretto.api_urls")),
    path("xblock/", include("xblocks.runtime.urls")),
    path("lti/", include("lti_tool.urls")),
    path("api/scorm/v1/", include("scorm_export.urls")),
]
