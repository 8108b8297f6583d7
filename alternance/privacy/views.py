"""GDPR pages (issue 17 §8): request a subject access export from an apprentice's or a contact's page,
follow it and download its ZIP; the « Dossiers à anonymiser » list and its anonymise action.

Who: the coordinator and admin staff (``access.can_handle_personal_data_requests``); every other role
gets 403; the person and the export are fetched through the access policy (outside the scope → 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alternance import access
from alternance.choices import JobStatus
from alternance.models import Apprentice, PersonalDataExport
from alternance.privacy import selectors, services
from alternance.privacy.retention import apprentice_years, contact_years
from alternance.views.mixins import staff_only
from companies.models import CompanyContact


def _allowed(user) -> None:
    staff_only(user)
    access.require(access.can_handle_personal_data_requests(user))


def _request(request: HttpRequest, **subject) -> HttpResponse:
    try:
        export = services.personal_data_export_request(by=request.user, **subject)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("privacy_due")
    messages.success(request, _("L'export des données personnelles est en préparation ; cette page suit son avancement."))
    return redirect("privacy_export_detail", pk=export.pk)


@require_POST
def privacy_export_apprentice(request: HttpRequest, pk: int) -> HttpResponse:
    _allowed(request.user)
    apprentice = access.get_visible_or_404(request.user, Apprentice, pk=pk)
    return _request(request, apprentice=apprentice)


@require_POST
def privacy_export_contact(request: HttpRequest, pk: int) -> HttpResponse:
    _allowed(request.user)
    contact = access.get_visible_or_404(request.user, CompanyContact, pk=pk)
    return _request(request, contact=contact)


def _export(request: HttpRequest, pk: int) -> PersonalDataExport:
    _allowed(request.user)
    qs = PersonalDataExport.objects.select_related("apprentice", "contact__company", "created_by")
    return access.get_visible_or_404(request.user, qs, pk=pk)


def _context(export: PersonalDataExport) -> dict:
    return {"export": export, "polling": export.status in (JobStatus.PENDING, JobStatus.RUNNING)}


@require_GET
def privacy_export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "alternance/privacy/export_detail.html", _context(_export(request, pk)))


@require_GET
def privacy_export_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status partial the export page polls while the ZIP is being built."""
    return render(request, "alternance/privacy/_export_status.html", _context(_export(request, pk)))


@require_GET
def privacy_export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export(request, pk)
    if export.status != JobStatus.DONE or not export.archive:
        raise Http404(_("L'archive de cet export n'est pas disponible."))
    try:
        handle = export.archive.open("rb")
    except FileNotFoundError:
        raise Http404(_("Le fichier de cet export est introuvable : relancez l'export depuis la fiche.")) from None
    response = FileResponse(handle, as_attachment=True, filename=export.archive.name.rsplit("/", 1)[-1], content_type="application/zip")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def privacy_due(request: HttpRequest) -> HttpResponse:
    """« Dossiers à anonymiser »: apprentices and contacts whose retention period is over today."""
    _allowed(request.user)
    due = selectors.due_lists(today=timezone.localdate(), user=request.user, now=timezone.now())
    context = {
        "apprentices": due.apprentices,
        "contacts": due.contacts,
        "computed_at": due.computed_at,
        "apprentice_years": apprentice_years(),
        "contact_years": contact_years(),
    }
    return render(request, "alternance/privacy/due.html", context)


def _anonymise(request: HttpRequest, subject, anonymise) -> HttpResponse:
    today = timezone.localdate()
    due = selectors.apprentices_due if isinstance(subject, Apprentice) else selectors.contacts_due
    # Checked again on this record, exactly: the page's list is kept an hour.
    if not due(today=today, user=request.user, pks=[subject.pk]):
        messages.error(request, _("La durée de conservation de ce dossier n'est pas terminée (ou il est déjà anonymisé) : rien n'a été modifié."))
        return redirect("privacy_due")
    anonymise(subject, timezone.now())
    messages.success(request, _("Le dossier n° %(pk)s a été anonymisé.") % {"pk": subject.pk})
    return redirect("privacy_due")


@require_POST
def privacy_anonymise_apprentice(request: HttpRequest, pk: int) -> HttpResponse:
    _allowed(request.user)
    apprentice = access.get_visible_or_404(request.user, Apprentice, pk=pk)
    return _anonymise(request, apprentice, lambda a, now: services.apprentice_anonymise(apprentice=a, now=now))


@require_POST
def privacy_anonymise_contact(request: HttpRequest, pk: int) -> HttpResponse:
    _allowed(request.user)
    contact = access.get_visible_or_404(request.user, CompanyContact, pk=pk)
    return _anonymise(request, contact, lambda c, now: services.contact_anonymise(contact=c, now=now))


@require_POST
def privacy_anonymise_all(request: HttpRequest) -> HttpResponse:
    _allowed(request.user)
    counts = services.anonymise_due_records(today=timezone.localdate(), now=timezone.now(), by=request.user)
    messages.success(request, _("%(a)s apprenti·es et %(c)s contacts anonymisés.") % {"a": counts["apprentices"], "c": counts["contacts"]})
    return redirect("privacy_due")
