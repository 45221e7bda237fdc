from django.urls import path

from repertory import api_views

app_name = "repertory-api"

urlpatterns = [
    path("frameworks/", api_views.FrameworkList.as_view(), name="framework-list"),
    path("frameworks/<str:framework>/", api_views.FrameworkDetail.as_view(), name="framework-detail"),
    path("frameworks/<str:framework>/tree/", api_views.Tree.as_view(), name="tree"),
    path("frameworks/<str:framework>/export/<str:export_format>/", api_views.Export.as_view(), name="export"),
    path(
        "frameworks/<str:framework>/competences/<path:code>/",
        api_views.CompetenceDetail.as_view(),
        name="competence-detail",
    ),
    path("competences/", api_views.Search.as_view(), name="search"),
    path("competences/by-uri/", api_views.CompetenceByUri.as_view(), name="competence-by-uri"),
]
