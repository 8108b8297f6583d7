"""Apprentice records (issue 13 §2): the staff list and the record page (also open to the
apprentice and its employer), creating a record with its duplicate check, editing it (the whole
record, or its contact details for a cohort's tutor), leaving the OF and coming back, and the
extranet page « Mes coordonnées » (an apprentice's phone and address, an employer contact's phone).

Objects are fetched through the access policy (outside the scope → 404) and actions checked with
its predicates (in scope, not allowed → 403); ``apprentices.services`` writes.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from alternance import access, selectors
from alternance.apprentices import selectors as apprentice_selectors
from alternance.apprentices import services
from alternance.apprentices.forms import ApprenticeForm, ContactForm, LeaveForm, OwnDetailsForm, OwnPhoneForm
from alternance.attendance import services as absences
from alternance.catalogue.selectors import cohorts_for_new_records
from alternance.choices import ApprenticeStatus, Role
from alternance.history.selectors import history_for
from alternance.search.fields import cohort_filter_form
from alternance.tdb_status import counted_as_dropout_by_tdb, tdb_dropout_day
from alternance.views.mixins import StaffListView, int_param, staff_only
from contracts.choices import PENDING_CONTRACT_STATUSES


def _form_errors(form, error: ValidationError) -> None:
    """A service's validation errors on the form: on the fields it has, else on the whole form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- list and record page ------------------------------------------------------------------------------


class ApprenticeListView(StaffListView):
    export_name = "apprenti-es"
    export_header = (gettext_lazy("Nom"), gettext_lazy("Prénom"), gettext_lazy("Promotion"), gettext_lazy("Statut"),
                     gettext_lazy("Depuis le"), gettext_lazy("E-mail"))

    def export_row(self, apprentice) -> tuple:
        return (apprentice.usage_name or apprentice.last_name, apprentice.first_name, apprentice.cohort.name,
                apprentice.get_status_display(), apprentice.status_since, apprentice.email)

    template_name = "alternance/apprentice_list.html"
    context_object_name = "apprentices"
    filter_names = ("q", "status", "cohort", "cohort__q", "sort")
    typed_filters = {"cohort": (int_param, gettext_lazy("Promotion"))}

    def list_filter_form(self):
        return cohort_filter_form(self.filters, self.request.user)

    def get_queryset(self):
        return selectors.apprentice_list(
            self.request.user,
            q=self.filters["q"],
            status=self.filters["status"],
            cohort_id=self.chosen["cohort"],
            sort=self.filters["sort"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status_choices"] = selectors.APPRENTICE_STATUS_FILTERS
        context["can_create_apprentice"] = access.can_create_apprentice(self.request.user)
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
        # The State's dashboard counts a learner without any contract as a dropout 90 days after
        # entry (alternance.tdb_status): staff see it before the State's figures do.
        "tdb_dropout_since": tdb_dropout_day(apprentice.training_start_date) if access.can_use_back_office(user)
        and counted_as_dropout_by_tdb(status=apprentice.status, training_start=apprentice.training_start_date,
                                      today=timezone.localdate()) else None,
        "tdb_dropout_days": settings.TDB_DROPOUT_WITHOUT_CONTRACT_DAYS,
        "can_merge": access.can_merge_records(user),
        # Buttons shown only to who may use them (the views check the same predicates).
        "can_create_contract": access.can_create_contract(user),
        "can_plan_visit": access.can_plan_visit(user, apprentice),
        "can_record_attendance": access.can_record_attendance(user, apprentice),
        "can_place": access.can_use_placement_desk(user),
        "can_review_justifications": access.can_review_justifications(user),
        "can_open_absences": access.can_use_back_office(user),
        "can_edit": access.can_edit_apprentice(user, apprentice),
        "can_edit_contact": access.can_edit_apprentice_contact(user, apprentice),
        "can_leave": access.can_leave_apprentice(user, apprentice),
        "can_reopen": access.can_reopen_apprentice(user, apprentice),
        # Monthly attendance statements (PDF), latest month first.
        "statement_months": absences.attendance_statement_months(user, apprentice),
        # Who changed what on this record (staff only; None for the extranet).
        "history": history_for(user, apprentice),
    }
    return render(request, "alternance/apprentice_detail.html", context)


# --- creating and editing ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def apprentice_create(request: HttpRequest) -> HttpResponse:
    """A new learner « without company », with the duplicate check (same INE: refused; same name and
    birth date: shown, with « Créer quand même » for a homonym)."""
    staff_only(request.user)
    access.require(access.can_create_apprentice(request.user))
    # Only cohorts a learner may still join (not archived, not ended): the catalogue's one definition.
    cohorts = cohorts_for_new_records(request.user, today=timezone.localdate())
    form = ApprenticeForm(request.POST or None, cohorts=cohorts, creating=True)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        try:
            apprentice = services.apprentice_create(
                data=form.record_data(), cohort=form.cleaned_data["cohort"],
                enrolment_date=form.cleaned_data["enrolment_date"], training_start_date=form.cleaned_data["training_start_date"],
                nir=form.cleaned_data["nir"], confirm_homonym=form.cleaned_data["confirm_homonym"],
                by=request.user, today=timezone.localdate(),
            )
        except services.DuplicateApprentice as error:
            duplicates = error.duplicates
            form.add_error("ine" if duplicates.same_ine else None, error.messages)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("La fiche de %(name)s est créée : « en recherche d'entreprise » depuis le %(day)s.") % {
                "name": apprentice.full_name, "day": f"{apprentice.status_since:%d/%m/%Y}"})
            return redirect("apprentice_detail", pk=apprentice.pk)
    # « Créer quand même » is offered for homonyms only (a same INE is never created twice), and kept once ticked.
    same_ine = bool(duplicates and duplicates.same_ine)
    show_confirm = not same_ine and (bool(duplicates) or bool(form["confirm_homonym"].value()))
    context = {"form": form, "duplicates": duplicates, "creating": True, "show_confirm": show_confirm}
    return render(request, "alternance/apprentices/form.html", context)


