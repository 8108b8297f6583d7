"""URLs of absences: the apprentice's justifications, the staff's review, attendance statements and settings (names unchanged: no namespace)."""

from django.urls import path

from alternance.attendance import views

urlpatterns = [
    path("mes-absences/", views.my_absences, name="my_absences"),
    path("mes-absences/<int:pk>/justifier/", views.absence_justify, name="absence_justify"),
    path("absences/justificatifs/", views.justification_queue, name="justification_queue"),
    path("absences/<int:pk>/", views.absence_detail, name="absence_detail"),
    path("absences/<int:pk>/examiner/", views.justification_review, name="justification_review"),
    path("absences/<int:pk>/justificatif/", views.justification_proof, name="justification_proof"),
    path("absences/justificatifs/accepter/", views.justification_accept_selection, name="justification_accept_selection"),
    path(
        "apprenti-es/<int:pk>/releve-assiduite/<int:year>/<int:month>/",
        views.attendance_statement_pdf_view,
        name="attendance_statement_pdf",
    ),
    path("parametres/absences/", views.attendance_settings, name="attendance_settings"),
]
