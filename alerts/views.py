"""The alerts register (read-only for now; validation and assignment come with the alerts issue). Staff only."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alerts import selectors
from alerts.choices import AlertStatus, Severity
from alternance.views.mixins import StaffListView, staff_only


class AlertListView(StaffListView):
    template_name = "alerts/alert_list.html"
    context_object_name = "alerts"
    filter_names = ("q", "status", "severity", "sort")

    def get_queryset(self):
        return selectors.alert_list(
            self.request.user,
            q=self.filters["q"],
            status=self.filters["status"],
            severity=self.filters["severity"],
            sort=self.filters["sort"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status_choices"] = AlertStatus.choices
        context["severity_choices"] = Severity.choices
        return context


def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    alert = selectors.alert_get(request.user, pk)
    context = {"alert": alert, **selectors.alert_related(request.user, alert)}
    return render(request, "alerts/alert_detail.html", context)