@require_http_methods(["GET", "POST"])
def apprentice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole record for the coordinator and admin staff; the contact details only for the
    referent tutor of the apprentice's cohort."""
    staff_only(request.user)
    apprentice = apprentice_selectors.apprentice_for_edit(request.user, pk)
    whole = access.can_edit_apprentice(request.user, apprentice)
    access.require(whole or access.can_edit_apprentice_contact(request.user, apprentice))
    if whole:
        cohorts = cohorts_for_new_records(request.user, today=timezone.localdate(), keeping=apprentice.cohort_id)
        form = ApprenticeForm(request.POST or None, instance=apprentice, cohorts=cohorts, creating=False)
    else:
        form = ContactForm(request.POST or None, instance=apprentice)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        try:
            if whole:
                services.apprentice_update(
                    apprentice=apprentice, data=form.values(), nir=form.cleaned_data["nir"],
                    clear_nir=form.cleaned_data.get("clear_nir", False), by=request.user, today=timezone.localdate(),
                )
            else:
                services.apprentice_contact_update(apprentice=apprentice, data=form.values(), by=request.user)
        except services.DuplicateApprentice as error:
            duplicates = error.duplicates
            form.add_error("ine", error.messages)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("La fiche de %(name)s est enregistrée.") % {"name": apprentice.full_name})
            return redirect("apprentice_detail", pk=apprentice.pk)
    context = {"form": form, "apprentice": apprentice, "duplicates": duplicates, "creating": False, "whole": whole}
    return render(request, "alternance/apprentices/form.html", context)


# --- leaving the OF, coming back ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def apprentice_leave(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    apprentice = apprentice_selectors.apprentice_for_edit(request.user, pk)
    access.require(access.can_leave_apprentice(request.user, apprentice))
    today = timezone.localdate()
    form = LeaveForm(request.POST or None, initial={"day": today})
    if request.method == "POST" and form.is_valid():
        try:
            services.apprentice_leave(
                apprentice=apprentice, day=form.cleaned_data["day"], reason=form.cleaned_data["reason"], by=request.user, today=today,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("%(name)s a quitté l'OF le %(day)s. La fiche reste consultable (filtre « Sorti·es de l'OF »).") % {
                "name": apprentice.full_name, "day": f"{form.cleaned_data['day']:%d/%m/%Y}"})
            return redirect("apprentice_detail", pk=apprentice.pk)
    return render(request, "alternance/apprentices/leave.html", {"form": form, "apprentice": apprentice})


@require_POST
def apprentice_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    apprentice = apprentice_selectors.apprentice_for_edit(request.user, pk)
    access.require(access.can_reopen_apprentice(request.user, apprentice))
    try:
        services.apprentice_reopen(apprentice=apprentice, by=request.user, today=timezone.localdate())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s est de nouveau inscrit·e à l'OF (statut : %(status)s).") % {
            "name": apprentice.full_name, "status": ApprenticeStatus(apprentice.status).label})
    return redirect("apprentice_detail", pk=apprentice.pk)


# --- extranet: « Mes coordonnées » ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def my_details(request: HttpRequest) -> HttpResponse:
    """An apprentice edits its own phone and address; an employer contact its own phone. Nothing else,
    nobody else's (staff edit records from the back office)."""
    user = request.user
    if not access.can_edit_own_details(user):
        raise PermissionDenied
    if user.role == Role.APPRENTICE:
        apprentice = apprentice_selectors.own_apprentice(user)
        form = OwnDetailsForm(request.POST or None, instance=apprentice)
        contacts = []
    else:
        apprentice = None
        contacts = apprentice_selectors.own_contacts(user)
        form = OwnPhoneForm(request.POST or None, initial={"phone": contacts[0].phone if contacts else ""})
    if request.method == "POST" and form.is_valid():
        try:
            if apprentice is not None:
                services.apprentice_own_details_update(apprentice=apprentice, data=form.values(), by=user)
            else:
                services.contact_own_phone_update(user=user, phone=form.cleaned_data["phone"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Vos coordonnées sont enregistrées."))
            return redirect("my_details")
    context = {"form": form, "apprentice": apprentice, "contacts": contacts}
    return render(request, "alternance/apprentices/my_details.html", context)
