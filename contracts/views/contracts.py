"""Contract pages: the staff list and a contract's page (also for its parties), with its panels."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from alternance.views.mixins import StaffListView, int_param
from contracts import selectors
from contracts.choices import ContractStatus

urlpatterns: list = []  # the workflow actions are added below their views


class ContractListView(StaffListView):
    template_name = "contracts/contract_list.html"
    context_object_name = "contracts"
    filter_names = ("q", "status", "ending", "opco", "sort")

    def get_queryset(self):
        return selectors.contract_list(
            self.request.user,
            today=timezone.localdate(),
            q=self.filters["q"],
            status=self.filters["status"],
            ending_within_days=int_param(self.filters["ending"]),
            opco_pending=self.filters["opco"] == "pending",
            sort=self.filters["sort"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status_choices"] = ContractStatus.choices
        return context


def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The contract page: its data, then one panel per concern (each module fills its own context)."""
    from contracts.views import documents, opco, signatures

    contract = selectors.contract_get(request.user, pk)
    context = {"contract": contract, **selectors.contract_related(request.user, contract)}
    for panel in (opco, documents, signatures):
        context.update(panel.panel_context(request, contract))
    return render(request, "contracts/contract_detail.html", context)
