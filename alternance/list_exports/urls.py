"""URLs of the list exports prepared in the background (no namespace, like the other exports)."""

from django.urls import path

from alternance.list_exports import views

urlpatterns = [
    path("exports/listes/<int:pk>/", views.list_export_detail, name="list_export_detail"),
    path("exports/listes/<int:pk>/etat/", views.list_export_status, name="list_export_status"),
    path("exports/listes/<int:pk>/relancer/", views.list_export_retry, name="list_export_retry"),
    path("exports/listes/<int:pk>/fichier/", views.list_export_download, name="list_export_download"),
]
