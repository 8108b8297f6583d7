"""The page of a list export prepared in the background: its progress (polled with htmx), « Relancer »
when it failed, and the download. Every page fetches the export through the access policy: only the
person who asked for it sees it (anyone else: 404); extranet accounts get 403 (back office)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alternance import access, jobs
from alternance.choices import JobStatus
from alternance.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from alternance.models import ListExport
from alternance.views.mixins import staff_only


def _export(request: HttpRequest, pk: int) -> ListExport:
    staff_only(request.user)
    return access.get_visible_or_404(request.user, ListExport.objects.select_related("created_by"), pk=pk)


def _context(request: HttpRequest, export: ListExport) -> dict:
    jobs.job_reap_if_dead(export)  # a worker that died shows as a failure to retry, not « en cours » for ever
    total = max(export.rows_total, export.rows_written, 1)
    return {
        "export": export,
        "polling": export.status in (JobStatus.PENDING, JobStatus.RUNNING),
        "waiting_for_broker": jobs.task_is_waiting(export),
        "can_retry": export.status == JobStatus.FAILED and access.can_retry_job(request.user, export),
        "percent": min(100, round(100 * export.rows_written / total)),
        "file_name": export.file.name.rsplit("/", 1)[-1] if export.file else "",
    }


@require_GET
def list_export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export(request, pk)
    return render(request, "alternance/list_exports/detail.html", _context(request, export))


@require_GET
def list_export_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The state partial the page polls every 2 seconds while the file is written."""
    export = _export(request, pk)
    return render(request, "alternance/list_exports/_status.html", _context(request, export))


@require_POST
def list_export_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """« Relancer » a failed export (its requester): the same row starts again, its file written once."""
    export = _export(request, pk)
    access.require(access.can_retry_job(request.user, export))
    try:
        jobs.job_retry(job=export, by=request.user)
    except jobs.JobStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("L'export est relancé ; cette page suit son avancement."))
    return redirect("list_export_detail", pk=export.pk)


@require_GET
def list_export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export(request, pk)
    if export.status != JobStatus.DONE or not export.file:
        raise Http404(_("Le fichier de cet export n'est pas disponible."))
    try:
        handle = export.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("Le fichier de cet export est introuvable sur le serveur.")) from None
    content_type = XLSX_CONTENT_TYPE if export.format == ListExport.Format.XLSX else CSV_CONTENT_TYPE
    response = FileResponse(handle, as_attachment=True, filename=export.file.name.rsplit("/", 1)[-1], content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
