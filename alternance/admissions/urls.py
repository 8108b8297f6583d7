"""URLs of admissions: the public application pages and the staff's candidates (no namespace)."""

from django.urls import path

from alternance.admissions import views

urlpatterns = [
    path("candidater/", views.apply_index, name="admissions_apply_index"),
    path("candidater/<int:pk>/", views.apply, name="admissions_apply"),
    path("candidater/<int:pk>/envoyee/", views.apply_done, name="admissions_apply_done"),
    path("admissions/", views.candidate_list, name="candidate_list"),
    path("admissions/nouvelle/", views.candidate_create, name="candidate_create"),
    path("admissions/formations/", views.programme_admissions, name="programme_admissions"),
    path("admissions/<int:pk>/", views.candidate_detail, name="candidate_detail"),
    path("admissions/<int:pk>/modifier/", views.candidate_update, name="candidate_update"),
    path("admissions/<int:pk>/positionnement/", views.candidate_position, name="candidate_position"),
    path("admissions/<int:pk>/decision/", views.candidate_decide, name="candidate_decide"),
    path("admissions/<int:pk>/desistement/", views.candidate_withdraw, name="candidate_withdraw"),
    path("admissions/<int:pk>/inscription/", views.candidate_enrol, name="candidate_enrol"),
    path("admissions/<int:pk>/cv/", views.candidate_cv, name="candidate_cv"),
]
