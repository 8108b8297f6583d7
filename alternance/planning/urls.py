"""URLs of the calendars, their ICS feeds and PDFs, and the centre's closures (names unchanged: no namespace)."""

from django.urls import path

from alternance.planning import views

urlpatterns = [
    path("mon-calendrier/", views.calendar_mine, name="calendar_mine"),
    path("mon-calendrier/abonnement/", views.calendar_feed_manage, name="calendar_feed_manage"),
    path("calendrier/ics/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("apprenti-es/<int:pk>/calendrier/", views.apprentice_calendar, name="apprentice_calendar"),
    path("apprenti-es/<int:pk>/calendrier/pdf/", views.apprentice_calendar_pdf, name="apprentice_calendar_pdf"),
    path("apprenti-es/<int:pk>/calendrier/exception/", views.apprentice_calendar_override, name="apprentice_calendar_override"),
    path(
        "apprenti-es/<int:pk>/calendrier/exception/<int:override_pk>/supprimer/",
        views.apprentice_calendar_override_delete, name="apprentice_calendar_override_delete",
    ),
    path("promotions/<int:pk>/calendrier/", views.cohort_calendar, name="cohort_calendar"),
    path("promotions/<int:pk>/calendrier/pdf/", views.cohort_calendar_pdf, name="cohort_calendar_pdf"),
    path("promotions/<int:pk>/calendrier/dates-cles/ajouter/", views.key_date_create, name="key_date_create"),
    path("promotions/<int:pk>/calendrier/dates-cles/<int:key_pk>/modifier/", views.key_date_edit, name="key_date_edit"),
    path("promotions/<int:pk>/calendrier/dates-cles/<int:key_pk>/supprimer/", views.key_date_delete, name="key_date_delete"),
    path("fermetures/", views.closure_list, name="closure_list"),
    path("fermetures/ajouter/", views.closure_create, name="closure_create"),
    path("fermetures/<int:pk>/modifier/", views.closure_edit, name="closure_edit"),
    path("fermetures/<int:pk>/supprimer/", views.closure_delete, name="closure_delete"),
]
