"""Root URLconf. French paths for the people using the site; names in English for the code."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from alternance import views
from alternance.accounts.views import password_reset
from alternance.forms import EmailAuthenticationForm

auth_patterns = [
    path(
        "connexion/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    # Throttled per address typed and per client address (issue 17 §9).
    path("mot-de-passe/oublie/", password_reset, name="password_reset"),
    path("mot-de-passe/oublie/envoye/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("mot-de-passe/nouveau/termine/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("mot-de-passe/modifier/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("mot-de-passe/modifier/termine/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

urlpatterns = [
    path("", views.home, name="home"),
    *auth_patterns,
    # « Mon compte », the second factor and the coordinator's login rule (issue 17 §9)
    path("", include("alternance.accounts.urls")),
    # Steering: the dashboard and the weekly meeting
    path("", include("alternance.steering.urls")),
    # Apprentice records (issue 13 §2): list, record page, create, edit, leave the OF; « Mes coordonnées »
    path("", include("alternance.apprentices.urls")),
    # The extranet: invitations (issue 6, part 1), the employer's pages (parts 3 and 4)
    path("", include("alternance.extranet.urls")),
    # Tutors' workspace (issue 5, part 4)
    path("", include("alternance.tutoring.urls")),
    # Calendars and ICS feeds, absences and their justification (issue 6)
    path("", include("alternance.planning.urls")),
    path("", include("alternance.attendance.urls")),
    path("", include("alternance.sessions.urls")),
    path("", include("alternance.signin.urls")),
    # Data in and out (issue 7): imports, State dashboard exports, Qualiopi evidence, read API
    path("", include("alternance.imports.urls")),
    path("", include("alternance.tdb.urls")),
    path("", include("alternance.list_exports.urls")),
    path("", include("alternance.qualiopi.urls")),
    path("", include("alternance.privacy.urls")),
    # Admissions (issue 13 §1): public application pages, candidates, enrolment
    path("", include("alternance.admissions.urls")),
    path("api/", include("alternance.api.urls")),
    # History of changes of a record (issue 13 §4): the full list behind each page's last entries
    path("", include("alternance.history.urls")),
    # Staff accounts (issue 13): the coordinator creates, edits, deactivates them and hands over what they held
    path("equipe/", include("alternance.staff.urls")),
    # The training catalogue (issue 13 §2): programmes and their competence blocks, sites, cohorts
    path("", include("alternance.catalogue.urls")),
    # Find anything (issue 13 §3): the navigation search box, its results page, the searchable selects
    path("recherche/", include("alternance.search.urls")),
    # Merging duplicate companies and apprentices (issue 13 §3), for the coordinator
    path("fusions/", include("alternance.merges.urls")),
    path("entreprises/", include("companies.urls")),
    path("contrats/", include("contracts.urls")),
    path("alertes/", include("alerts.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
