"""CRM pages (read-only for now): the companies list and a company's page. Staff only."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alternance.views.mixins import StaffListView, staff_only
from companies import selectors


class CompanyListView(StaffListView):
    template_name = "companies/company_list.html"
    context_object_name = "companies"
    filter_names = ("q", "mine", "sensitive", "sort")

    def get_queryset(self):
        return selectors.company_list(
            self.request.user,
            q=self.filters["q"],
            mine=self.filters["mine"] == "1",
            sensitive=self.filters["sensitive"] == "1",
            sort=self.filters["sort"],
        )


def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    company = selectors.company_get(request.user, pk)
    context = {"company": company, **selectors.company_related(request.user, company)}
    return render(request, "companies/company_detail.html", context)
