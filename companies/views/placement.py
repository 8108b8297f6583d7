"""The placement desk: learners without a company by urgency, offers, suggested matches and the
pipeline per learner (proposed → interview → hired / refused), whose "hired" step opens a draft contract."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from alternance import access
from alternance.exports import EXPORT_FORMATS, export_response
from alternance.models import Programme
from alternance.views.mixins import (
    PAGE_SIZE,
    KeysFirstPaginator,
    StaffListView,
    drop_invalid_params,
    int_param,
    staff_only,
    warn_ignored,
)
from companies import selectors, services
from companies.choices import OfferStatus, PlacementStatus
from companies.forms import OfferForm, ProposeForm
from companies.models import Company, Placement
from companies.services import PLACEMENT_TRANSITIONS, PlacementError
from companies.views.crm import _add_errors
from contracts.choices import ContractStatus


def _desk_only(request: HttpRequest) -> None:
    """The desk and a learner's pipeline are the CREs' tool (and the coordinator's): other staff get
    403 before any object is looked up (issue 17 §15)."""
    staff_only(request.user)
    access.require(access.can_use_placement_desk(request.user))


def placement_desk(request: HttpRequest) -> HttpResponse:
    _desk_only(request)
    today = timezone.localdate()
    filters = {name: request.GET.get(name, "").strip() for name in ("q", "status", "programme")}
    ignored = drop_invalid_params(filters, {"programme": (int_param, _("Formation"))})
    learners = selectors.placement_desk(request.user, today=today, q=filters["q"], status=filters["status"],
                                        programme_id=int_param(filters["programme"]))
    fmt = request.GET.get("export", "")
    if fmt in EXPORT_FORMATS:
        header = (_("Apprenti·e"), _("Promotion"), _("Formation"), _("Statut"), _("Depuis le"), _("Jours"), _("Limite"),
                  _("Jours restants"), _("Propositions en cours"), _("Abandon selon le tableau de bord depuis le"))
        # The last column: the State's dashboard counts the learner as a dropout from that day
        # (90 days without a company after entering, issue 15 §12), as the desk's badge says.
        return export_response(fmt, name=f"placement-{today:%Y-%m-%d}", header=header, rows=(
            (r.apprentice.full_name, r.apprentice.cohort.name, r.apprentice.cohort.programme.title, r.apprentice.get_status_display(),
             r.apprentice.status_since, r.days, r.deadline, r.days_left, r.open_placements, r.tdb_dropout_since)
            for r in selectors.desk_rows(learners, today=today)
        ))
    # Keys first: a deep page sorts the learners' narrow keys, not the wide join with the open
    # proposals counted for every learner (issue 18 §2).
    page = KeysFirstPaginator(learners, PAGE_SIZE).get_page(request.GET.get("page"))
    warn_ignored(request, ignored)
    return render(request, "companies/placement_desk.html", {
        "rows": selectors.desk_rows(page.object_list, today=today), "page_obj": page, "paginator": page.paginator, "is_paginated": page.has_other_pages(),
        "filters": filters, "is_filtered": any(filters.values()), "today": today,
        "programmes": access.visible(request.user, Programme).order_by("title"),
    })


def _learner_context(request: HttpRequest, apprentice, *, form=None) -> dict:
    user = request.user
    placements = selectors.learner_placements(user, apprentice)
    for placement in placements:
        placement.can_move = access.can_move_placement(user, placement)
        placement.next_steps = [(s, PlacementStatus(s).label) for s in PLACEMENT_TRANSITIONS[placement.status]]
    return {
        "apprentice": apprentice,
        "placements": placements,
        "matches": selectors.suggested_matches(user, apprentice),
        "form": form or ProposeForm(user=user),
        "can_propose": selectors.proposable_companies(user).exists(),
        # The "hired" button says where the contract goes: opened (contract staff) or handed over (a CRE).
        "can_create_contract": access.can_create_contract(user),
    }


def placement_learner(request: HttpRequest, pk: int) -> HttpResponse:
    _desk_only(request)
    apprentice = selectors.learner_get(request.user, pk)
    initial = {}
    offer_id = int_param(request.GET.get("offer"))
    if offer_id:
        offer = selectors.offer_list(request.user).filter(pk=offer_id).first()
        if offer:
            initial = {"offer": offer.pk, "company": offer.company_id}
    form = ProposeForm(user=request.user, initial=initial)
    return render(request, "companies/placement_learner.html", _learner_context(request, apprentice, form=form))


@require_POST
def placement_propose(request: HttpRequest, pk: int) -> HttpResponse:
    _desk_only(request)
    apprentice = selectors.learner_get(request.user, pk)
    form = ProposeForm(request.POST, user=request.user)
    if form.is_valid():
        company = form.cleaned_data["company"]
        access.require(access.can_propose_placement(request.user, company))
        try:
            services.placement_propose(apprentice=apprentice, company=company, offer=form.cleaned_data["offer"],
                                       notes=form.cleaned_data["notes"], by=request.user, today=timezone.localdate())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("%(name)s est proposé·e à %(company)s.") % {"name": apprentice.full_name, "company": company.name})
            return redirect("companies:placement_learner", pk=apprentice.pk)
    return render(request, "companies/placement_learner.html", _learner_context(request, apprentice, form=form))


@require_POST
def placement_move(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    _desk_only(request)
    user = request.user
    placement = access.get_visible_or_404(user, Placement.objects.select_related("company", "apprentice__cohort__programme", "offer__programme"), pk=pk)
    access.require(access.can_move_placement(user, placement))
    may_edit_contracts = access.can_create_contract(user)
    try:
        placement = services.placement_move(placement=placement, to=to, by=user, today=timezone.localdate(),
                                            comment=request.POST.get("comment", ""), hand_over_contract=not may_edit_contracts)
    except PlacementError as error:
        messages.error(request, str(error))
        return redirect("companies:placement_learner", pk=placement.apprentice_id)
    if to == PlacementStatus.HIRED:
        return _after_hire(request, placement, may_edit_contracts=may_edit_contracts)
    messages.success(request, _("Étape enregistrée : %(step)s.") % {"step": PlacementStatus(to).label})
    return redirect("companies:placement_learner", pk=placement.apprentice_id)


def _after_hire(request: HttpRequest, placement: Placement, *, may_edit_contracts: bool) -> HttpResponse:
    """Where a hire leads: the learner's contract (existing or new draft) for who may edit it; the
    learner's pipeline for a CRE, told that the administrative team prepares the contract."""
    existing = placement.existing_contract
    handed = _("Le brouillon de contrat a été confié au service administratif.") if placement.handed_over else ""
    if existing is not None:
        if existing.company_id != placement.company_id:
            text = _("Embauche enregistrée. %(name)s a déjà un contrat « %(status)s » avec %(company)s : aucun second contrat "
                     "n'a été créé ; corrigez l'employeur de ce contrat s'il s'agit d'un brouillon.")
        elif existing.status == ContractStatus.DRAFT:
            text = _("Embauche enregistrée : le brouillon de contrat existant de %(name)s est repris, aucun second contrat n'a été créé.")
        else:
            text = _("Embauche enregistrée : %(name)s a déjà un contrat « %(status)s » avec %(company)s, aucun second contrat n'a été créé.")
        text %= {"name": placement.apprentice.full_name, "status": existing.get_status_display(), "company": existing.company.name}
        messages.success(request, f"{text} {handed}".strip())
        return redirect("contracts:contract_detail", pk=existing.pk)
    if placement.contract_id:
        if may_edit_contracts:
            messages.success(request, _("Embauche enregistrée : le contrat est créé en brouillon, complétez-le."))
            return redirect("contracts:contract_detail", pk=placement.contract_id)
        messages.success(request, f"{_('Embauche enregistrée.')} {handed}")
        return redirect("companies:placement_learner", pk=placement.apprentice_id)
    if may_edit_contracts:
        url = reverse("contracts:contract_create") + f"?apprentice={placement.apprentice_id}&company={placement.company_id}"
        messages.warning(request, format_html(
            "{} {} <a href=\"{}\">{}</a>",
            _("Embauche enregistrée, mais le brouillon de contrat n'a pas pu être créé :"), placement.contract_error, url,
            _("Créer le contrat à partir de la fiche de l'apprenti·e"),
        ))
    else:
        messages.warning(request, _("Embauche enregistrée. Le contrat n'a pas pu être préparé automatiquement (%(error)s) : "
                                    "il a été confié au service administratif.") % {"error": placement.contract_error})
    return redirect("companies:placement_learner", pk=placement.apprentice_id)


class OfferListView(StaffListView):
    template_name = "companies/offer_list.html"
    context_object_name = "offers"
    filter_names = ("q", "status", "programme")
    typed_filters = {"programme": (int_param, gettext_lazy("Formation"))}

    export_name = "offres"
    export_header = (gettext_lazy("Entreprise"), gettext_lazy("Commune"), gettext_lazy("Formation"), gettext_lazy("Places"),
                     gettext_lazy("Embauches"), gettext_lazy("Début"), gettext_lazy("Fin"), gettext_lazy("État"))

    def export_row(self, o) -> tuple:
        return (o.company.name, o.company.city, o.programme.title, o.places, o.hired, o.start_date, o.end_date, o.get_status_display())

    def get_queryset(self):
        f = self.filters
        return selectors.offer_list(self.request.user, q=f["q"], status=f["status"], programme_id=int_param(f["programme"]))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            status_choices=OfferStatus.choices,
            programmes=access.visible(user, Programme).order_by("title"),
            can_create=selectors.proposable_companies(user).exists(),
        )
        for offer in context["offers"]:
            offer.can_manage = access.can_manage_offer(user, offer.company)
        return context


