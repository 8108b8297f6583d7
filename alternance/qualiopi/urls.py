"""URLs of the Qualiopi evidence packs (names unchanged: no namespace)."""

from django.urls import path

from alternance.qualiopi import views

urlpatterns = [
    path("qualiopi/", views.qualiopi_packs, name="qualiopi_packs"),
    path("qualiopi/dossiers/<int:pk>/", views.qualiopi_pack_detail, name="qualiopi_pack_detail"),
    path("qualiopi/dossiers/<int:pk>/etat/", views.qualiopi_pack_status, name="qualiopi_pack_status"),
    path("qualiopi/dossiers/<int:pk>/relancer/", views.qualiopi_pack_retry, name="qualiopi_pack_retry"),
    path("qualiopi/dossiers/<int:pk>/synthese.pdf", views.qualiopi_pack_pdf, name="qualiopi_pack_pdf"),
    path("qualiopi/dossiers/<int:pk>/preuves.zip", views.qualiopi_pack_archive, name="qualiopi_pack_archive"),
]
