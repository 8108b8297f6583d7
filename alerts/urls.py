from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.AlertListView.as_view(), name="alert_list"),
    path("actions-groupees/", views.alert_bulk, name="alert_bulk"),
    path("mes-alertes/", views.InboxView.as_view(), name="inbox"),
    path("verifications/", views.NightlyRunListView.as_view(), name="run_list"),
    path("parametres/", views.rule_settings, name="rule_settings"),
    path("<int:pk>/", views.alert_detail, name="alert_detail"),
    path("<int:pk>/valider/", views.alert_validate, name="alert_validate"),
    path("<int:pk>/attribuer/", views.alert_assign, name="alert_assign"),
    path("<int:pk>/resoudre/", views.alert_resolve, name="alert_resolve"),
    path("<int:pk>/ecarter/", views.alert_dismiss, name="alert_dismiss"),
    path("<int:pk>/commenter/", views.alert_comment, name="alert_comment"),
]
