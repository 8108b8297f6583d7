"""URLs of the staff accounts screens (« Équipe », in the « Outils » menu)."""

from django.urls import path

from alternance.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.StaffMemberListView.as_view(), name="staff_list"),
    path("nouveau/", views.staff_create, name="staff_create"),
    path("<int:pk>/", views.staff_detail, name="staff_detail"),
    path("<int:pk>/modifier/", views.staff_edit, name="staff_edit"),
    path("<int:pk>/desactiver/", views.staff_deactivate, name="staff_deactivate"),
    path("<int:pk>/reactiver/", views.staff_reactivate, name="staff_reactivate"),
    path("<int:pk>/inviter/", views.staff_invite, name="staff_invite"),
    path("<int:pk>/reaffecter/entreprises/", views.staff_reassign_companies, name="staff_reassign_companies"),
    path("<int:pk>/reaffecter/alertes/", views.staff_reassign_alerts, name="staff_reassign_alerts"),
    path("<int:pk>/reaffecter/promotions/", views.staff_reassign_cohorts, name="staff_reassign_cohorts"),
]
