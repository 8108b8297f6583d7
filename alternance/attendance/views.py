"""Absences (issue 6): the apprentice's absences and its justification form (mobile-first), the
reviewers' queue with its inline decision (htmx, with a plain-form fallback), the monthly
attendance statement PDF and the absence settings.

Objects are fetched through the access policy (outside the scope → 404) and actions checked with
its predicates (in scope, not allowed → 403); ``attendance.services`` reads and writes.
"""

from __future__ import annotations

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alternance import access
from alternance.attendance import services as absences
from alternance.attendance.forms import AttendanceSettingsForm, JustificationForm, ReviewForm
from alternance.attendance.pdf import attendance_statement_filename, attendance_statement_pdf
from alternance.choices import Role
from alternance.exports import EXPORT_FORMATS, export_response
from alternance.models import Apprentice, AttendanceRecord, AttendanceSettings
from alternance.search.fields import cohort_filter_form
from alternance.views.mixins import (
    PAGE_SIZE,
    KeysFirstPaginator,
    drop_invalid_params,
    int_param,
    local_next_url,
    staff_only,
    warn_ignored,
)
from contracts.choices import DocumentAccessChannel
from contracts.documents import document_access_log, document_is_intact

# The proof types the justification form accepts (``forms.PROOF_ACCEPT``), the only ones the queue
# shows in the page; any other stored type is offered as a download.
PREVIEW_CONTENT_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


