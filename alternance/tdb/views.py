"""The Tableau de bord de l'apprentissage export (issue 7, part 3), for the coordinator and admin
staff: choose a school year and a format, see the pre-check (rows OK, rows rejected with their
reasons and links to the records to fix), launch the export (a Celery task; the page polls its
state with htmx), download the file through a permission check, and the history of exports.

Everyone else gets 403 on every page (``can_export_tdb``); an export outside the scope is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alternance import access, jobs
from alternance.choices import JobStatus
from alternance.models import TdbExport
from alternance.tdb.forms import TdbExportForm
from alternance.tdb.services import tdb_check, tdb_export_start
from alternance.tdb.writers import JSON_CONTENT_TYPE, XLSX_CONTENT_TYPE

# The pre-check lists this many rejected rows on the page (the export's own page lists them all).
PRECHECK_SHOWN = 200
HISTORY_SIZE = 20

SOURCE_URLS = {
    "apprentice": "apprentice_detail",
    "company": "companies:company_detail",
    "contract": "contracts:contract_detail",
}


def _allowed(request: HttpRequest) -> None:
    access.require(access.can_export_tdb(request.user))


def with_links(rejections: list[dict]) -> list[dict]:
    """The rejected rows for a template: a link to the apprentice, and to the record each problem
    is fixed on (apprentice, company, contract; settings and programmes have no page)."""
    shown = []
    for rejection in rejections:
        problems = []
        for problem in rejection["problems"]:
            name = SOURCE_URLS.get(problem.get("source"))
            url = reverse(name, args=[problem["source_id"]]) if name and problem.get("source_id") else None
            problems.append({**problem, "url": url})
        shown.append({**rejection, "url": reverse("apprentice_detail", args=[rejection["apprentice_id"]]), "problems": problems})
    return shown


@require_http_methods(["GET", "POST"])
def tdb_export(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    today = timezone.localdate()
    if request.method == "POST":
        form = TdbExportForm(request.POST, today=today)
        if form.is_valid():
            export = tdb_export_start(school_year=form.cleaned_data["annee_scolaire"], fmt=form.cleaned_data["format"], by=request.user)
            messages.success(request, _("L'export a été lancé ; cette page suit son avancement."))
            return redirect("tdb_export_detail", pk=export.pk)
    else:
        form = TdbExportForm(request.GET if "annee_scolaire" in request.GET else None, today=today)
    check = tdb_check(school_year=form.cleaned_data["annee_scolaire"], today=today) if form.is_bound and form.is_valid() and request.method == "GET" else None
    context = {
        "form": form,
        "check": check,
        "dropout_days": settings.TDB_DROPOUT_WITHOUT_CONTRACT_DAYS,
        "rejections": with_links(check.rejections[:PRECHECK_SHOWN]) if check else [],
        "hidden_rejections": max(0, len(check.rejected_rows) - PRECHECK_SHOWN) if check else 0,
        "history": list(access.visible(request.user, TdbExport).select_related("created_by").order_by("-created_at")[:HISTORY_SIZE]),
    }
    return render(request, "alternance/tdb/export.html", context, status=400 if request.method == "POST" else 200)


def _export(request: HttpRequest, pk: int) -> TdbExport:
    _allowed(request)
    return access.get_visible_or_404(request.user, TdbExport.objects.select_related("created_by"), pk=pk)


def _detail_context(request: HttpRequest, export: TdbExport) -> dict:
    jobs.job_reap_if_dead(export)  # a worker that died shows as a failure to retry, not « en cours » for ever
    return {
        "export": export,
        "polling": export.status in (JobStatus.PENDING, JobStatus.RUNNING),
        "waiting_for_broker": jobs.task_is_waiting(export),
        "can_retry": export.status == JobStatus.FAILED and access.can_retry_job(request.user, export),
        "rejections": with_links(export.rejections or []),
    }


@require_GET
def tdb_export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export(request, pk)
    return render(request, "alternance/tdb/detail.html", _detail_context(request, export))


@require_GET
def tdb_export_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The state partial the export page polls every 2 seconds while the export runs."""
    export = _export(request, pk)
    response = render(request, "alternance/tdb/_status.html", _detail_context(request, export))
    if request.htmx and export.status not in (JobStatus.PENDING, JobStatus.RUNNING):
        # Finished: reload the whole page once so that the rejected rows appear below.
        response["HX-Refresh"] = "true"
    return response


@require_POST
def tdb_export_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """« Relancer » a failed export (its owner): the same row starts again, its file produced once."""
    export = _export(request, pk)
    access.require(access.can_retry_job(request.user, export))
    try:
        jobs.job_retry(job=export, by=request.user)
    except jobs.JobStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("L'export est relancé ; cette page suit son avancement."))
    return redirect("tdb_export_detail", pk=export.pk)


@require_GET
def tdb_export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export(request, pk)
    if export.status != JobStatus.DONE or not export.file:
        raise Http404(_("Le fichier de cet export n'est pas disponible."))
    content_type = XLSX_CONTENT_TYPE if export.format == TdbExport.Format.XLSX else JSON_CONTENT_TYPE
    try:
        handle = export.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("Le fichier de cet export est introuvable sur le serveur.")) from None
    response = FileResponse(handle, as_attachment=True, filename=export.file.name.rsplit("/", 1)[-1], content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
