"""URLs of the merge screens (« Fusionner avec un doublon… » on a company's or an apprentice's page)."""

from django.urls import path

from alternance.merges import views

app_name = "merges"

urlpatterns = [
    path("entreprises/<int:pk>/", views.merge_pick, {"kind": "company"}, name="company_pick"),
    path("entreprises/<int:pk>/avec/<int:other>/", views.merge_preview, {"kind": "company"}, name="company_preview"),
    path("apprenti-es/<int:pk>/", views.merge_pick, {"kind": "apprentice"}, name="apprentice_pick"),
    path("apprenti-es/<int:pk>/avec/<int:other>/", views.merge_preview, {"kind": "apprentice"}, name="apprentice_preview"),
]