def offer_create(request: HttpRequest) -> HttpResponse:
    staff_only(request.user)
    # Only users with at least one company whose offers they manage (coordinator, CREs).
    access.require(selectors.proposable_companies(request.user).exists())
    initial = {}
    company_id = int_param(request.GET.get("company"))
    if company_id:
        initial["company"] = company_id
    form = OfferForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        company: Company = form.cleaned_data["company"]
        access.require(access.can_manage_offer(request.user, company))
        data = {name: form.cleaned_data[name] for name in services.OFFER_FIELDS}
        try:
            services.offer_create(company=company, by=request.user, **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Offre créée."))
            return redirect("companies:company_detail", pk=company.pk)
    return render(request, "companies/offer_form.html", {"form": form, "offer": None})


def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    offer = selectors.offer_get(request.user, pk)
    access.require(access.can_manage_offer(request.user, offer.company))
    form = OfferForm(request.POST or None, instance=offer, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.OFFER_FIELDS}
        try:
            services.offer_update(offer=offer, by=request.user, **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Offre modifiée."))
            return redirect("companies:company_detail", pk=offer.company_id)
    return render(request, "companies/offer_form.html", {"form": form, "offer": offer})


@require_POST
def offer_close(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    offer = selectors.offer_get(request.user, pk)
    access.require(access.can_manage_offer(request.user, offer.company))
    try:
        services.offer_close(offer=offer, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Offre fermée."))
    return redirect("companies:company_detail", pk=offer.company_id)
