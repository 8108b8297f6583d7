from django.urls import path

from alternance.search import views

app_name = "search"

urlpatterns = [
    path("", views.results, name="results"),
    path("suggestions/", views.dropdown, name="dropdown"),
    path("choix/<slug:source>/", views.choices, name="choices"),
]
