"""URLs of the tutors' workspace: follow-up, visits and their grid and report, the attendance register
(names unchanged: no namespace)."""

from django.urls import path

from alternance.tutoring import views

urlpatterns = [
    path("mon-suivi/", views.tutor_workspace, name="tutor_workspace"),
    path("mon-suivi/apprenti-es/<int:pk>/visite/", views.visit_plan, name="visit_plan"),
    path("mon-suivi/apprenti-es/<int:pk>/presence/", views.attendance_record, name="attendance_record"),
    path("visites/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visites/<int:pk>/grille/", views.visit_grid, name="visit_grid"),
    path("visites/<int:pk>/compte-rendu/", views.visit_report, name="visit_report"),
    path("visites/<int:pk>/compte-rendu/interne/", views.visit_report_internal, name="visit_report_internal"),
    path("registre/<int:cohort_pk>/", views.attendance_register, name="attendance_register"),
]
