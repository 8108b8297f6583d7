"""Contract pages: the staff list, the contract page (also for its parties) with its checklist and
workflow actions, and the create / edit forms of the admin staff's workspace."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from alternance import access
from alternance.exports import EXPORT_FORMATS, export_response
from alternance.history.selectors import history_for
from alternance.models import Apprentice
from alternance.search.fields import cohort_filter_form
from alternance.views.mixins import StaffListView, date_param, int_param, staff_only
from companies.models import Company
from companies.services import first_master
from contracts import selectors, services
from contracts.choices import ContractStatus as S
from contracts.forms import (
    AmendmentForm,
    BackToDraftForm,
    CommentForm,
    ContractForm,
    OpcoDecisionForm,
    RuptureForm,
    SendToOpcoForm,
    SignedForm,
)
from contracts.models import Contract
from contracts.services import ContractTransitionError, RuptureInput

# « Finissant dans les N prochains jours »: ten years at most, longer than any contract (and far
# below what a timedelta holds).
ENDING_DAYS_MAX = 3660


class ContractListView(StaffListView):
    export_name = "contrats"
    export_header = tuple(gettext_lazy(h) for h in ("Apprenti·e", "Entreprise", "SIRET", "Formation", "État", "Début", "Fin"))
    template_name = "contracts/contract_list.html"

    def export_row(self, contract) -> tuple:
        return (contract.apprentice.full_name, contract.company.name, contract.company.siret, contract.programme.title,
                contract.get_status_display(), contract.start_date, contract.end_date)
    context_object_name = "contracts"
    filter_names = ("q", "status", "ending", "opco", "cohort", "cohort__q", "company_opco", "missing", "rupture_du", "rupture_au", "sort")

    def list_filter_form(self):
        return cohort_filter_form(self.filters, self.request.user)
    typed_filters = {
        "ending": (partial(int_param, maximum=ENDING_DAYS_MAX), gettext_lazy("Contrats finissant bientôt")),
        "cohort": (int_param, gettext_lazy("Promotion")),
        "rupture_du": (date_param, gettext_lazy("Période de ruptures (début)")),
        "rupture_au": (date_param, gettext_lazy("Période de ruptures (fin)")),
    }

    def get_queryset(self):
        return selectors.contract_list(
            self.request.user,
            today=timezone.localdate(),
            q=self.filters["q"],
            status=self.filters["status"],
            ending_within_days=int_param(self.filters["ending"]),
            opco_pending=self.filters["opco"] == "pending",
            cohort_id=self.chosen["cohort"],
            company_opco=self.filters["company_opco"],
            missing=self.filters["missing"],
            rupture_from=date_param(self.filters["rupture_du"]),
            rupture_to=date_param(self.filters["rupture_au"]),
            sort=self.filters["sort"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.contract_list_choices(self.request.user))
        context["can_create"] = access.can_create_contract(self.request.user)
        context["rupture_from"] = date_param(self.filters["rupture_du"])
        context["rupture_to"] = date_param(self.filters["rupture_au"])
        return context


# --- the contract page ---------------------------------------------------------------------------

# Workflow actions: form, service call, and the statuses where each is offered.
Action = tuple[type, Callable[..., Contract], tuple[str, ...], str]


def _rupture(contract, data, user, today):
    rupture = RuptureInput(
        rupture_date=data["rupture_date"], kind=data["kind"], initiative=data["initiative"], cause=data["cause"],
        dismissal_ground=data["dismissal_ground"], mediator_referral_date=data["mediator_referral_date"],
        employer_informed_date=data["employer_informed_date"],
        opco_notified_date=data["opco_notified_date"],
    )
    return services.contract_record_rupture(contract=contract, by=user, rupture=rupture, today=today)


def _form_kwargs(form_class: type, contract: Contract) -> dict:
    """The rupture form offers the rupture kinds of the contract's own kind."""
    return {"contract": contract} if form_class is RuptureForm else {}


