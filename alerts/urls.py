from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.AlertListView.as_view(), name="alert_list"),
    path("<int:pk>/", views.alert_detail, name="alert_detail"),
]
