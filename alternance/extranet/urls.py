"""URLs of the extranet: invitations, the employer's pages (names unchanged: no namespace)."""

from django.urls import path

from alternance.extranet import views

urlpatterns = [
    path("apprenti-es/<int:pk>/inviter/", views.apprentice_invite, name="apprentice_invite"),
    path("contacts/<int:pk>/inviter/", views.contact_invite, name="contact_invite"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("espace-employeur/apprenti-es/<int:pk>/", views.employer_apprentice, name="employer_apprentice"),
    path("espace-employeur/evaluations/", views.employer_evaluations, name="employer_evaluations"),
    path("espace-employeur/evaluations/<int:pk>/", views.employer_evaluation, name="employer_evaluation"),
]
