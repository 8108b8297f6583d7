"""URLs of the steering pages: the dashboard, its cohort and load tables, the weekly meeting
(names unchanged: no namespace)."""

from django.urls import path

from alternance.steering import views

urlpatterns = [
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("tableau-de-bord/actualiser/", views.dashboard_refresh, name="dashboard_refresh"),
    path("tableau-de-bord/promotions/", views.dashboard_cohorts, name="dashboard_cohorts"),
    path("tableau-de-bord/charges/", views.dashboard_loads, name="dashboard_loads"),
    path("reunion-hebdomadaire/", views.weekly_meeting, name="weekly_meeting"),
]
