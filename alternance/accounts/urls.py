from django.urls import path

from alternance.accounts import views

urlpatterns = [
    path("compte/", views.account, name="account"),
    path("compte/double-authentification/", views.second_factor_enrol, name="second_factor_enrol"),
    path("compte/double-authentification/desactiver/", views.second_factor_disable, name="second_factor_disable"),
    path("connexion/code/", views.second_factor_verify, name="second_factor_verify"),
    path("securite/connexions/", views.security_settings, name="security_settings"),
]
