"""URLs of the apprentice records (no namespace: ``apprentice_list`` and ``apprentice_detail`` are
linked from everywhere)."""

from django.urls import path

from alternance.apprentices import views

urlpatterns = [
    path("apprenti-es/", views.ApprenticeListView.as_view(), name="apprentice_list"),
    path("apprenti-es/nouveau/", views.apprentice_create, name="apprentice_create"),
    path("apprenti-es/<int:pk>/", views.apprentice_detail, name="apprentice_detail"),
    path("apprenti-es/<int:pk>/modifier/", views.apprentice_edit, name="apprentice_edit"),
    path("apprenti-es/<int:pk>/sortie/", views.apprentice_leave, name="apprentice_leave"),
    path("apprenti-es/<int:pk>/reintegrer/", views.apprentice_reopen, name="apprentice_reopen"),
    path("mes-coordonnees/", views.my_details, name="my_details"),
]