ACTIONS: dict[str, Action] = {
    "request_signatures": (
        CommentForm,
        lambda c, d, u, t: services.contract_request_signatures(contract=c, by=u, today=t, comment=d["comment"]),
        (S.DRAFT,), _("Passer en signature"),
    ),
    "signed": (
        SignedForm,
        lambda c, d, u, t: services.contract_mark_signed(contract=c, by=u, signature_date=d["signature_date"], today=t, comment=d["comment"]),
        (S.AWAITING_SIGNATURES,), _("Enregistrer la signature"),
    ),
    "back_to_draft": (
        BackToDraftForm,
        lambda c, d, u, t: services.contract_back_to_draft(contract=c, by=u, comment=d["comment"]),
        (S.AWAITING_SIGNATURES, S.REFUSED), _("Repasser en brouillon"),
    ),
    "send_to_opco": (
        SendToOpcoForm,
        lambda c, d, u, t: services.contract_send_to_opco(contract=c, by=u, sent_date=d["sent_date"], today=t, comment=d["comment"]),
        (S.SIGNED, S.REFUSED), _("Transmettre à l'OPCO"),
    ),
    "opco_decision": (
        OpcoDecisionForm,
        lambda c, d, u, t: services.contract_record_opco_decision(
            contract=c, by=u, accepted=d["accepted"], decision_date=d["decision_date"], today=t,
            deposit_number=d["deposit_number"], complete_file_date=d["complete_file_date"], comment=d["comment"],
        ),
        (S.SENT_TO_OPCO,), _("Enregistrer la décision de l'OPCO"),
    ),
    "start": (
        CommentForm,
        lambda c, d, u, t: services.contract_start_execution(contract=c, by=u, today=t, comment=d["comment"]),
        (S.ACCEPTED,), _("Marquer en cours"),
    ),
    "end": (
        CommentForm,
        lambda c, d, u, t: services.contract_end(contract=c, by=u, today=t, comment=d["comment"]),
        (S.IN_PROGRESS,), _("Clore le contrat"),
    ),
    "rupture": (RuptureForm, _rupture, (S.SIGNED, S.SENT_TO_OPCO, S.ACCEPTED, S.IN_PROGRESS), _("Enregistrer une rupture")),
    "amendment": (
        AmendmentForm,
        lambda c, d, u, t: services.contract_create_amendment(
            contract=c, by=u, contract_type=d["contract_type"], effective_date=d["effective_date"], comment=d["comment"]
        ),
        (S.SIGNED, S.SENT_TO_OPCO, S.ACCEPTED, S.IN_PROGRESS), _("Créer un avenant"),
    ),
}


# A public employer's contract is deposited with the DDETS (issue 15 §6): the same steps, named so.
PUBLIC_EMPLOYER_ACTION_LABELS = {
    "send_to_opco": _("Enregistrer le dépôt auprès de la DDETS"),
    "opco_decision": _("Enregistrer la réponse de la DDETS"),
}


def _detail_context(request: HttpRequest, contract: Contract, *, bound: tuple[str, object] | None = None, problems=()) -> dict:
    from contracts.views import documents, opco, signatures

    today = timezone.localdate()
    user = request.user
    context = {"contract": contract, **selectors.contract_related(user, contract)}
    if access.can_use_back_office(user):
        stage = "signature" if contract.status in (S.DRAFT, S.AWAITING_SIGNATURES) else "opco"
        context["preflight"] = selectors.contract_preflight(contract, stage=stage, today=today)
        context["preflight_stage"] = stage
        context["remuneration"] = selectors.contract_remuneration(contract)
        # The aid the employer is entitled to under the rules in force at the contract's date (issue 15 §10).
        context["hiring_aid"] = selectors.contract_hiring_aid_of(user, contract)
    if access.can_transition_contract(user, contract):
        actions = []
        for name, (form_class, _call, statuses, label) in ACTIONS.items():
            if contract.status in statuses:
                form = bound[1] if bound and bound[0] == name else form_class(prefix=name, **_form_kwargs(form_class, contract))
                if not contract.goes_through_opco:
                    label = PUBLIC_EMPLOYER_ACTION_LABELS.get(name, label)
                actions.append({"name": name, "label": label, "form": form, "open": bool(bound and bound[0] == name)})
        context["actions"] = actions
        context["action_problems"] = problems
        context["can_edit"] = contract.status in services.EDITABLE_STATUSES and access.can_edit_contract(user, contract)
    for panel in (opco, documents, signatures):
        context.update(panel.panel_context(request, contract))
    # Who changed what on the contract (staff only: employers and apprentices see this page too).
    context["history"] = history_for(user, contract)
    return context


def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The contract page: its data, the checklist and actions for staff, then one panel per concern."""
    contract = selectors.contract_get(request.user, pk)
    return render(request, "contracts/contract_detail.html", _detail_context(request, contract))


@require_POST
def contract_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one workflow action; on an error the page comes back with the form as typed (400)."""
    contract = selectors.contract_get(request.user, pk)
    access.require(access.can_transition_contract(request.user, contract))
    if action not in ACTIONS:
        raise Http404
    form_class, call, statuses, _label = ACTIONS[action]
    form = form_class(request.POST, prefix=action, **_form_kwargs(form_class, contract))
    if form.is_valid():
        try:
            result = call(contract, form.cleaned_data, request.user, timezone.localdate())
        except ContractTransitionError as error:
            messages.error(request, str(error))
            context = _detail_context(request, contract, bound=(action, form), problems=error.problems)
            return render(request, "contracts/contract_detail.html", context, status=400)
        messages.success(request, _("C'est fait : le contrat est maintenant « %(status)s ».") % {"status": result.status_label})
        return redirect("contracts:contract_detail", pk=result.pk)
    messages.error(request, _("Le formulaire contient des erreurs : corrigez les champs signalés."))
    return render(request, "contracts/contract_detail.html", _detail_context(request, contract, bound=(action, form)), status=400)


