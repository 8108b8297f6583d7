from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.ContractListView.as_view(), name="contract_list"),
    path("<int:pk>/", views.contract_detail, name="contract_detail"),
]
