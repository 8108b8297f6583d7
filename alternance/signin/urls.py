"""URLs of the sign-in (issue 19 §2)."""

from django.urls import path

from alternance.signin import views

app_name = "signin"

urlpatterns = [
    # Apprentices: the code typed, and the QR code's address (session, code).
    path("emargement/", views.sign, name="sign"),
    path("emargement/<int:pk>/<str:code>/", views.scan, name="scan"),
    # Staff: today's sessions and one session's sign-in.
    path("seances/emargement/", views.today, name="today"),
    path("seances/<int:pk>/emargement/", views.session_page, name="session"),
    path("seances/<int:pk>/emargement/code/", views.session_code, name="code"),
    path("seances/<int:pk>/emargement/lignes/", views.session_lines, name="lines"),
    path("seances/<int:pk>/emargement/projection/", views.session_projection, name="projection"),
    path("seances/<int:pk>/emargement/ouvrir/", views.session_open, name="open"),
    path("seances/<int:pk>/emargement/noter/", views.session_mark, name="mark"),
    path("seances/<int:pk>/emargement/<int:signature_pk>/retirer/", views.session_strike, name="strike"),
    path("seances/<int:pk>/emargement/clore/", views.session_close, name="close"),
    path("seances/<int:pk>/emargement/rouvrir/", views.session_reopen, name="reopen"),
    # The signed sheets (issue 19 §3): a session's, and a cohort's of a month.
    path("seances/<int:pk>/emargement/feuille/", views.session_sheet, name="sheet"),
    path("promotions/<int:pk>/feuilles-emargement/", views.cohort_sheets, name="cohort_sheets"),
]
