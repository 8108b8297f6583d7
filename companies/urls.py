from django.urls import path

from companies import views

app_name = "companies"

urlpatterns = [
    path("", views.CompanyListView.as_view(), name="company_list"),
    path("<int:pk>/", views.company_detail, name="company_detail"),
]