# --- create and edit -------------------------------------------------------------------------------

def _initial_from_apprentice(request: HttpRequest) -> dict:
    """Creating from an apprentice's page: its cohort gives the programme and the training dates
    (and the contract's end by default); from a hire, the employer and its first maître
    d'apprentissage come too (``?company=``)."""
    initial = {}
    company_id = int_param(request.GET.get("company"))
    company = access.visible(request.user, Company).filter(pk=company_id, archived_at__isnull=True).first() if company_id else None
    if company is not None:
        initial["company"] = company.pk
        master = first_master(company)
        if master is not None:
            initial["master"] = master.pk
    apprentice_id = int_param(request.GET.get("apprentice"))
    if not apprentice_id:
        return initial
    apprentice = access.visible(request.user, Apprentice).select_related("cohort__programme").filter(pk=apprentice_id).first()
    if apprentice is None:
        return initial
    cohort = apprentice.cohort
    return {
        **initial, "apprentice": apprentice.pk, "programme": cohort.programme_id, "training_start_date": cohort.start_date,
        "exams_end_date": cohort.exams_end_date, "training_hours": cohort.programme.training_hours,
        "end_date": cohort.end_date,
    }


def contract_create(request: HttpRequest) -> HttpResponse:
    staff_only(request.user)
    access.require(access.can_create_contract(request.user))
    if request.method == "POST":
        form = ContractForm(request.POST, user=request.user)
        if form.is_valid():
            contract = services.contract_create(by=request.user, **form.cleaned_data)
            messages.success(request, _("Contrat créé en brouillon : complétez la liste de contrôle avant la signature."))
            return redirect("contracts:contract_detail", pk=contract.pk)
    else:
        form = ContractForm(initial=_initial_from_apprentice(request), user=request.user)
    return render(request, "contracts/contract_form.html", {"form": form, "contract": None})


def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(request.user, pk)
    access.require(access.can_edit_contract(request.user, contract))
    if contract.status not in services.EDITABLE_STATUSES:
        messages.error(request, _("Un contrat « %(status)s » ne se modifie plus : créez un avenant.") % {"status": contract.get_status_display()})
        return redirect("contracts:contract_detail", pk=pk)
    if request.method == "POST":
        form = ContractForm(request.POST, instance=Contract.objects.get(pk=pk), user=request.user)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in services.CONTRACT_FORM_FIELDS}
            try:
                services.contract_update(contract=contract, by=request.user, **fields)
            except ContractTransitionError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Contrat enregistré."))
                return redirect("contracts:contract_detail", pk=pk)
    else:
        form = ContractForm(instance=contract, user=request.user)
    return render(request, "contracts/contract_form.html", {"form": form, "contract": contract})


def hiring_aid_export(request: HttpRequest) -> HttpResponse:
    """The hiring aid of every apprenticeship contract the user sees, for the CRE (CSV or XLSX)."""
    staff_only(request.user)
    access.require(access.can_use_back_office(request.user))
    fmt = request.GET.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        raise Http404
    header = (_("Apprenti·e"), _("Entreprise"), _("SIRET"), _("Effectif"), _("Formation"), _("Niveau"), _("RQTH"),
              _("Contrat conclu le"), _("Aide"), _("Montant 1re année (€)"), _("Source"), _("À vérifier"), _("Observation"))
    rows = []
    for contract, aid in selectors.hiring_aid_rows(request.user):
        programme = contract.programme or contract.apprentice.cohort.programme
        rows.append((
            contract.apprentice.full_name, contract.company.name, contract.company.siret, contract.company.headcount,
            programme.title, programme.level, _("oui") if contract.apprentice.rqth else _("non"), aid.day,
            aid.rule.label if aid.entitled else "", aid.amount, aid.rule.source if aid.entitled else "",
            (_("oui") if aid.to_check else _("non")) if aid.entitled else "", "" if aid.entitled else aid.reason,
        ))
    return export_response(fmt, name=f"aides-embauche-{timezone.localdate():%Y-%m-%d}", header=header, rows=rows)


urlpatterns = [
    path("aides-embauche/export/", hiring_aid_export, name="hiring_aid_export"),
    path("nouveau/", contract_create, name="contract_create"),
    path("<int:pk>/modifier/", contract_edit, name="contract_edit"),
    path("<int:pk>/action/<slug:action>/", contract_action, name="contract_action"),
]
