"""URLs of the data imports: upload, column mapping, preview, run, error report (names unchanged: no namespace)."""

from django.urls import path

from alternance.imports import views

urlpatterns = [
    path("imports/", views.data_import_list, name="data_import_list"),
    path("imports/nouveau/", views.data_import_upload, name="data_import_upload"),
    path("imports/modele/<str:kind>/", views.data_import_template, name="data_import_template"),
    path("imports/<int:pk>/", views.data_import_detail, name="data_import_detail"),
    path("imports/<int:pk>/correspondance/", views.data_import_mapping, name="data_import_mapping"),
    path("imports/<int:pk>/apercu/", views.data_import_preview, name="data_import_preview"),
    path("imports/<int:pk>/etat/", views.data_import_status, name="data_import_status"),
    path("imports/<int:pk>/importer/", views.data_import_run, name="data_import_run"),
    path("imports/<int:pk>/relancer/", views.data_import_retry, name="data_import_retry"),
    path("imports/<int:pk>/rapport-erreurs/", views.data_import_error_report, name="data_import_error_report"),
]
