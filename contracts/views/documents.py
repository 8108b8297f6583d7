"""Documents of a contract: the documents panel of the contract page, the generation of the PDFs
(one small POST view per document), the download of any stored document, and the cohort batches
(start, progress polled with htmx, ZIP download)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alternance import access, jobs
from alternance.models import Cohort
from contracts import batches, selectors
from contracts.choices import BatchStatus, DocumentAccessChannel, DocumentKind
from contracts.documents import document_access_log, document_accesses, document_is_intact
from contracts.freshness import documents_freshness
from contracts.models import Contract, Document, DocumentBatch, OpcoInstalment
from contracts.pdf import PeriodNotOver, completion_available_from, generate_document, instalment_period

# --- forms (input validation only) ------------------------------------------------------------


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")


class AttendancePeriodForm(forms.Form):
    period_start = forms.DateField(
        label=gettext_lazy("Du"), widget=_date_input(),
        error_messages={"required": gettext_lazy("Indiquez le premier jour de la période."),
                        "invalid": gettext_lazy("Saisissez une date valide, par exemple 01/10/2026.")},
    )
    period_end = forms.DateField(
        label=gettext_lazy("Au"), widget=_date_input(),
        error_messages={"required": gettext_lazy("Indiquez le dernier jour de la période."),
                        "invalid": gettext_lazy("Saisissez une date valide, par exemple 31/10/2026.")},
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and start > end:
            raise ValidationError(
                _("La période commence après sa fin : choisissez une date de début antérieure ou égale à la date de fin.")
            )
        return cleaned


class BatchForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Document à produire"),
        choices=[(kind.value, kind.label) for kind in batches.BATCH_KINDS],
        error_messages={"invalid_choice": gettext_lazy("Choisissez un des documents proposés dans la liste.")},
    )


# --- the panel of the contract page -------------------------------------------------------------


def panel_context(request: HttpRequest, contract: Contract) -> dict:
    """Documents of the contract (a constant number of queries, whatever their number), each
    generated Cerfa sheet, convention or schedule marked when its data changed since (with what
    changed), and, for those who may generate them, the instalments a certificate can back."""
    documents = (
        access.visible(request.user, Document)
        .filter(contract=contract)
        .select_related("instalment")
        .order_by("kind", "-version", "-created_at")
    )
    can_generate = access.can_generate_documents(request.user, contract)
    instalments: list = []
    if can_generate:
        instalments = list(
            access.visible(request.user, OpcoInstalment).filter(opco_file__contract=contract).order_by("contract_year", "due_date")
        )
        # A certificate of completion only for a period that is over (issue 15 §9): the others say from when.
        today = timezone.localdate()
        for instalment in instalments:
            instalment.certificate_from = completion_available_from(instalment_period(contract, instalment))
            instalment.certificate_available = today >= instalment.certificate_from
    documents = list(documents)
    # « Consulté par … le … » under the Cerfa and its signed versions (issue 17 §6): staff only.
    accesses = document_accesses(documents) if access.can_use_back_office(request.user) else {}
    for document in documents:
        document.accesses_logged = accesses.get(document.pk, [])
    # Outdated generated documents (the data they printed changed): constant queries (freshness).
    freshness = documents_freshness(contract, documents)
    for document in documents:
        state = freshness.get(document.pk)
        document.outdated_fields = state.changed if state else ()
        document.regenerate_url = (
            reverse(f"contracts:document_generate_{document.kind}", args=[contract.pk]) if state and can_generate else ""
        )
    return {
        "contract_documents": documents,
        "can_generate_documents": can_generate,
        "completion_instalments": instalments,
        "attendance_form": AttendancePeriodForm(),
    }


# --- generation ---------------------------------------------------------------------------------


def _contract_for_generation(request: HttpRequest, pk: int) -> Contract:
    """Outside the user's scope → 404; in scope without the right to generate → 403."""
    contract = selectors.contract_get(request.user, pk)
    access.require(access.can_generate_documents(request.user, contract))
    return contract