def _form_errors(form, error: ValidationError) -> None:
    """A service's validation errors on the form: on the fields it has, else on the whole form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- the apprentice --------------------------------------------------------------------------------


def _apprentice_only(request: HttpRequest) -> None:
    if request.user.role != Role.APPRENTICE:
        raise PermissionDenied


@require_GET
def my_absences(request: HttpRequest) -> HttpResponse:
    """My absences and lateness: status, justification, deadline, proof, and the button to justify."""
    _apprentice_only(request)
    today = timezone.localdate()
    row = AttendanceSettings.load()
    page = Paginator(absences.my_absences(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    apprentice = access.visible(request.user, Apprentice).first()
    context = {
        "rows": absences.my_absence_rows(page.object_list, today=today, deadline_days=row.justification_deadline_days),
        "page_obj": page,
        "paginator": page.paginator,
        "is_paginated": page.has_other_pages(),
        "settings_row": row,
        "apprentice": apprentice,
        "statement_months": absences.attendance_statement_months(request.user, apprentice) if apprentice else [],
        "today": today,
    }
    return render(request, "alternance/absences/my_absences.html", context)


@require_http_methods(["GET", "POST"])
def absence_justify(request: HttpRequest, pk: int) -> HttpResponse:
    """Justify one of my absences or lateness: a reason and a file (PDF, JPEG or PNG)."""
    record = access.get_visible_or_404(
        request.user, AttendanceRecord.objects.select_related("apprentice__cohort__referent_tutor", "proof"), pk=pk
    )
    access.require(access.can_justify_absence(request.user, record))
    today = timezone.localdate()
    row = AttendanceSettings.load()
    form = JustificationForm(request.POST or None, request.FILES or None, initial={"reason": record.reason})
    if request.method == "POST" and form.is_valid():
        try:
            absences.justification_submit(
                record=record, by=request.user, file=form.cleaned_data["proof"], reason=form.cleaned_data["reason"], today=today
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Justificatif déposé : votre formateur·rice référent·e va l'examiner. Vous recevrez sa décision par e-mail."))
            return redirect("my_absences")
    context = {
        "record": record,
        "form": form,
        "deadline": absences.justification_deadline(record, deadline_days=row.justification_deadline_days),
        "blocker": absences.justification_blocker(record, today=today, deadline_days=row.justification_deadline_days),
        "settings_row": row,
    }
    return render(request, "alternance/absences/justify.html", context, status=400 if request.method == "POST" else 200)


# --- the reviewers -----------------------------------------------------------------------------------


def _reviewers_only(request: HttpRequest) -> None:
    staff_only(request.user)
    if not absences.can_use_justification_queue(request.user):
        raise PermissionDenied


QUEUE_EXPORT_HEADER = ("Nom", "Prénom", "Promotion", "Date", "Demi-journée", "Présence", "Minutes de retard", "Motif", "Déposé le")


@require_GET
def justification_queue(request: HttpRequest) -> HttpResponse:
    """Pending justifications I may review (a tutor: its cohorts), filterable by cohort, paginated."""
    _reviewers_only(request)
    # The cohort is a searchable field (hundreds of cohorts in a large CFA: issue 18 §2).
    filters = {"promotion": request.GET.get("promotion", "").strip(), "promotion__q": request.GET.get("promotion__q", "").strip()}
    ignored = drop_invalid_params(filters, {"promotion": (int_param, _("Promotion"))})
    list_filters = cohort_filter_form(filters, request.user, name="promotion", cohorts=absences.queue_cohorts(request.user))
    records = absences.justification_queue(request.user, cohort_id=list_filters.chosen_ids()["promotion"])
    export = request.GET.get("export", "")
    if export in EXPORT_FORMATS:
        # The whole filtered queue, through the shared export of every back-office list.
        return export_response(export, name=f"justificatifs-{timezone.localdate():%Y-%m-%d}", header=QUEUE_EXPORT_HEADER, rows=(
            (r.apprentice.last_name, r.apprentice.first_name, r.apprentice.cohort.name, r.day, r.get_half_display(),
             r.get_status_display(), r.minutes_late or "", r.reason,
             timezone.localtime(r.justification_submitted_at).date() if r.justification_submitted_at else "")
            for r in records.iterator(chunk_size=2000)
        ))
    # Keys first: a deep page of the queue sorts its narrow keys, not the wide join (issue 18 §2).
    page = KeysFirstPaginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    warn_ignored(request, ignored)
    context = {
        "records": page.object_list,
        "page_obj": page,
        "paginator": page.paginator,
        "is_paginated": page.has_other_pages(),
        "filters": filters,
        "is_filtered": bool(filters["promotion"] or filters["promotion__q"]),
        "list_filters": list_filters,
        "next_url": request.get_full_path(),
    }
    return render(request, "alternance/absences/queue.html", context)


def _next_url(request: HttpRequest) -> str:
    return local_next_url(request, reverse("justification_queue"))


@require_POST
def justification_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept or refuse a pending justification. With htmx the queue's row is replaced in place
    (the decision, or the form again with its error); without JavaScript, back to the queue with a
    message."""
    record = absences.queue_record_get(request.user, pk)
    form = ReviewForm(request.POST)
    error = done = None
    decided = None
    if form.is_valid():
        comment = form.cleaned_data["comment"]
        try:
            if form.cleaned_data["decision"] == "accept":
                decided = absences.justification_accept(record=record, by=request.user, comment=comment)
            else:
                decided = absences.justification_refuse(record=record, by=request.user, comment=comment)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(message for errors in form.errors.values() for message in errors)
    if decided is not None:
        done = (
            _("Justificatif accepté : %(name)s, %(day)s (%(half)s).")
            if decided.justification == "accepted"
            else _("Justificatif refusé : %(name)s, %(day)s (%(half)s). L'apprenti·e est prévenu·e par e-mail.")
        ) % {"name": decided.apprentice.full_name, "day": f"{decided.day:%d/%m/%Y}", "half": decided.get_half_display().lower()}
    if request.htmx:
        current = absences.queue_record_get(request.user, pk)
        context = {"record": current, "row_error": error, "row_done": None if error else done, "next_url": _next_url(request),
                   "comment": request.POST.get("comment", "")}
        return render(request, "alternance/absences/_queue_row.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(_next_url(request))


@require_GET
def absence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One absence or lateness seen by the staff: the half-day, the justification and its decision,
    the proof (to ``access.can_read_absence_proof``'s people only) and who consulted it, when."""
    record = absences.absence_get(request.user, pk)  # 404 outside the scope, before any 403
    staff_only(request.user)
    can_read_proof = record.proof is not None and access.can_read_absence_proof(request.user, record.proof)
    context = {
        "record": record,
        "apprentice": record.apprentice,
        "can_read_proof": can_read_proof,
        "proof_accesses": absences.proof_accesses(request.user, record) if can_read_proof else [],
        "can_review": record.justification == "pending" and access.can_review_justification(request.user, record),
    }
    return render(request, "alternance/absences/detail.html", context)


@require_GET
@xframe_options_sameorigin
# The Content-Security-Policy says the same as X-Frame-Options (browsers obey frame-ancestors first).
@csp_replace({"frame-ancestors": [SELF]})
def justification_proof(request: HttpRequest, pk: int) -> HttpResponse:
    """The proof of a justification, shown in the queue and on the absence's page (``<img>`` or
    ``<iframe>``): to staff who may read it (``access.can_read_absence_proof``: 404 outside the
    attendance scope, 403 in scope but not allowed — a CRE), inline with its stored content type,
    each view logged (issue 17 §6). Framing is allowed from this site only, for this response only
    (the rest of the site stays ``X-Frame-Options: DENY``); not cached: a proof is health data."""
    record = absences.absence_get(request.user, pk)  # 404 outside the scope, before any 403
    staff_only(request.user)
    document = record.proof
    if document is None:
        raise Http404(_("Cette absence n'a pas de justificatif déposé en ligne."))
    access.require(access.can_read_absence_proof(request.user, document))
    try:
        intact = document_is_intact(document)
    except FileNotFoundError:
        raise Http404(_("Le fichier de ce justificatif est introuvable.")) from None
    if not intact:
        return render(request, "contracts/documents/document_altered.html", {"document": document}, status=409)
    content_type = document.content_type if document.content_type in PREVIEW_CONTENT_TYPES else "application/octet-stream"
    response = FileResponse(
        document.file.open("rb"), as_attachment=content_type not in PREVIEW_CONTENT_TYPES,
        filename=document.file.name.rsplit("/", 1)[-1], content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    document_access_log(documents=[document], user=request.user, channel=DocumentAccessChannel.PREVIEW)
    return response


@require_POST
def justification_accept_selection(request: HttpRequest) -> HttpResponse:
    """« Accepter la sélection »: accept every checked justification at once, all in one
    transaction, through the same service as a single accept. Only pending proofs the user may
    review are taken; other ids (another cohort, already decided) are left out and counted."""
    _reviewers_only(request)
    ids = {int(value) for value in request.POST.getlist("records") if value.isdigit()}
    if not ids:
        messages.error(request, _("Cochez au moins un justificatif dans la liste avant de cliquer sur « Accepter la sélection »."))
        return redirect(_next_url(request))
    records = [
        record for record in absences.justification_queue(request.user).filter(pk__in=ids)
        if access.can_review_justification(request.user, record)
    ]
    try:
        decided = absences.justification_accept_many(records=records, by=request.user)
    except ValidationError as error:
        messages.error(request, _("Aucun justificatif n'a été accepté : %(reason)s") % {"reason": " ".join(error.messages)})
        return redirect(_next_url(request))
    if decided:
        messages.success(request, ngettext(
            "%(count)d justificatif accepté : l'apprenti·e est prévenu·e par e-mail.",
            "%(count)d justificatifs acceptés : chaque apprenti·e est prévenu·e par e-mail.", len(decided),
        ) % {"count": len(decided)})
    left_out = len(ids) - len(decided)
    if left_out:
        messages.warning(request, ngettext(
            "%(count)d justificatif coché n'a pas été traité : il n'est plus en attente ou ne relève pas de vos promotions.",
            "%(count)d justificatifs cochés n'ont pas été traités : ils ne sont plus en attente ou ne relèvent pas de vos promotions.",
            left_out,
        ) % {"count": left_out})
    return redirect(_next_url(request))


# --- the monthly statement ---------------------------------------------------------------------------


@require_GET
def attendance_statement_pdf_view(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    """The monthly attendance statement of an apprentice as a PDF, built from the half-days the
    user sees (an employer: only those of its own contract)."""
    apprentice = access.get_visible_or_404(request.user, Apprentice.objects.select_related("cohort__programme"), pk=pk)
    access.require(access.can_download_attendance_statement(request.user, apprentice))
    bounds = absences.month_bounds(year, month)
    if bounds is None:
        raise Http404(_("Ce mois n'existe pas."))
    statement = absences.attendance_statement(request.user, apprentice, first=bounds[0], last=bounds[1])
    content = attendance_statement_pdf(statement, generated_at=timezone.now())
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{attendance_statement_filename(statement)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- settings --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def attendance_settings(request: HttpRequest) -> HttpResponse:
    """The OF's absence rules: justification deadline, maximum proof size, employer email."""
    staff_only(request.user)
    access.require(access.can_manage_attendance_settings(request.user))
    row = AttendanceSettings.load()
    form = AttendanceSettingsForm(request.POST or None, initial=AttendanceSettingsForm.initial_from(row))
    if request.method == "POST" and form.is_valid():
        try:
            absences.attendance_settings_update(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Paramètres des absences enregistrés."))
            return redirect("attendance_settings")
    return render(request, "alternance/absences/settings.html", {"form": form, "settings_row": row},
                  status=400 if request.method == "POST" else 200)
