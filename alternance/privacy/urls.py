"""URLs of the GDPR pages (no namespace, like the other office features)."""

from django.urls import path

from alternance.privacy import views

urlpatterns = [
    path("rgpd/apprentis/<int:pk>/export/", views.privacy_export_apprentice, name="privacy_export_apprentice"),
    path("rgpd/contacts/<int:pk>/export/", views.privacy_export_contact, name="privacy_export_contact"),
    path("rgpd/exports/<int:pk>/", views.privacy_export_detail, name="privacy_export_detail"),
    path("rgpd/exports/<int:pk>/etat/", views.privacy_export_status, name="privacy_export_status"),
    path("rgpd/exports/<int:pk>/donnees.zip", views.privacy_export_download, name="privacy_export_download"),
    path("rgpd/a-anonymiser/", views.privacy_due, name="privacy_due"),
    path("rgpd/a-anonymiser/apprentis/<int:pk>/", views.privacy_anonymise_apprentice, name="privacy_anonymise_apprentice"),
    path("rgpd/a-anonymiser/contacts/<int:pk>/", views.privacy_anonymise_contact, name="privacy_anonymise_contact"),
    path("rgpd/a-anonymiser/tout/", views.privacy_anonymise_all, name="privacy_anonymise_all"),
]