def _generated(request: HttpRequest, document: Document) -> HttpResponse:
    messages.success(
        request, _("Document généré : %(title)s (version %(version)s).") % {"title": document.title, "version": document.version}
    )
    return redirect(reverse("contracts:contract_detail", args=[document.contract_id]) + "#documents")


@require_POST
def document_generate(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Generate the Cerfa sheet, the convention or the remuneration schedule of a contract."""
    contract = _contract_for_generation(request, pk)
    return _generated(request, generate_document(kind=kind, contract=contract, by=request.user))


@require_http_methods(["GET", "POST"])
def attendance_certificate_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendance certificate of a period: the form (also shown on the contract page) and its
    submission; an invalid period is shown again with the input kept and the errors."""
    contract = _contract_for_generation(request, pk)
    form = AttendancePeriodForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        document = generate_document(
            kind=DocumentKind.ATTENDANCE_CERTIFICATE, contract=contract, by=request.user,
            period_start=form.cleaned_data["period_start"], period_end=form.cleaned_data["period_end"],
        )
        return _generated(request, document)
    status = 400 if request.method == "POST" else 200
    return render(request, "contracts/documents/attendance_certificate_form.html", {"contract": contract, "form": form}, status=status)


@require_POST
def completion_certificate_generate(request: HttpRequest, pk: int, instalment_pk: int) -> HttpResponse:
    """The certificate of completion backing one OPCO instalment of the contract."""
    contract = _contract_for_generation(request, pk)
    instalment = access.get_visible_or_404(
        request.user, OpcoInstalment.objects.filter(opco_file__contract=contract).select_related("opco_file"), pk=instalment_pk
    )
    try:
        document = generate_document(kind=DocumentKind.COMPLETION_CERTIFICATE, contract=contract, by=request.user, instalment=instalment)
    except PeriodNotOver as error:
        messages.error(request, str(error))
        return redirect(reverse("contracts:contract_detail", args=[contract.pk]) + "#documents")
    return _generated(request, document)


# --- download -----------------------------------------------------------------------------------


def stored_document_response(
    request: HttpRequest, document: Document, *, as_attachment: bool = True, filename: str = "",
    channel: str = DocumentAccessChannel.DOWNLOAD,
) -> HttpResponse:
    """The one way a stored document leaves the server (the download here, the signature pages'
    views of the submitted and signed PDFs): its bytes are checked against the SHA-256 recorded when
    it was stored, and an altered file is refused (409) wherever it is asked from (issue 17 §13).
    An absence proof is served only to ``access.can_read_absence_proof``'s people, and the download
    of a proof or of a document printing the NIR is logged (issue 17 §6)."""
    if document.kind == DocumentKind.ABSENCE_PROOF:
        access.require(access.can_read_absence_proof(request.user, document))
    try:
        intact = document_is_intact(document)
    except (OSError, ValueError):
        raise Http404(_("Le fichier de ce document est introuvable.")) from None
    if not intact:
        return render(request, "contracts/documents/document_altered.html", {"document": document}, status=409)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=as_attachment,
        filename=filename or document.file.name.rsplit("/", 1)[-1],
        content_type=document.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    document_access_log(documents=[document], user=request.user, channel=channel)
    return response


@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Any stored document, to whoever may see it; a file altered since it was stored is refused."""
    document = access.get_visible_or_404(request.user, Document.objects.select_related("apprentice__cohort"), pk=pk)
    return stored_document_response(request, document)


# --- cohort batches -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def cohort_documents(request: HttpRequest, cohort_pk: int) -> HttpResponse:
    """The documents of a whole cohort: choose a kind and start a batch rendered in the background."""
    cohort = access.get_visible_or_404(request.user, Cohort.objects.select_related("programme"), pk=cohort_pk)
    access.require(access.can_generate_cohort_documents(request.user, cohort))
    form = BatchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        batch = batches.batch_start(cohort=cohort, kind=form.cleaned_data["kind"], by=request.user)
        messages.success(request, _("La production des documents a commencé ; cette page suit son avancement."))
        return redirect("contracts:batch_detail", pk=batch.pk)
    context = {
        "cohort": cohort,
        "form": form,
        "eligible_count": batches.batch_contracts(cohort).count(),
        "recent_batches": list(access.visible(request.user, DocumentBatch).filter(cohort=cohort).order_by("-requested_at")[:10]),
    }
    return render(request, "contracts/documents/cohort_documents.html", context, status=400 if request.method == "POST" else 200)


def _batch(request: HttpRequest, pk: int) -> DocumentBatch:
    return access.get_visible_or_404(request.user, DocumentBatch.objects.select_related("cohort", "requested_by"), pk=pk)


def _batch_context(request: HttpRequest, batch: DocumentBatch) -> dict:
    jobs.job_reap_if_dead(batch)  # a worker that died shows as a failure to retry, not « en cours » for ever
    return {
        "batch": batch,
        "polling": batch.status in (BatchStatus.QUEUED, BatchStatus.RUNNING),
        "waiting_for_broker": jobs.task_is_waiting(batch),
        "can_retry": batch.status == BatchStatus.FAILED and access.can_retry_job(request.user, batch),
    }


@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    return render(request, "contracts/documents/batch_detail.html", _batch_context(request, batch))


@require_GET
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress partial that the batch page polls every 2 seconds while the batch runs."""
    batch = _batch(request, pk)
    return render(request, "contracts/documents/_batch_progress.html", _batch_context(request, batch))


@require_POST
def batch_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """« Relancer » a failed batch (its requester): the documents it had already stored are reused."""
    batch = _batch(request, pk)
    access.require(access.can_retry_job(request.user, batch))
    try:
        jobs.job_retry(job=batch, by=request.user)
    except jobs.JobStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("La production est relancée ; les documents déjà produits par ce lot ne sont pas refaits."))
    return redirect("contracts:batch_detail", pk=batch.pk)


