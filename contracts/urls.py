from django.urls import path

from contracts.views import contracts, documents, opco, signatures

app_name = "contracts"

urlpatterns = [
    path("", contracts.ContractListView.as_view(), name="contract_list"),
    path("<int:pk>/", contracts.contract_detail, name="contract_detail"),
    *contracts.urlpatterns,
    *opco.urlpatterns,
    *documents.urlpatterns,
    *signatures.urlpatterns,
]
