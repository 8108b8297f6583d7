"""Company and contact records (issue 13): create a company by its SIRET (duplicates lead to the
existing one), edit, archive and restore it; add, edit, deactivate and reactivate its contacts."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from alternance import access
from alternance.views.mixins import staff_only
from companies import selectors, services
from companies.forms import ArchiveForm, CompanyForm, ContactForm
from companies.views.crm import _add_errors, _detail_context


def _company_data(form: CompanyForm) -> dict:
    data = {name: form.cleaned_data[name] for name in services.COMPANY_FIELDS}
    if "owner_cre" in form.fields:
        data["owner_cre"] = form.cleaned_data["owner_cre"]
    return data


def _apply_service_errors(form, error: ValidationError) -> None:
    """A duplicate SIRET found by the service (typed meanwhile by someone else) also offers the link."""
    _add_errors(form, error)
    if isinstance(form, CompanyForm) and "siret" in form.errors:
        form.duplicate = services.company_with_siret(form.data.get("siret", ""), exclude_pk=form.instance.pk)


def company_create(request: HttpRequest) -> HttpResponse:
    staff_only(request.user)
    access.require(access.can_create_company(request.user))
    form = CompanyForm(request.POST or None, user=request.user, can_choose_owner=access.can_reassign_portfolios(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_create(by=request.user, **_company_data(form))
        except ValidationError as error:
            _apply_service_errors(form, error)
        else:
            messages.success(request, _("Entreprise « %(name)s » créée.") % {"name": company.name})
            return redirect("companies:company_detail", pk=company.pk)
    return render(request, "companies/company_form.html", {"form": form, "company": None})


def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    company = selectors.company_get(request.user, pk)
    access.require(access.can_edit_company(request.user, company))
    form = CompanyForm(
        request.POST or None, instance=company, user=request.user, can_choose_owner=access.can_reassign_company(request.user, company)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.company_update(company=company, by=request.user, **_company_data(form))
        except ValidationError as error:
            _apply_service_errors(form, error)
        else:
            messages.success(request, _("Fiche de l'entreprise enregistrée."))
            return redirect("companies:company_detail", pk=company.pk)
    return render(request, "companies/company_form.html", {"form": form, "company": selectors.company_get(request.user, pk)})


@require_POST
def company_archive(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    company = selectors.company_get(request.user, pk)
    access.require(access.can_archive_company(request.user, company))
    form = ArchiveForm(request.POST)
    if form.is_valid():
        try:
            services.company_archive(company=company, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Entreprise archivée : elle ne figure plus dans les listes ni les choix, sa fiche reste consultable."))
            return redirect("companies:company_detail", pk=company.pk)
    return render(request, "companies/company_detail.html", _detail_context(request, company, archive_form=form), status=200)


@require_POST
def company_restore(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    company = selectors.company_get(request.user, pk)
    access.require(access.can_archive_company(request.user, company))
    try:
        services.company_restore(company=company, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Entreprise restaurée : elle figure de nouveau dans les listes."))
    return redirect("companies:company_detail", pk=company.pk)


def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    company = selectors.company_get(request.user, pk)
    access.require(access.can_manage_contacts(request.user, company))
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.CONTACT_FIELDS}
        try:
            contact = services.contact_create(company=company, by=request.user, **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Contact « %(name)s » ajouté.") % {"name": contact.full_name})
            return redirect(f"{_company_url(company.pk)}#contact-{contact.pk}")
    return render(request, "companies/contact_form.html", {
        "form": form, "company": company, "contact": None, "existing": _existing_contact(form, company),
    })


def _company_url(pk: int) -> str:
    return reverse("companies:company_detail", args=[pk])


def _existing_contact(form, company):
    if "email" in form.errors:
        return services.same_email_contact(company, form.data.get("email", ""), exclude_pk=form.instance.pk)
    return None


def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    contact = selectors.contact_get(request.user, pk)
    company = contact.company
    access.require(access.can_manage_contacts(request.user, company))
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.CONTACT_FIELDS}
        try:
            services.contact_update(contact=contact, by=request.user, **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Fiche de %(name)s enregistrée.") % {"name": f"{data['first_name']} {data['last_name']}"})
            return redirect(f"{_company_url(company.pk)}#contact-{contact.pk}")
    return render(request, "companies/contact_form.html", {
        "form": form, "company": company, "contact": selectors.contact_get(request.user, pk),
        "existing": _existing_contact(form, company),
    })


@require_POST
def contact_set_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    staff_only(request.user)
    contact = selectors.contact_get(request.user, pk)
    access.require(access.can_manage_contacts(request.user, contact.company))
    try:
        services.contact_set_active(contact=contact, by=request.user, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if active:
            messages.success(request, _("%(name)s est de nouveau un contact actif.") % {"name": contact.full_name})
        else:
            messages.success(request, _("%(name)s est désactivé·e : son accès à l'extranet de cette entreprise est fermé.")
                             % {"name": contact.full_name})
            supervised = len(selectors.master_apprentices(today=timezone.localdate(), masters=[contact.pk]).get(contact.pk, {}))
            if supervised:
                messages.warning(request, ngettext(
                    "%(count)s apprenti·e sous contrat a encore cette personne pour maître d'apprentissage : "
                    "faites un avenant de changement de maître d'apprentissage.",
                    "%(count)s apprenti·es sous contrat ont encore cette personne pour maître d'apprentissage : "
                    "faites un avenant de changement de maître d'apprentissage pour chacun·e.",
                    supervised,
                ) % {"count": supervised})
    return redirect(f"{_company_url(contact.company_id)}#contact-{contact.pk}")
