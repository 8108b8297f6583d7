from django.urls import path

from alternance.history import views

app_name = "history"

urlpatterns = [
    path("historique/<slug:kind>/<int:pk>/", views.history_page, name="page"),
]
