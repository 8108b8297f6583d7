"""URLs of the State dashboard (TDB) exports (names unchanged: no namespace)."""

from django.urls import path

from alternance.tdb import views

urlpatterns = [
    path("exports/tableau-de-bord/", views.tdb_export, name="tdb_export"),
    path("exports/tableau-de-bord/<int:pk>/", views.tdb_export_detail, name="tdb_export_detail"),
    path("exports/tableau-de-bord/<int:pk>/etat/", views.tdb_export_status, name="tdb_export_status"),
    path("exports/tableau-de-bord/<int:pk>/relancer/", views.tdb_export_retry, name="tdb_export_retry"),
    path("exports/tableau-de-bord/<int:pk>/fichier/", views.tdb_export_download, name="tdb_export_download"),
]
