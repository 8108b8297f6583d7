"""OPCO follow-up: the staff board (what is due by when, with CSV/XLSX export), the OPCO panel of
the contract page and its small POST-only actions.

The actions answer htmx requests with the refreshed panel (``#panel-opco``) and plain form posts
with a redirect to the contract page; an invalid form re-renders the panel (or the whole contract
page without JavaScript) with the input kept and the French errors next to their fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, resolve, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alternance import access
from alternance.exports import XLSX_CONTENT_TYPE, SafeCsvWriter, xlsx_bytes
from alternance.views.mixins import StaffListView
from contracts import opco, selectors
from contracts.choices import DocumentKind
from contracts.forms_opco import EmployerParticipationForm, InvoiceForm, OpcoFileForm, PaymentForm, ReminderForm
from contracts.models import Contract, Document, OpcoFile, OpcoInstalment
from contracts.pdf import InstalmentPeriod, instalment_period

PANEL_TEMPLATE = "contracts/panels/opco.html"
EXPORT_FORMATS = ("csv", "xlsx")


# --- the board -----------------------------------------------------------------------------------

class OpcoBoardView(StaffListView):
    """What is due on the OPCO files, tab by tab, for the staff (scoped by the access policy)."""

    template_name = "contracts/opco/board.html"
    context_object_name = "rows"
    # ``etape`` narrows the "late" tab to one stage: the dashboard's and the weekly page's late
    # figures by stage open exactly the rows they count.
    filter_names = ("filter", "etape")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if self.filters["filter"] not in opco.BOARD_FILTERS:
            self.filters["filter"] = opco.DEFAULT_BOARD_FILTER
        if self.filters["filter"] != opco.BoardFilter.LATE or self.filters["etape"] not in opco.BOARD_FILTERS:
            self.filters["etape"] = ""
        self.today = timezone.localdate()

    def get(self, request, *args, **kwargs):
        # ``format`` is the board's own links' parameter; ``export`` the one of every other list.
        export = request.GET.get("format") or request.GET.get("export", "")
        if export in EXPORT_FORMATS:
            rows = self.get_queryset()
            return export_csv(request, rows, self) if export == "csv" else export_xlsx(request, rows, self)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        # One page of one tab: the items are counted, ordered and sliced in SQL (``opco.Board``),
        # and only the rows shown are built; the badges are the same selector's counts.
        if not access.can_use_back_office(self.request.user):
            return []
        self.board = opco.Board(self.request.user, today=self.today)
        return opco.BoardList(self.board, self.filters["filter"], stage=self.filters["etape"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current = self.filters["filter"]
        counts = self.board.tab_counts() if hasattr(self, "board") else {}
        context["tabs"] = [
            {"key": key, "label": label, "count": counts.get(key, 0), "active": key == current}
            for key, label in opco.BOARD_FILTERS.items()
        ]
        context["current_label"] = opco.BOARD_FILTERS[current]
        context["stage_label"] = opco.BOARD_FILTERS.get(self.filters["etape"], "")
        context["today"] = self.today
        context["is_filtered"] = bool(self.filters["etape"])
        return context

    def download_name(self, extension: str) -> str:
        return f"suivi-opco-{self.filters['filter']}-{self.today:%Y-%m-%d}.{extension}"


def export_header() -> list[str]:
    return [
        _("Apprenti·e"), _("Entreprise"), _("OPCO"), _("Étape"), _("À faire"), _("Montant (€)"),
        _("Échéance"), _("Retard (jours, négatif = jours restants)"), _("Contrat"),
    ]


def _export_values(request: HttpRequest, row: opco.BoardRow) -> list:
    return [
        row.contract.apprentice.full_name,
        row.contract.company.name,
        row.opco,
        row.contract.get_status_display(),
        row.what,
        row.amount,
        row.deadline,
        row.days,
        request.build_absolute_uri(reverse("contracts:contract_detail", args=[row.contract.pk])),
    ]


def export_csv(request: HttpRequest, rows: list[opco.BoardRow], view: OpcoBoardView) -> HttpResponse:
    """CSV for Excel in French: UTF-8 with a BOM, ``;`` separator, dd/mm/yyyy dates, decimal comma."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{view.download_name("csv")}"'
    response.write("\ufeff")
    writer = SafeCsvWriter(response, delimiter=";")
    writer.writerow(export_header())
    for row in rows:
        values = _export_values(request, row)
        values[5] = "" if row.amount is None else number_format(row.amount, 2, use_l10n=True, force_grouping=False)
        values[6] = f"{row.deadline:%d/%m/%Y}" if row.deadline else row.deadline_note
        values[7] = "" if row.days is None else row.days
        writer.writerow(values)
    return response