@require_GET
def batch_download(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if batch.status != BatchStatus.DONE or not batch.archive:
        raise Http404(_("L'archive de ce lot n'est pas disponible."))
    response = FileResponse(
        batch.archive.open("rb"), as_attachment=True, filename=batch.archive.name.rsplit("/", 1)[-1], content_type="application/zip"
    )
    response["X-Content-Type-Options"] = "nosniff"
    # A batch of Cerfa sheets prints every apprentice's NIR: the download is logged on each one.
    # ``generated`` names the document of each contract the archive holds.
    in_archive = Document.objects.filter(pk__in=list((batch.generated or {}).values()))
    document_access_log(documents=in_archive, user=request.user, channel=DocumentAccessChannel.BATCH)
    return response


urlpatterns = [
    path("<int:pk>/documents/cerfa/", document_generate, {"kind": DocumentKind.CERFA}, name="document_generate_cerfa"),
    path("<int:pk>/documents/convention/", document_generate, {"kind": DocumentKind.CONVENTION}, name="document_generate_convention"),
    path(
        "<int:pk>/documents/echeancier-remuneration/", document_generate, {"kind": DocumentKind.REMUNERATION_SCHEDULE},
        name="document_generate_remuneration_schedule",
    ),
    path("<int:pk>/documents/attestation-assiduite/", attendance_certificate_generate, name="document_generate_attendance_certificate"),
    path(
        "<int:pk>/documents/certificat-realisation/<int:instalment_pk>/", completion_certificate_generate,
        name="document_generate_completion_certificate",
    ),
    path("documents/<int:pk>/telecharger/", document_download, name="document_download"),
    path("promotions/<int:cohort_pk>/documents/", cohort_documents, name="cohort_documents"),
    path("lots/<int:pk>/", batch_detail, name="batch_detail"),
    path("lots/<int:pk>/progression/", batch_progress, name="batch_progress"),
    path("lots/<int:pk>/relancer/", batch_retry, name="batch_retry"),
    path("lots/<int:pk>/archive/", batch_download, name="batch_download"),
]
