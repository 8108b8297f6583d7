"""Imports of apprentices, companies and contracts from CSV / XLSX (issue 7, part 1): upload →
mapping with its preview → check (every row, nothing written) → import, with the error report.

Only the coordinator and admin staff import (``can_import_data``: 403 for everyone else on every
page); each person reaches its own imports only (another person's import → 404): an import in
progress is its author's work, and its file may hold personal data (NIR).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from alternance import access, jobs
from alternance.choices import ImportKind, JobStatus
from alternance.exports import EXPORT_FORMATS, export_response
from alternance.imports import services
from alternance.imports.forms import MappingForm, RunForm, UploadForm
from alternance.imports.preview import preview
from alternance.imports.readers import ImportFileError
from alternance.imports.runner import kind_class
from alternance.imports.tasks import task_progress
from alternance.models import DataImport

ERRORS_SHOWN = 500
# The company columns repeated on the second example row of the companies template (one row per contact).
COMPANY_REPEATED = ("siret", "name", "is_public", "employer_type", "specific_employer", "naf_code", "idcc", "headcount",
                    "address", "postal_code", "city", "phone", "email")


def _require_importer(request: HttpRequest) -> None:
    access.require(access.can_import_data(request.user))


def _get_import(request: HttpRequest, pk: int) -> DataImport:
    """The user's own import (403 first for those who may not import, then 404 outside the scope)."""
    _require_importer(request)
    own = DataImport.objects.filter(created_by=request.user).select_related("created_by")
    return access.get_visible_or_404(request.user, own, pk=pk)


def _checked(data_import: DataImport) -> bool:
    return data_import.rows_total > 0


# --- list and upload ---------------------------------------------------------------------------------


@require_GET
def data_import_list(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    imports = access.visible(request.user, DataImport).filter(created_by=request.user).order_by("-created_at", "-pk")
    page = Paginator(imports, 25).get_page(request.GET.get("page"))
    return render(request, "alternance/imports/list.html", {"page_obj": page, "imports": page.object_list})


@require_http_methods(["GET", "POST"])
def data_import_upload(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    form = UploadForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("type", "")})
    if request.method == "POST" and form.is_valid():
        try:
            data_import = services.data_import_create(
                kind=form.cleaned_data["kind"], content=form.content, name=form.cleaned_data["file"].name, by=request.user,
            )
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect("data_import_mapping", pk=data_import.pk)
    kinds = [{"value": k.value, "label": k.label, "help": kind_class(k.value).layout_help} for k in ImportKind]
    return render(request, "alternance/imports/upload.html", {"form": form, "kinds": kinds},
                  status=400 if request.method == "POST" else 200)


@require_GET
def data_import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty file with the expected columns (the labels the suggestions recognise) and an example row."""
    _require_importer(request)
    if kind not in ImportKind.values:
        raise Http404
    fields = kind_class(kind).fields
    fmt = request.GET.get("format", "xlsx")
    fmt = fmt if fmt in EXPORT_FORMATS else "xlsx"
    examples = [[spec.example for spec in fields]]
    if kind == ImportKind.COMPANIES:
        second = {"contact_last_name": "Durand", "contact_first_name": "Paul", "contact_email": "paul.durand@boulangerie-marche.fr",
                  "contact_roles": "RH", "contact_job_title": "Responsable du personnel"}
        examples.append([second.get(spec.name, spec.example if spec.name in COMPANY_REPEATED else "") for spec in fields])
    return export_response(fmt, name=f"modele-import-{kind}", header=[str(spec.label) for spec in fields], rows=examples)



# --- mapping ------------------------------------------------------------------------------------------


def _table_or_fail(request: HttpRequest, data_import: DataImport):
    try:
        return services.data_import_table(data_import, max_rows=10)
    except (ImportFileError, OSError) as error:
        messages.error(request, _("Le fichier de cet import ne se lit plus (%(error)s) : déposez-le à nouveau.") % {"error": error})
        return None


def _preview_context(data_import: DataImport, table, mapping: dict[str, str]) -> dict:
    fields, rows = preview(table, kind_class(data_import.kind).fields, mapping)
    return {"preview_fields": fields, "preview_rows": rows, "table": table, "data_import": data_import}


@require_http_methods(["GET", "POST"])
def data_import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose which column feeds which field (suggested from the headers), look at the first rows
    as they will be read, then start the check."""
    data_import = _get_import(request, pk)
    if data_import.status in (JobStatus.RUNNING, JobStatus.DONE):
        return redirect("data_import_detail", pk=data_import.pk)
    table = _table_or_fail(request, data_import)
    if table is None:
        return redirect("data_import_upload")
    klass = kind_class(data_import.kind)
    form = MappingForm(request.POST or None, kind_class=klass, headers=table.headers, initial=data_import.mapping)
    mapping = data_import.mapping
    status = 200
    if request.method == "POST":
        if form.is_valid():
            mapping = form.cleaned_mapping
            if request.POST.get("action") != "preview":
                try:
                    data_import = services.data_import_save_mapping(data_import=data_import, mapping=mapping, headers=table.headers)
                    started = services.data_import_start(data_import=data_import, phase=services.CHECK)
                except (ValidationError, services.ImportStateError) as error:
                    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
                    return redirect("data_import_detail", pk=data_import.pk)
                if not started.inline:
                    messages.info(request, _("Le fichier est long : sa vérification se poursuit en arrière-plan, cette page suit "
                                             "son avancement."))
                return redirect("data_import_detail", pk=data_import.pk)
        else:
            mapping = {name: value for name, value in form.mapping().items() if value}
            status = 400
    context = {"form": form, "kind_label": klass.label, "layout_help": klass.layout_help, **_preview_context(data_import, table, mapping)}
    return render(request, "alternance/imports/mapping.html", context, status=status)