def export_xlsx(request: HttpRequest, rows: list[opco.BoardRow], view: OpcoBoardView) -> HttpResponse:
    """XLSX with a bold header row, real dates (dd/mm/yyyy) and numeric amounts."""

    def values(row: opco.BoardRow) -> list:
        cells = _export_values(request, row)
        if cells[6] is None:
            cells[6] = row.deadline_note or None
        return cells

    content = xlsx_bytes(
        title=str(opco.BOARD_FILTERS[view.filters["filter"]]), header=export_header(), rows=(values(row) for row in rows),
        widths=(24, 28, 16, 22, 60, 12, 12, 14, 40),
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{view.download_name("xlsx")}"'
    return response


# --- the contract page's panel ---------------------------------------------------------------------

@dataclass
class InstalmentLine:
    instalment: OpcoInstalment
    state: str
    invoice_form: InvoiceForm | None
    payment_form: PaymentForm | None
    # The part of the contract year the instalment pays for, and the apprentice's monthly signed
    # attendance sheets of that part (issue 19 §3: the OPCO asks for them to pay).
    period: InstalmentPeriod | None = None
    sheets: list[Document] = field(default_factory=list)


def _monthly_sheets(user, contract: Contract) -> list[Document]:
    """The apprentice's monthly signed sheets the user sees, latest version of each month (one query)."""
    latest: dict = {}
    for document in access.visible(user, Document).filter(
        apprentice_id=contract.apprentice_id, kind=DocumentKind.MONTHLY_SIGNIN_SHEET,
    ).order_by("period_start", "-version"):
        latest.setdefault(document.period_start, document)
    return list(latest.values())


def _instalment_forms(instalment: OpcoInstalment, bound: dict) -> tuple[InvoiceForm, PaymentForm]:
    invoice = bound.get(("invoice", instalment.pk)) or InvoiceForm(
        prefix=f"facture-{instalment.pk}",
        initial={"invoice_number": instalment.invoice_number, "invoiced_date": instalment.invoiced_date},
    )
    payment = bound.get(("payment", instalment.pk)) or PaymentForm(
        prefix=f"paiement-{instalment.pk}", initial={"paid_date": instalment.paid_date, "paid_amount": instalment.paid_amount},
    )
    return invoice, payment


def panel_context(request: HttpRequest, contract: Contract) -> dict:
    """The contract's OPCO file: timeline and deadlines, NPEC, instalments, employer participation,
    reminders, and the edit forms for those allowed (staff only, by the access policy)."""
    user = request.user
    if not access.can_use_back_office(user):
        return {"opco_file": None, "opco_panel": False}
    today = timezone.localdate()
    opco_file = (
        access.visible(user, OpcoFile)
        .filter(contract=contract)
        .prefetch_related("instalments", "reminders__instalment", "reminders__sent_by")
        .first()
    )
    can_edit = opco_file is not None and access.can_edit_opco_file(user, opco_file)
    bound = getattr(request, "opco_bound_forms", {})
    context = {
        "opco_file": opco_file,
        "opco_panel": True,
        "opco_can_edit": can_edit,
        "opco_today": today,
        "opco_timeline": opco.opco_file_timeline(contract, opco_file, today=today),
        "opco_lines": [],
        "opco_reminders": [],
        "opco_board_url": reverse("contracts:opco_board"),
    }
    if opco_file is None:
        return context
    lines = []
    monthly_sheets = _monthly_sheets(user, contract)
    for instalment in opco_file.instalments.all():
        invoice_form = payment_form = None
        if can_edit and not instalment.paid_date:
            invoice_form, payment_form = _instalment_forms(instalment, bound)
        period = instalment_period(contract, instalment)
        sheets = [d for d in monthly_sheets if d.period_start <= period.end and d.period_end >= period.start]
        lines.append(InstalmentLine(
            instalment, opco.instalment_state(instalment, today=today), invoice_form, payment_form, period, sheets))
    context["opco_lines"] = lines
    context["opco_reminders"] = list(opco_file.reminders.all())
    if can_edit:
        context["opco_file_form"] = bound.get("file") or OpcoFileForm(initial={
            "complete_file_date": opco_file.complete_file_date, "npec_amount": opco_file.npec_amount,
            "deposit_number": opco_file.deposit_number, "amendment_number": opco_file.amendment_number,
            "deposit_organisation_name": opco_file.deposit_organisation_name,
            "deposit_organisation_siret": opco_file.deposit_organisation_siret,
        })
        context["opco_participation_form"] = bound.get("participation") or EmployerParticipationForm(initial={
            "invoiced_date": opco_file.employer_participation_invoiced_date, "paid_date": opco_file.employer_participation_paid_date,
        })
        context["opco_reminder_form"] = bound.get("reminder") or ReminderForm(
            initial={"sent_on": today}, instalments=access.visible(user, OpcoInstalment).filter(opco_file=opco_file)
        )
        context["opco_schedule_errors"] = bound.get("schedule", [])
    return context


# --- actions ---------------------------------------------------------------------------------------

def _editable_file(request: HttpRequest, pk: int) -> tuple[Contract, OpcoFile]:
    """The contract (404 outside the scope), its OPCO file (404 when not visible) and the right to edit (403)."""
    contract = selectors.contract_get(request.user, pk)
    opco_file = access.get_visible_or_404(request.user, OpcoFile, contract=contract)
    access.require(access.can_edit_opco_file(request.user, opco_file))
    return contract, opco_file


def _editable_instalment(request: HttpRequest, pk: int) -> tuple[Contract, OpcoInstalment]:
    instalment = access.get_visible_or_404(request.user, OpcoInstalment.objects.select_related("opco_file"), pk=pk)
    access.require(access.can_edit_opco_file(request.user, instalment.opco_file))
    contract = selectors.contract_get(request.user, instalment.opco_file.contract_id)
    return contract, instalment


def _add_service_errors(form, error: ValidationError) -> None:
    """Put a service's errors next to the form's fields (or on top for the others)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _done(request: HttpRequest, contract: Contract, message: str) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        return render(request, PANEL_TEMPLATE, {"contract": contract, "htmx_partial": True, **panel_context(request, contract)})
    return redirect(reverse("contracts:contract_detail", args=[contract.pk]) + "#panel-opco")


def _failed(request: HttpRequest, contract: Contract, bound: dict) -> HttpResponse:
    request.opco_bound_forms = bound
    if request.htmx:
        return render(request, PANEL_TEMPLATE, {"contract": contract, "htmx_partial": True, **panel_context(request, contract)})
    # The whole contract page again, with the bound forms: its view is found by its URL name, since the
    # contract views import this module for its panel (one direction only).
    page = resolve(reverse("contracts:contract_detail", args=[contract.pk]))
    return page.func(request, *page.args, **page.kwargs)


def _run(request, contract, form, key, action, success: str) -> HttpResponse:
    """Validate ``form``, call the service ``action(cleaned_data)``, answer with the panel or the page."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            return _done(request, contract, success)
    return _failed(request, contract, {key: form})


@require_POST
def opco_file_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    contract, opco_file = _editable_file(request, pk)
    form = OpcoFileForm(request.POST)
    return _run(
        request, contract, form, "file",
        lambda data: opco.opco_file_update(opco_file=opco_file, by=request.user, today=timezone.localdate(), **data),
        _("Le dossier OPCO est à jour."),
    )


@require_POST
def opco_schedule_generate_view(request: HttpRequest, pk: int) -> HttpResponse:
    contract, opco_file = _editable_file(request, pk)
    try:
        instalments = opco.opco_schedule_generate(opco_file=opco_file, by=request.user)
    except ValidationError as error:
        if not request.htmx:
            for message in error.messages:
                messages.error(request, message)
            return redirect(reverse("contracts:contract_detail", args=[contract.pk]) + "#panel-opco")
        return _failed(request, contract, {"schedule": error.messages})
    return _done(request, contract, _("Échéancier calculé : %(count)s versements.") % {"count": len(instalments)})


@require_POST
def opco_instalment_invoice_view(request: HttpRequest, pk: int) -> HttpResponse:
    contract, instalment = _editable_instalment(request, pk)
    form = InvoiceForm(request.POST, prefix=f"facture-{instalment.pk}")
    return _run(
        request, contract, form, ("invoice", instalment.pk),
        lambda data: opco.instalment_record_invoice(instalment=instalment, by=request.user, today=timezone.localdate(), **data),
        _("Facture enregistrée."),
    )


@require_POST
def opco_instalment_payment_view(request: HttpRequest, pk: int) -> HttpResponse:
    contract, instalment = _editable_instalment(request, pk)
    form = PaymentForm(request.POST, prefix=f"paiement-{instalment.pk}")
    return _run(
        request, contract, form, ("payment", instalment.pk),
        lambda data: opco.instalment_record_payment(instalment=instalment, by=request.user, today=timezone.localdate(), **data),
        _("Paiement enregistré."),
    )


@require_POST
def opco_employer_participation_view(request: HttpRequest, pk: int) -> HttpResponse:
    contract, opco_file = _editable_file(request, pk)
    form = EmployerParticipationForm(request.POST)
    return _run(
        request, contract, form, "participation",
        lambda data: opco.employer_participation_record(opco_file=opco_file, today=timezone.localdate(), **data),
        _("Participation employeur enregistrée."),
    )


@require_POST
def opco_reminder_log_view(request: HttpRequest, pk: int) -> HttpResponse:
    contract, opco_file = _editable_file(request, pk)
    form = ReminderForm(request.POST, instalments=access.visible(request.user, OpcoInstalment).filter(opco_file=opco_file))
    return _run(
        request, contract, form, "reminder",
        lambda data: opco.opco_reminder_log(opco_file=opco_file, by=request.user, today=timezone.localdate(), **data),
        _("Relance enregistrée."),
    )


urlpatterns = [
    path("opco/", OpcoBoardView.as_view(), name="opco_board"),
    path("<int:pk>/opco/dossier/", opco_file_update_view, name="opco_file_update"),
    path("<int:pk>/opco/echeancier/", opco_schedule_generate_view, name="opco_schedule_generate"),
    path("<int:pk>/opco/participation-employeur/", opco_employer_participation_view, name="opco_employer_participation"),
    path("<int:pk>/opco/relances/", opco_reminder_log_view, name="opco_reminder_log"),
    path("opco/versements/<int:pk>/facture/", opco_instalment_invoice_view, name="opco_instalment_invoice"),
    path("opco/versements/<int:pk>/paiement/", opco_instalment_payment_view, name="opco_instalment_payment"),
]
