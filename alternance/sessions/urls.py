"""URLs of the training sessions of a cohort (issue 19 §1)."""

from django.urls import path

from alternance.sessions import views

app_name = "sessions"

urlpatterns = [
    path("promotions/<int:pk>/seances/", views.session_list, name="session_list"),
    path("promotions/<int:pk>/seances/generer/", views.session_generate, name="session_generate"),
    path("promotions/<int:pk>/seances/ajouter/", views.session_create, name="session_create"),
    path("promotions/<int:pk>/seances/<int:session_pk>/modifier/", views.session_edit, name="session_edit"),
    path("promotions/<int:pk>/seances/<int:session_pk>/scinder/", views.session_split, name="session_split"),
    path("promotions/<int:pk>/seances/<int:session_pk>/annuler/", views.session_cancel, name="session_cancel"),
    path("promotions/<int:pk>/seances/<int:session_pk>/retablir/", views.session_restore, name="session_restore"),
]
