from django.urls import path

from repertory import views

app_name = "repertory"

urlpatterns = [
    path("", views.framework_list, name="framework-list"),
    path("search/", views.search, name="search"),
    path("<str:framework>/", views.framework_detail, name="framework-detail"),
    path("<str:framework>/export/<str:export_format>/", views.export, name="export"),
    path("<str:framework>/c/<path:code>/", views.competence_detail, name="competence-detail"),
]
