from django.urls import path, re_path

from xblocks.runtime import views

app_name = "xblocks"

urlpatterns = [
    re_path(
        r"^handler/(?P<usage_id>[^/]+)/(?P<handler_name>[A-Za-z0-9_]+)/(?P<suffix>.*)$", views.handler, name="handler"
    ),
    path("resource/<str:block_type>/<path:path>", views.resource, name="resource"),
    path("asset/<str:course_key>/<path:path>", views.asset, name="asset"),
]
