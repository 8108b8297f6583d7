"""Apprentices: the staff list and the record page (also open to the apprentice and its employer)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from alternance import access, selectors
from alternance.attendance import services as absences
from alternance.choices import ApprenticeStatus
from alternance.views.mixins import StaffListView, int_param
from contracts.choices import PENDING_CONTRACT_STATUSES


class ApprenticeListView(StaffListView):
    export_name = "apprenti-es"
    export_header = (_("Nom"), _("Prénom"), _("Promotion"), _("Statut"), _("Depuis le"), _("E-mail"))

    def export_row(self, apprentice) -> tuple:
        return (apprentice.usage_name or apprentice.last_name, apprentice.first_name, apprentice.cohort.name,
                apprentice.get_status_display(), apprentice.status_since, apprentice.email)

    template_name = "alternance/apprentice_list.html"
    context_object_name = "apprentices"
    filter_names = ("q", "status", "cohort", "sort")

    def get_queryset(self):
        return selectors.apprentice_list(
            self.request.user,
            q=self.filters["q"],
            status=self.filters["status"],
            cohort_id=int_param(self.filters["cohort"]),
            sort=self.filters["sort"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status_choices"] = ApprenticeStatus.choices
        context["cohorts"] = selectors.cohort_choices(self.request.user)
        return context


def apprentice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    apprentice = selectors.apprentice_get(request.user, pk)
    user = request.user
    related = selectors.apprentice_related(user, apprentice)
    context = {
        "apprentice": apprentice,
        **related,
        # A learner without a company gets « Préparer le contrat »; one whose contract is being
        # prepared opens it (never a second draft).
        "pending_contract": next((c for c in related["contracts"] if c.status in PENDING_CONTRACT_STATUSES), None)
        if access.can_use_back_office(user) else None,
        "without_company": apprentice.status in (ApprenticeStatus.SEEKING, ApprenticeStatus.RUPTURANT),
        # Buttons shown only to who may use them (the views check the same predicates).
        "can_create_contract": access.can_create_contract(user),
        "can_plan_visit": access.can_plan_visit(user, apprentice),
        "can_record_attendance": access.can_record_attendance(user, apprentice),
        "can_place": access.can_use_placement_desk(user),
        "can_merge": access.can_merge_records(user),
        "can_review_justifications": access.can_review_justifications(user),
        # Monthly attendance statements (PDF), latest month first.
        "statement_months": absences.attendance_statement_months(user, apprentice),
    }
    return render(request, "alternance/apprentice_detail.html", context)
