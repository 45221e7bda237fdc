from django.urls import path

from libretto import views

app_name = "libretto"

urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("curriculum/new/", views.curriculum_item, name="curriculum-new"),
    path("curriculum/<int:item_id>/", views.curriculum_item, name="curriculum-edit"),
    path("curriculum/<int:item_id>/delete/", views.delete_curriculum_item, name="curriculum-delete"),
    path("declare/", views.declare, name="declare"),
    path("validation/", views.validation_queue, name="validation"),
    path("documents/<int:document_id>/", views.document, name="document"),
    path("export/libretto.json", views.export_json, name="export-json"),
    path("export/print/", views.export_print, name="export-print"),
    path("export/xapi.json", views.export_xapi, name="export-xapi"),
    path("badges/", views.badges, name="badges"),
    path("badges/<int:entry_id>.jwt", views.badge, name="badge"),
    path("issuer/", views.issuer, name="issuer"),
    path("issuer/jwks.json", views.issuer_keys, name="issuer-keys"),
    path("privacy/my-data.zip", views.my_data, name="my-data"),
    path("privacy/delete/", views.delete, name="delete"),
]