@require_POST
def data_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview partial for the mapping being chosen (htmx, on each change); nothing is saved."""
    data_import = _get_import(request, pk)
    table = _table_or_fail(request, data_import)
    if table is None:
        return HttpResponseClientRefresh()
    klass = kind_class(data_import.kind)
    form = MappingForm(request.POST, kind_class=klass, headers=table.headers)
    form.is_valid()
    mapping = {name: value for name, value in form.mapping().items() if value}
    return render(request, "alternance/imports/_preview.html", _preview_context(data_import, table, mapping))


# --- check results, import, status ------------------------------------------------------------------


def _detail_context(request: HttpRequest, data_import: DataImport) -> dict:
    jobs.job_reap_if_dead(data_import)  # a worker that died shows as a failure to retry, not « en cours » for ever
    running = data_import.status == JobStatus.RUNNING
    phase = services.IMPORT if _checked(data_import) else services.CHECK
    errors = services.error_lines(data_import)
    klass = kind_class(data_import.kind)
    return {
        "data_import": data_import,
        "running": running,
        "phase": phase,
        "progress": task_progress(data_import.pk, phase) if running else None,
        "checked": _checked(data_import) and data_import.status == JobStatus.PENDING,
        "done": data_import.status == JobStatus.DONE,
        "failed": data_import.status == JobStatus.FAILED,
        "can_retry": data_import.status == JobStatus.FAILED and access.can_retry_job(request.user, data_import),
        "unchanged": services.rows_unchanged(data_import),
        "errors": errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
        "run_form": RunForm(initial={"only_valid_rows": data_import.only_valid_rows}),
        "mapping_lines": [(spec.label, data_import.mapping[spec.name]) for spec in klass.fields if spec.name in data_import.mapping],
    }


@require_GET
def data_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    data_import = _get_import(request, pk)
    if data_import.status == JobStatus.PENDING and not _checked(data_import):
        return redirect("data_import_mapping", pk=data_import.pk)
    return render(request, "alternance/imports/detail.html", _detail_context(request, data_import))


@require_GET
def data_import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress partial the page polls every 2 seconds; once finished, the page reloads."""
    data_import = _get_import(request, pk)
    if data_import.status != JobStatus.RUNNING and request.htmx:
        return HttpResponseClientRefresh()
    return render(request, "alternance/imports/_status.html", _detail_context(request, data_import))


@require_POST
def data_import_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the checked file: every row when none is in error; with the box ticked, the valid
    rows only; otherwise nothing (the service enforces it and the page says why)."""
    data_import = _get_import(request, pk)
    form = RunForm(request.POST)
    only_valid_rows = form.is_valid() and form.cleaned_data["only_valid_rows"]
    try:
        started = services.data_import_start(data_import=data_import, phase=services.IMPORT, only_valid_rows=only_valid_rows)
    except services.ImportStateError as error:
        messages.error(request, str(error))
        return redirect("data_import_detail", pk=data_import.pk)
    if not started.inline:
        messages.info(request, _("L'import se poursuit en arrière-plan : cette page suit son avancement."))
        return redirect("data_import_detail", pk=data_import.pk)
    data_import.refresh_from_db()
    if data_import.status == JobStatus.DONE:
        created, updated = data_import.rows_created, data_import.rows_updated
        unchanged = services.rows_unchanged(data_import)
        messages.success(request, _("Import terminé : %(created)s, %(updated)s, %(unchanged)s, %(errors)s en erreur.") % {
            "created": ngettext("%(n)s ligne créée", "%(n)s lignes créées", created) % {"n": created},
            "updated": ngettext("%(n)s mise à jour", "%(n)s mises à jour", updated) % {"n": updated},
            "unchanged": ngettext("%(n)s inchangée", "%(n)s inchangées", unchanged) % {"n": unchanged},
            "errors": data_import.rows_in_error})
    elif data_import.status == JobStatus.PENDING:
        messages.error(request, ngettext(
            "Rien n'a été importé : %(count)s ligne en erreur. Corrigez le fichier et déposez-le à nouveau, ou cochez "
            "« Importer seulement les lignes valides ».",
            "Rien n'a été importé : %(count)s lignes en erreur. Corrigez le fichier et déposez-le à nouveau, ou cochez "
            "« Importer seulement les lignes valides ».", data_import.rows_in_error,
        ) % {"count": data_import.rows_in_error})
    return redirect("data_import_detail", pk=data_import.pk)


@require_POST
def data_import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """« Relancer » a failed check or import (e.g. its worker died): the same step starts again. An
    import writes in one transaction, so a killed one had written nothing and is not written twice."""
    data_import = _get_import(request, pk)
    access.require(access.can_retry_job(request.user, data_import))
    phase = services.IMPORT if data_import.rows_total else services.CHECK
    try:
        services.data_import_start(data_import=data_import, phase=phase, only_valid_rows=data_import.only_valid_rows)
    except services.ImportStateError as error:
        messages.error(request, str(error))
    else:
        messages.info(request, _("Relancé : cette page suit son avancement."))
    return redirect("data_import_detail", pk=data_import.pk)


@require_GET
def data_import_error_report(request: HttpRequest, pk: int) -> HttpResponse:
    data_import = _get_import(request, pk)
    if not data_import.error_report:
        raise Http404(_("Cet import n'a pas de rapport d'erreurs."))
    try:
        handle = data_import.error_report.open("rb")
    except FileNotFoundError:
        raise Http404(_("Le rapport d'erreurs est introuvable.")) from None
    name = data_import.error_report.name.rsplit("/", 1)[-1]
    content_type = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if name.endswith(".xlsx")
                    else "text/csv; charset=utf-8")
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
